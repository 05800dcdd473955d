"""The demo's city development indicators (ฐานข้อมูลตัวชี้วัดการพัฒนาเมือง): indicator 87 as
the legacy page shows it (data/city_indicator_87.txt, a copy of the sample
dp2-mykpi2563_87.txt; its definition is cut where the sample's extraction ends), and
about thirty more, each with a value per year.
"""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

from citykpi.cityindicators.models import CityIndicator, CityIndicatorValue
from citykpi.indicators.models import Unit
from citykpi.lib.thai import parse_number, to_thai_digits

from . import texts

DATA = Path(__file__).resolve().parent / "data"
CATALOGUE = "โครงการจัดทำฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (2562-2563)"
DATA_KIND = "ตัวชี้วัดเป้าประสงค์"


def parse_sample_87() -> dict[str, str]:
    """The fields of the legacy page of city indicator 87, as written."""
    lines = [
        line.rstrip("\r") for line in (DATA / "city_indicator_87.txt").read_text(encoding="utf-8").split("\n")
    ]
    fields: dict[str, str] = {"catalogue": lines[1].strip()}
    for index, line in enumerate(lines):
        if line.endswith(" : 87"):
            label, name = line[: -len(" : 87")].split(" ", 1)
            fields["list_label"], fields["name"] = label, name
        elif line.startswith("ค่าเป้าหมาย "):
            unit_and_label, target = line[len("ค่าเป้าหมาย ") :].split(" : ", 1)
            fields["unit"], fields["target_text"] = unit_and_label, target
        elif line.startswith("ลักษณะข้อมูล : "):
            fields["data_kind"] = line.split(" : ", 1)[1]
        elif line.endswith("นิยาม หรือความหมายของตัวชี้วัด"):
            fields["definition"] = "\n".join(rest for rest in lines[index + 1 :] if rest.strip()).strip()
    return fields


def load_city_indicators(
    rng: random.Random, years: list[int], units: dict[str, Unit], nodes: dict[str, int], counts: Counter
) -> None:
    if CityIndicator.objects.exists():
        return
    sample = parse_sample_87()
    by_name = {u.name_th: u for u in units.values()}
    target_text = sample["target_text"]
    indicators = [
        CityIndicator(
            id=87,
            list_label=sample["list_label"],
            name=sample["name"],
            catalogue=sample["catalogue"],
            unit=by_name.get(sample["unit"]),
            target_text=target_text,
            target_value=parse_number(target_text.split(" ", 1)[0]),
            data_kind=sample["data_kind"],
            definition=sample["definition"],
        )
    ]
    links = [(87, nodes["5.5.1"])]
    values: list[CityIndicatorValue] = []
    history = list(range(2561, max(years) + 1))
    # Thirty more, from the kinds of KPI that describe the city rather than an agency's work.
    candidates = [
        t
        for theme in sorted(texts.THEMES)
        for t in texts.THEMES[theme]
        if t.kind in ("pct", "low", "cnt", "down", "up")
    ]
    rng.shuffle(candidates)
    seen: set[str] = set()
    chosen = []
    for template in candidates:
        if template.name not in seen:
            seen.add(template.name)
            chosen.append(template)
        if len(chosen) == 30:
            break
    for number, template in enumerate(chosen, start=1):
        unit = units[template.unit]
        target = Decimal(str(template.high))
        indicators.append(
            CityIndicator(
                id=number,
                list_label=f"{to_thai_digits(str(number))}.",
                name=template.name,
                catalogue=CATALOGUE,
                unit=unit,
                target_text=f"{target.normalize():f}",
                target_value=target,
                data_kind=DATA_KIND,
                definition=f"{template.name} ในภาพรวมของกรุงเทพมหานคร รวบรวมจากข้อมูลของหน่วยงานที่เกี่ยวข้องเป็นรายปี",
                calculation_method="คำนวณจากข้อมูลรายปีของหน่วยงานเจ้าของข้อมูล ณ สิ้นปีงบประมาณ",
            )
        )
        goal = template.node.rsplit(".", 1)[0]  # city indicators link to a goal (x.y.z)
        links.append((number, nodes[goal]))
        start = float(target) * rng.uniform(0.6, 0.9)
        for index, year in enumerate(history):
            value = start + (float(target) - start) * index / max(1, len(history) - 1) * rng.uniform(0.8, 1.1)
            values.append(
                CityIndicatorValue(indicator_id=number, year=year, value=Decimal(str(round(value, 2))))
            )
    # Indicator 87's values: the survey result per year (the sample gives only its target).
    for index, year in enumerate(history):
        values.append(CityIndicatorValue(indicator_id=87, year=year, value=Decimal(8 + 2 * index)))
    CityIndicator.objects.bulk_create(indicators)
    CityIndicatorValue.objects.bulk_create(values, batch_size=2000)
    through = CityIndicator.strategy_nodes.through
    through.objects.bulk_create([through(cityindicator_id=i, strategynode_id=n) for i, n in links])
    counts["city_indicators"] += len(indicators)
    counts["city_indicator_values"] += len(values)
