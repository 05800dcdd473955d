"""The city development indicator database (ฐานข้อมูลตัวชี้วัดการพัฒนาเมือง): city-level
goal indicators linked to the 20-year plan, with a value per year."""

from __future__ import annotations

from typing import Self

from django.db import models


class CityIndicatorQuerySet(models.QuerySet):
    def published(self) -> Self:
        """The city indicators the public sees."""
        return self.filter(is_published=True)


class CityIndicator(models.Model):
    id = models.PositiveIntegerField(primary_key=True)  # the legacy pid (87)
    list_label = models.CharField(max_length=40, blank=True)  # "๑."
    name = models.TextField()
    catalogue = models.CharField(max_length=255, blank=True)  # โครงการจัดทำฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (2562-2563)
    unit = models.ForeignKey(
        "indicators.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_text = models.CharField(
        "ค่าเป้าหมาย (ตามต้นฉบับ)", max_length=255, blank=True
    )  # "20 ของประชาชนที่ทำการสำรวจ"
    target_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    data_kind = models.CharField("ลักษณะข้อมูล", max_length=120, blank=True)  # ตัวชี้วัดเป้าประสงค์
    definition = models.TextField(blank=True)
    calculation_method = models.TextField(blank=True)
    strategy_nodes = models.ManyToManyField(
        "strategy.StrategyNode", blank=True, related_name="city_indicators"
    )
    is_published = models.BooleanField(default=True)

    objects = CityIndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.id} {self.name[:60]}"


class CityIndicatorValue(models.Model):
    indicator = models.ForeignKey(CityIndicator, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField()  # BE
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="city_indicator_value_one_per_year"),
        ]
