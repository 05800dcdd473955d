"""The seed KPI 0409-0950: the one public page of the legacy site that everything is
checked against (citykpi/demo/data/seed_0409-0950.txt), loaded with every text verbatim.

Its defects are kept on purpose, for the data-quality work to flag: a level scale with
target 5 and an achieved "100" (the agency reported percent progress), quarter results
in percent on a level unit, a strategy goal title cut by the legacy site with "%", and
an unlabelled counter "0". Its headline is quarter 2 (score 100): quarters 1 and 2 are
assessed; quarters 3 and 4 were submitted and carry scores from the legacy site, but
are not assessed, so the derived headline stays on quarter 2 as the seed shows it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from citykpi.agencies.models import Agency
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib import fiscal
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

from . import reference

SEED_CODE = "0409-0950"
BANGKOK = ZoneInfo("Asia/Bangkok")


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=BANGKOK)


@transaction.atomic
def load_seed_kpi() -> Indicator:
    """Create the seed KPI 0409-0950 exactly as the seed page shows it, with what it needs
    (agency, fiscal year, unit, strategy nodes) found or created. Idempotent: returns the
    existing KPI when it is already there."""
    NAME = (
        "ระดับความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัลของข้าราชการกรุงเทพมหานครและบุคลากรกรุงเทพมหานครเพื่อการปรับเปลี่ยนเป็นรัฐบาลดิจิทัล "
        "ระยะเริ่มแรก (Early)"
    )
    NARRATIVE_Q1 = (
        "อยู่ระหว่างดำเนินการ โดยได้ดำเนินงานดังต่อไปนี้ - "
        "แต่งตั้งคณะทำงานศึกษาแนวทางการจัดทำแผนพัฒนาทักษะดิจิทัลฯ - "
        "ประชุมคณะทำงานเพื่อจัดทำ ปรับ/ร่างแผนพัฒนาทักษะดิจิทัลฯ "
        "และร่วมกันแสดงความคิดเห็น - ปลัดกรุงเทพมหานครเห็นชอบให้สถาบันฯ "
        "นำเครื่องมือการสำรวจทักษะด้านดิจิทัลของข้าราชการและบุคลากรภาครัฐด้วยตนเอง "
        "(Digital Government Skill Set Self-Assessment) ในรูปแบบออนไลน์ ของสำนักงาน "
        "ก.พ. มาใช้ในการสำรวจทักษะด้านดิจิทัลของข้าราชการและบุคลากรกรุงเทพมหานคร "
        "เพื่อนำผลสำรวจไปวางแผนพัฒนาทักษะด้านดิจิทัล - "
        "ดำเนินการประเมินทักษะด้านดิจิทัลของข้าราชการและบุคลากรกรุงเทพมหานครด้วยตนเองผ่านระบบออนไลน์ "
        "(Digital Government Skill Set Self-Assessment) - นำร่างแผนฯ "
        "เข้าสู่กระบวนการแสดงความคิดเห็น ร่วมกับ ส.กก. และสยป."
    )
    NARRATIVE_Q2 = (
        "อยู่ระหว่างดำเนินการ โดยได้ดำเนินงานดังต่อไปนี้ - "
        "อยู่ระหว่างดำเนินการประเมินทักษะด้านดิจิทัลของข้าราชการและบุคลากรกรุงเทพมหานครด้วยตนเองผ่านระบบออนไลน์ "
        "(Digital Government Skill Set Self-Assessment) - คณะทำงานฯ "
        "สรุปผลการแสดงความคิดเห็น และปรับแก้ไขร่างแผนพัฒนาทักษะดิจิทัล - สถาบันฯ "
        "ส่งร่างแผนพัฒนาทักษะดิจิทัลฯ ให้สำนักงาน ก.ก. นำเข้าสู่การพิจารณา โดย "
        "อ.ก.ก ที่เกี่ยวข้อง - อยู่ระหว่างการพิจารณาร่างแผนพัฒนาทักษะดิจิทัลฯ โดย "
        "อ.ก.ก. วิสามัญเกี่ยวกับการสรรหา พัฒนาบุคลากร และการประเมิณ"
    )
    NARRATIVE_Q3 = (
        "อยู่ระหว่างดำเนินการ โดยได้ดำเนินงานดังต่อไปนี้ - สถาบันฯ "
        "สรุปจำนวนข้าราชการและบุคลากรกรุงเทพมหานคร (ลูกจ้างประจำ) "
        "ที่ดำเนินการประเมินทักษะดิจิทัลด้วยตนเองผ่านระบบออนไลน์ (Digital "
        "Government Skill Set Self-Assessment) เพื่อค้นหาช่องว่างในการพัฒนา (Gap "
        "Competency) เพื่อให้ทราบจุดอ่อนและจุดแข็งในการพัฒนา - ที่ประชุม อ.ก.ก. "
        "วิสามัญเกี่ยวกับการสรรหาฯ มีมติเห็นชอบร่างแผนพัฒนาทักษะด้านดิจิทัลฯ "
        "และกำหนดให้เป็นแผนพัฒนาทักษะด้านดิจิทัลของข้าราชการกรุงเทพมหานครและบุคลากรกรุงเทพมหานครเพื่อการปรับเปลี่ยนเป็นรัฐบาลดิจิทัล "
        "ระยะเริ่มแรก (Early) (พ.ศ. 2564 – 2565) ของกรุงเทพมหานคร - "
        "จัดทำบันทึกถึงปลัดกรุงเทพมหานคร เพื่อพิจารณาให้สถาบันฯ "
        "เวียนแจ้งแผนพัฒนาทักษะด้านดิจิทัลฯ ระยะเริ่มแรก (Early) (พ.ศ. 2564 - 2565) "
        "ให้หน่วยงานทราบและดำเนินการส่งเสริมการพัฒนาทักษะด้านดิจิทัลฯ"
    )
    NARRATIVE_Q4 = (
        "ดำเนินการครบทั้ง 5 ระดับ โดยได้ดำเนินการต่อเนื่อง ดังนี้ - "
        "ปลัดกรุงเทพมหานครได้โปรดสั่งการให้หน่วยงาน "
        "ส่วนราชการดำเนินการพัฒนาข้าราชการและบุคลากรกรุงเทพมหานครในสังกัดตามแผนพัฒนาทักษะด้านดิจิทัลฯ "
        "- สถาบันฯ ส่งแผนพัฒนาทักษะดิจิทัลฯ ให้หน่วยงาน "
        "ส่วนราชการทราบและดำเนินการพัฒนาตามแผนพัฒนาทักษะด้านดิจิทัลฯ "
        "ของผู้ปฏิบัติงานในสังกัด - สถาบันฯ "
        "สร้างความเข้าใจการพัฒนาทักษะด้านดิจิทัลของข้าราชการและบุคลากรกรุงเทพมหานคร "
        "แก่หน่วยงาน ส่วนราชการ "
        "ในหลักสูตรการส่งเสริมการใช้นวัตกรรมเพื่อพัฒนาทรัพยากรบุคคล เมื่อวันที่ 16 "
        "กรกฏาคม 2564 ผ่านโปรแกรม Microsoft Teams - "
        "ข้าราชการและบุคลากรกรุงเทพมหานคร (ลูกจ้างประจำ) ดำเนินการพัฒนาทักษะดิจิทัล "
        "โดยนำผลประเมินตนเอง (Self-Assessment) ไปกำหนดแผนพัฒนารายบุคคล (Individual "
        "Development Plan – IDP1) ด้วยรูปแบบการเรียนรู้ 70 : 20 : 10 "
        "และดำเนินการตามแผนพัฒนารายบุคคล (Individual Development Plan - IDP2) - "
        "หน่วยงาน ส่วนราชการรายงานจำนวนผู้ประเมินทักษะดิจิทัลฯ "
        "ผู้มีแผนพัฒนารายบุคคล และผู้ได้รับการพัฒนาตามแผนฯ ในสังกัด "
        "จำแนกตามกลุ่มภารกิจงานด้านดิจิทัล - สถาบันฯ "
        "สรุปผลการดำเนินการพัฒนาทักษะดิจิทัลในภาพรวมของกรุงเทพมหานครเสนอปลัดกรุงเทพมหานครทราบ "
        "เพื่อกำหนดแนวทางการพัฒนาในปีต่อไป"
    )
    DEFINITION = (
        "นิยาม "
        "ความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัลของข้าราชการกรุงเทพมหานครและบุคลากรกรุงเทพมหานครเพื่อการปรับเปลี่ยนเป็นรัฐบาลดิจิทัล "
        "ระยะเริ่มแรก (Early) แบ่งเป็น 5 ระดับ ดังนี้ ระดับที่ 1. "
        "ศึกษาและจัดทำร่างแผนพัฒนาทักษะด้านดิจิทัลฯ ระยะเริ่มแรก (Early) ระดับที่ "
        "2. นำเสนอร่างแผนพัฒนาทักษะด้านดิจิทัลฯเข้า อ.ก.ก.ฯ "
        "เห็นชอบการดำเนินการตามแผนฯ ระดับที่ 3. "
        "ประเมินทักษะด้านดิจิทัลเพื่อค้นหาช่องว่างในการพัฒนา(Gap) "
        "และนำผลการประเมินไปกำหนดกลุ่มเป้าหมายและวิธีการพัฒนา ระดับที่ 4. "
        "ดำเนินการพัฒนาตามแผนที่กำหนดไว้ ระดับที่ 5. "
        "ประเมินผลการพัฒนาเพื่อกำหนดแนวทางการพัฒนาในปีต่อไป"
    )
    CALCULATION_METHOD = (
        "ค่าเป้าหมาย ระดับ ๕ วิธีคำนวณ - ความสำเร็จระดับที่ 1 คิดผลการดำเนินงานเป็น "
        "ร้อยละ 20 (2คะแนน) - ความสำเร็จระดับที่ 1+2 คิดผลการดำเนินงานเป็น ร้อยละ "
        "40 (4คะแนน) - ความสำเร็จระดับที่ 1+2+3 คิดผลการดำเนินงานเป็น ร้อยละ 60 "
        "(6คะแนน) - ความสำเร็จระดับที่ 1+2+3+4 คิดผลการดำเนินงานเป็น ร้อยละ 80 "
        "(8คะแนน) - ความสำเร็จระดับที่ 1+2+3+4+5คิดผลการดำเนินงานเป็น ร้อยละ 100 "
        "(10คะแนน)"
    )
    DATA_COLLECTION = (
        "หลักฐานการประเมิน - ร่างแผนพัฒนาทักษะด้านดิจิทัลฯระยะเริ่มแรก (Early) - "
        "หนังสือนำเสนอร่างแผนพัฒนาทักษะด้านดิจิทัลฯเข้า อ.ก.ก.ฯ - "
        "รายงานสรุปผลการประเมินทักษะด้านดิจิทัล ฯ - "
        "เอกสารการดำเนินการตามแผนที่กำหนด - สรุปการประเมินผลการพัฒนาเพื่อต่อยอดฯ"
    )

    existing = Indicator.objects.filter(code=SEED_CODE).first()
    if existing is not None:
        return existing

    parent = _agency("0400")
    agency = _agency("0409", parent=parent)
    year, _ = FiscalYear.objects.get_or_create(year=2564)
    level_unit = reference_unit("level")
    dimension = _dimension(1)
    plan = _primary_plan()
    leaf = None
    # The four lines of "สนับสนุนยุทธศาสตร์กรุงเทพมหานครฯ", as the seed shows them.
    for path, prefix, title in [
        ("7", "ด้านที่ ๗ –", "การบริหารจัดการเมืองมหานคร : Management Strategy"),
        ("7.3", "๗.๓ -", "การบริหารทรัพยากรบุคคล"),
        ("7.3.1", "๗.๓.๑", "บุคลากรกรุงเทพมหานครเป็นผู้ปฏิบัติงานแบบมืออาชีพ มีคุณธรรม จริยธรรม และเป็นที่เชื่%"),
        ("7.3.1.1", "๗.๓.๑.๑", "การพัฒนาบุคลากรให้มีทักษะ ความรู้ ความสามารถ มีความเป็นมืออาชีพ"),
    ]:
        leaf, _ = StrategyNode.objects.get_or_create(
            plan=plan,
            path=path,
            defaults={
                "parent": leaf,
                "heading_prefix": prefix,
                "title": title,
                "title_truncated": title.endswith("%"),
            },
        )

    kpi = Indicator.objects.create(
        code=SEED_CODE,
        agency=agency,
        fiscal_year=year,
        list_label="5.",
        name=NAME,
        unit=level_unit,
        target=Decimal("5"),
        achieved=Decimal("100"),
        direction=Indicator.Direction.HIGHER,
        kpi_type=Indicator.Type.STRATEGIC,
        result_level=Indicator.Level.OUTPUT,
        definition=DEFINITION,
        calculation_method=CALCULATION_METHOD,
        scoring_method=Indicator.Method.MILESTONE,
        data_collection=DATA_COLLECTION,
        annual_summary="",
        weight=Decimal("10"),
        dimension=dimension,
        legacy_counter="0",
    )
    assert leaf is not None  # the loop above always runs
    kpi.strategy_nodes.add(leaf)

    # The levels of its definition, scored as its calculation method says.
    steps = [
        "ศึกษาและจัดทำร่างแผนพัฒนาทักษะด้านดิจิทัลฯ ระยะเริ่มแรก (Early)",
        "นำเสนอร่างแผนพัฒนาทักษะด้านดิจิทัลฯเข้า อ.ก.ก.ฯ เห็นชอบการดำเนินการตามแผนฯ",
        "ประเมินทักษะด้านดิจิทัลเพื่อค้นหาช่องว่างในการพัฒนา(Gap) และนำผลการประเมินไปกำหนดกลุ่มเป้าหมายและวิธีการพัฒนา",
        "ดำเนินการพัฒนาตามแผนที่กำหนดไว้",
        "ประเมินผลการพัฒนาเพื่อกำหนดแนวทางการพัฒนาในปีต่อไป",
    ]
    MilestoneLevel.objects.bulk_create(
        MilestoneLevel(
            indicator=kpi, level=n, description=text, percent=Decimal(20 * n), points=Decimal(2 * n)
        )
        for n, text in enumerate(steps, start=1)
    )

    # (quarter, planned cumulative level, result as the seed shows it, score, 2.1, 2.2, status)
    rows = [
        (1, "1", "20.00", "95", "95", "100", QuarterReport.Status.ASSESSED, NARRATIVE_Q1),
        (2, "2", "50.00", "100", "100", "100", QuarterReport.Status.ASSESSED, NARRATIVE_Q2),
        (3, "4", "70.00", "100", "100", "100", QuarterReport.Status.SUBMITTED, NARRATIVE_Q3),
        (4, "5", "100.00", "100", "100", "100", QuarterReport.Status.SUBMITTED, NARRATIVE_Q4),
    ]
    for quarter, planned, result, score, c21, c22, status, narrative in rows:
        end = fiscal.quarter_period(2564, quarter).end
        report = QuarterReport.objects.create(
            indicator=kpi,
            quarter=quarter,
            planned_target=Decimal(planned),
            result=Decimal(result),
            narrative=narrative,
            status=status,
            submitted_at=_at(end + dt.timedelta(days=10)),
        )
        Assessment.objects.create(
            quarter_report=report,
            score=Decimal(score),
            components={"2.1": c21, "2.2": c22},
            assessed_at=_at(end + dt.timedelta(days=25), 14),
        )
    return kpi


def _agency(code: str, parent: Agency | None = None) -> Agency:
    for row in reference.DEPARTMENTS:
        if row[0] == code:
            _, name_th, name_en, abbreviation, kind, _parent, _theme = row
            break
    else:  # pragma: no cover - both codes are in the reference list
        raise KeyError(code)
    agency, _ = Agency.objects.get_or_create(
        code=code,
        defaults={
            "long_code": Agency.long_code_for(code),
            "name_th": name_th,
            "name_en": name_en,
            "abbreviation": abbreviation,
            "kind": kind,
            "parent": parent,
        },
    )
    return agency


def reference_unit(key: str) -> Unit:
    """The unit `key` of citykpi.demo.reference.UNITS, made when the database has none."""
    name_th, name_en, kind, low, high, over_100, lower = reference.UNITS[key]
    unit, _ = Unit.objects.get_or_create(
        name_th=name_th,
        defaults={
            "name_en": name_en,
            "kind": kind,
            "scale_min": low,
            "scale_max": high,
            "allows_over_100": over_100,
            "suggests_lower_is_better": lower,
        },
    )
    return unit


def _dimension(number: int) -> EvaluationDimension:
    _, name_th, name_en = reference.EVALUATION_DIMENSIONS[number - 1]
    dimension, _ = EvaluationDimension.objects.get_or_create(
        number=number, defaults={"name_th": name_th, "name_en": name_en}
    )
    return dimension


def _primary_plan() -> StrategyPlan:
    plan, _ = StrategyPlan.objects.get_or_create(code=reference.PLAN_20Y_CODE, defaults=reference.PLAN_20Y)
    return plan
