"""The demo's red quarters explained (#15): every published quarter scored off track
against its plan gets a cause and a corrective action (an owner, a due date), followed up
as the real forms do (done, late, dropped with a reason; the latest ones still open, some
past their due date, and a year's open ones carried into the KPI's successor), and the
milestone KPIs' published quarters cite official letters ("หนังสือที่ กท 0409/1116 ลงวันที่ ...").

Written after the load's scores are stored (citykpi.demo.actions), in bulk and without
audit rows, like the rest of the generator; deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from citykpi.indicators.models import Indicator
from citykpi.lib import fiscal
from citykpi.quality import scoring
from citykpi.reporting.models import Cause, Claim, Commitment, CommitmentUpdate, QuarterReport

PUBLISHED = QuarterReport.PUBLISHED_STATUSES

CAUSES = {
    "budget": "ได้รับจัดสรรงบประมาณล่าช้า ต้องรอการโอนเงินงบประมาณ",
    "procurement": "การจัดซื้อจัดจ้างไม่แล้วเสร็จตามกำหนด ผู้เสนอราคาไม่ผ่านคุณสมบัติ ต้องประกาศใหม่",
    "staffing": "บุคลากรผู้รับผิดชอบโอนย้าย อยู่ระหว่างสรรหาทดแทน",
    "weather": "ฝนตกหนักต่อเนื่อง ทำให้ต้องเลื่อนการดำเนินงานภาคสนาม",
    "dependency": "รอข้อมูลและการอนุมัติจากหน่วยงานอื่นที่เกี่ยวข้อง",
    "definition": "นิยามตัวชี้วัดไม่ชัดเจน ทำให้เก็บข้อมูลไม่ครบถ้วน อยู่ระหว่างหารือกับ สยป.",
    "other": "ต้องปรับแผนการดำเนินงานตามข้อสั่งการของผู้บริหาร",
}
ACTIONS = {
    "budget": "ขอใช้เงินงบประมาณเหลือจ่ายและเร่งรัดการเบิกจ่ายให้ทันไตรมาสถัดไป",
    "procurement": "ประกาศประกวดราคาใหม่และติดตามผลการพิจารณาทุกสัปดาห์",
    "staffing": "มอบหมายเจ้าหน้าที่รักษาการและขออัตรากำลังทดแทน",
    "weather": "เร่งดำเนินงานภาคสนามเพิ่มในช่วงฤดูแล้ง",
    "dependency": "ทำหนังสือประสานหน่วยงานที่เกี่ยวข้องและนัดประชุมร่วม",
    "definition": "เสนอ สยป. ทบทวนนิยามและวิธีการเก็บข้อมูล",
    "other": "จัดทำแผนเร่งรัดการดำเนินงานเสนอผู้บริหาร",
}
OWNERS = (
    "ผู้อำนวยการกองแผนงาน",
    "หัวหน้าฝ่ายปกครอง",
    "หัวหน้าฝ่ายโยธา",
    "ผู้อำนวยการส่วนยุทธศาสตร์",
    "หัวหน้าฝ่ายการคลัง",
    "หัวหน้างานพัสดุ",
)
DROP_REASONS = (
    "ผู้บริหารสั่งให้เปลี่ยนแนวทาง ใช้วิธีจ้างเหมาแทน",
    "ไม่จำเป็นแล้ว เนื่องจากได้รับงบประมาณครบถ้วน",
)
CLAIMS = (
    "ดำเนินการครบตามขั้นตอนของระดับ {level} และรายงานผู้บริหารแล้ว",
    "คณะทำงานพิจารณาให้ความเห็นชอบผลการดำเนินงานระดับ {level}",
)


def _quarter_end(year: int, quarter: int) -> dt.date:
    return fiscal.quarter_period(year, quarter).end


def add_accountability(seed: int, today: dt.date) -> dict[str, int]:
    """Write the demo's causes, corrective actions (with their follow-ups) and claims;
    returns their counts."""
    rng = random.Random(seed * 15)
    red = list(
        QuarterReport.objects.filter(
            score_status=scoring.OFF_TRACK,
            status__in=PUBLISHED,
            planned_target__isnull=False,
            result__isnull=False,
        )
        .exclude(indicator__scoring_method=scoring.RANGE)
        .exclude(indicator__direction=scoring.WITHIN)
        .select_related("indicator")
        .order_by("indicator__code", "quarter")
    )
    successors = dict(
        Indicator.objects.filter(carried_from__isnull=False).values_list("carried_from_id", "pk")
    )
    latest_year = max((r.indicator.fiscal_year_id for r in red), default=None)
    categories = list(CAUSES)
    causes = []
    for report in red:
        category = rng.choice(categories)
        causes.append(Cause(quarter_report=report, category=category, detail=CAUSES[category]))
    Cause.objects.bulk_create(causes)
    commitments: list[Commitment] = []
    history: list[tuple[int, list[tuple[str, str, dt.date, QuarterReport | None]]]] = []
    by_kpi: dict[int, dict[int, QuarterReport]] = defaultdict(dict)
    for report in QuarterReport.objects.filter(indicator_id__in={r.indicator_id for r in red}):
        by_kpi[report.indicator_id][report.quarter] = report
    for cause in causes:
        report = cause.quarter_report
        year = report.indicator.fiscal_year_id
        end = _quarter_end(year, report.quarter)
        due = end + dt.timedelta(days=rng.choice((45, 60, 75, 90)))
        status, reason, closed = Commitment.Status.OPEN, "", None
        later = by_kpi[report.indicator_id].get(report.quarter + 1)
        steps: list[tuple[str, str, dt.date, QuarterReport | None]] = [("open", "", due, report)]
        if year != latest_year or (later is not None and later.status in PUBLISHED):
            roll = rng.random()
            follow = later
            if roll < 0.7:
                status = Commitment.Status.DONE
            elif roll < 0.8:
                status, reason = Commitment.Status.DROPPED, rng.choice(DROP_REASONS)
            elif roll < 0.9 or report.indicator_id not in successors:
                status, reason = Commitment.Status.LATE, "รอผลการพิจารณาของคณะกรรมการ"
                due = due + dt.timedelta(days=60)
            else:
                status = Commitment.Status.OPEN  # carried into next year's KPI, still open
                follow = None
            if status != Commitment.Status.OPEN:
                steps.append((status, reason, due, follow))
            if status in (Commitment.Status.DONE, Commitment.Status.DROPPED):
                closed = dt.datetime.combine(due - dt.timedelta(days=10), dt.time(10), tzinfo=dt.UTC)
        elif rng.random() < 0.3:
            due = min(due, today - dt.timedelta(days=rng.randint(3, 20)))  # past due, still open
            steps[0] = ("open", "", due, report)
        commitments.append(
            Commitment(
                quarter_report=report,
                cause=cause,
                action=ACTIONS[cause.category],
                owner=rng.choice(OWNERS),
                due_date=due,
                status=status,
                reason=reason,
                closed_at=closed,
                version=len(steps),
            )
        )
        history.append((len(commitments) - 1, steps))
    Commitment.objects.bulk_create(commitments)
    updates = [
        CommitmentUpdate(
            commitment=commitments[index], quarter_report=on, status=status, note=reason, due_date=due
        )
        for index, steps in history
        for status, reason, due, on in steps
    ]
    CommitmentUpdate.objects.bulk_create(updates)
    claims = []
    milestone = (
        QuarterReport.objects.filter(
            indicator__scoring_method=scoring.MILESTONE, status__in=PUBLISHED, result__gt=0, result__lte=5
        )
        .select_related("indicator__agency")
        .order_by("indicator__code", "quarter")
    )
    for report in milestone:
        level = int(report.result)
        end = _quarter_end(report.indicator.fiscal_year_id, report.quarter)
        claims.append(
            Claim(
                quarter_report=report,
                statement=rng.choice(CLAIMS).format(level=level),
                level=level,
                letter_number=f"กท {report.indicator.agency.code}/{rng.randint(100, 9999)}",
                letter_date=end - dt.timedelta(days=rng.randint(1, 40)),
            )
        )
    Claim.objects.bulk_create(claims)
    return {
        "causes": len(causes),
        "commitments": len(commitments),
        "commitment_updates": len(updates),
        "claims": len(claims),
    }
