"""Strategy plans (the 20-year plan, the governor's policy, the national strategy) and
their trees of nodes of any depth (ด้าน > มิติ > เป้าหมาย > ...).

A node's number path is stored with Arabic digits ("7.3.1.1") so that it sorts and
matches; `display_number` keeps it as the source shows it ("๗.๓.๑.๑"), and
`heading_prefix` keeps the label and separator the source uses ("ด้านที่ ๗ –").
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from citykpi.lib.thai import to_thai_digits


class StrategyPlan(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name_th = models.CharField(max_length=255)
    name_en = models.CharField(max_length=255, blank=True)
    # Level names from the top: ["ด้าน", "มิติ", "เป้าหมาย", "ตัวชี้วัดย่อย"]
    level_names = models.JSONField(default=list, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)  # BE
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)  # BE
    is_primary = models.BooleanField(
        default=False, help_text="The plan shown as สนับสนุนยุทธศาสตร์กรุงเทพมหานครฯ on KPI pages."
    )

    class Meta:
        ordering = ["-is_primary", "code"]

    def __str__(self) -> str:
        return self.name_th

    def level_name(self, depth: int) -> str:
        names = self.level_names or []
        return names[depth - 1] if 0 < depth <= len(names) else ""


class StrategyNode(models.Model):
    plan = models.ForeignKey(StrategyPlan, on_delete=models.PROTECT, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("เลขลำดับ", max_length=40)  # Arabic digits: 7.3.1.1
    depth = models.PositiveSmallIntegerField()  # 1 for an area (ด้าน)
    display_number = models.CharField(max_length=40, blank=True)  # as the source shows it: ๗.๓.๑.๑
    heading_prefix = models.CharField(max_length=80, blank=True)  # "ด้านที่ ๗ –", "๗.๓ -", "๗.๓.๑"
    title = models.TextField()
    title_en = models.TextField(blank=True)
    # A title the legacy site cut short with a trailing "%" and that could not be repaired.
    title_truncated = models.BooleanField(default=False)
    sort_key = models.CharField(max_length=80, editable=False)  # zero-padded path for ordering

    class Meta:
        ordering = ["plan", "sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "path"], name="strategy_node_unique_path"),
            models.CheckConstraint(condition=Q(depth__gte=1), name="strategy_node_depth_positive"),
        ]
        indexes = [
            # The strategy tree page and ancestors of a KPI's node: WHERE plan_id = %s AND path IN (...)
            models.Index(fields=["plan", "sort_key"], name="strategy_node_sort_idx"),
        ]

    def __str__(self) -> str:
        return self.heading

    @staticmethod
    def sort_key_for(path: str) -> str:
        return ".".join(part.zfill(4) for part in path.split("."))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.depth = self.path.count(".") + 1
        self.sort_key = self.sort_key_for(self.path)
        if not self.display_number:
            self.display_number = to_thai_digits(self.path)
        if not self.heading_prefix:
            self.heading_prefix = self.display_number
        super().save(*args, **kwargs)

    @property
    def heading(self) -> str:
        """The line as the source shows it: "๗.๓ - การบริหารทรัพยากรบุคคล"."""
        return f"{self.heading_prefix} {self.title}".strip()

    @property
    def level_name(self) -> str:
        return self.plan.level_name(self.depth)

    def ancestor_paths(self) -> list[str]:
        parts = self.path.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
