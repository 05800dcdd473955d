"""The benchmark dataset: built once per scale and database, reused while its recorded size
matches.

Two builders:
- the demo generator (`citykpi.demo.generator.generate`), when it exists, for the scales up
  to city: the benchmark then measures the same data the demo shows;
- our own deterministic builder (this module), used for the national scale (one million
  KPIs: on PostgreSQL it writes with COPY, which is an order of magnitude faster than
  INSERTs) and whenever the generator is not installed yet.

Besides the published data, every run prepares the "deadline year": the current fiscal
year, unpublished (public pages never show it), whose deadlines lie in the future, with
`scale.import_kpis` KPIs, one reporter account per concurrent reporter and an
administrator account. The workbook import and the quarter-deadline test write there; it
is reset at the start of every run so that runs are comparable.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.bench.scales import Scale
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, Unit
from citykpi.lib import fiscal
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.publicdata import documents
from citykpi.publicdata.models import KpiDocument
from citykpi.quality.standing import rescore_kpis, rescore_years
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

# Bump when the own builder's output changes: a stored dataset of another version is rebuilt.
BUILDER_VERSION = 1
META_TABLE = "bench_dataset_meta"
BENCH_PASSWORD = "bench-password-2566"
REPORTER_PREFIX = "bench-reporter-"
ADMIN_USERNAME = "bench-admin"
IMPORTER_USERNAME = "bench-importer"
# Serials of the deadline year's KPIs: far above the published KPIs' serials.
DEADLINE_SERIAL_BASE = 500_000
REPORTER_SERIAL_BASE = 600_000
COPY_SERIAL_BASE = 700_000  # top_up_agency's copies

Progress = Callable[[str], None] | None


def _say(progress: Progress, message: str) -> None:
    if progress:
        progress(message)


# --- the size record -------------------------------------------------------------------


def _ensure_meta_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR(40) PRIMARY KEY, value TEXT NOT NULL)"
        )


def read_meta() -> dict[str, Any]:
    _ensure_meta_table()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, value FROM {META_TABLE}")
        return {key: json.loads(value) for key, value in cursor.fetchall()}


def write_meta(values: dict[str, Any]) -> None:
    _ensure_meta_table()
    with transaction.atomic(), connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = %s", [key])
            cursor.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)", [key, json.dumps(value)])


def spec_of(scale: Scale, builder: str) -> dict[str, Any]:
    return {
        "scale": scale.name,
        "agencies": scale.agencies,
        "years": list(scale.years),
        "kpis": scale.kpis,
        "builder": builder,
        "builder_version": BUILDER_VERSION if builder == "own" else generator_fingerprint(),
        "generator_scale": generator_scale(scale) if builder == "generator" else None,
        # Datasets built before scores were stored (citykpi.quality.standing) are rebuilt.
        "stored_scores": 1,
    }


def generator_scale(scale: Scale) -> int:
    """The generator's `scale` for about `scale.kpis` KPIs, rounded up: its own rule of thumb
    is KPIs = 7 x agencies x years x scale."""
    return max(1, math.ceil(scale.kpis / (7 * scale.agencies * len(scale.years))))


def generator_fingerprint() -> str | None:
    """A hash of the demo generator's source: a changed generator means another dataset."""
    import hashlib
    import inspect

    try:
        from citykpi.demo import generator
    except ImportError:
        return None
    digest = hashlib.sha256()
    for module in (generator,):
        digest.update(Path(inspect.getsourcefile(module)).read_bytes())
    return digest.hexdigest()[:16]


def table_counts() -> dict[str, int]:
    """Rows per table of the data the pages read (the report's dataset size)."""
    counted: list[type[models.Model]] = [
        Agency,
        FiscalYear,
        StrategyNode,
        Indicator,
        Indicator.strategy_nodes.through,
        QuarterReport,
        Assessment,
        Project,
        Project.indicators.through,
        ProjectQuarterScore,
        get_user_model(),
    ]
    counts: dict[str, int] = {}
    for model in counted:
        counts[model._meta.db_table] = model.objects.count()
    from citykpi.audit.models import AuditEvent

    counts[AuditEvent._meta.db_table] = AuditEvent.objects.count()
    return counts


def published_kpi_count(scale: Scale) -> int:
    """KPIs of the scale's years (the deadline year's KPIs are not part of the dataset)."""
    return Indicator.objects.filter(fiscal_year_id__in=scale.years).count()


# --- choosing and running a builder ------------------------------------------------------


def generator_available() -> bool:
    try:
        from citykpi.demo import generator  # noqa: F401
    except ImportError:
        return False
    return hasattr(generator, "generate")


def choose_builder(scale: Scale, requested: str = "auto") -> str:
    if requested in {"own", "generator"}:
        return requested
    # The generator writes through the ORM: at a million KPIs our COPY path is the fast one.
    if scale.name == "national" or not generator_available():
        return "own"
    return "generator"


def ensure_dataset(scale: Scale, *, builder: str = "auto", progress: Progress = None) -> dict[str, Any]:
    """Build the dataset unless the database already holds it; returns the stored record."""
    builder = choose_builder(scale, builder)
    spec = spec_of(scale, builder)
    meta = read_meta()
    if meta.get("spec") == spec and meta.get("kpis") == published_kpi_count(scale):
        _say(progress, f"dataset {scale.name} already built ({meta['kpis']} KPIs): reused")
        if not KpiDocument.objects.exists():  # a dataset built before the public documents
            _say(progress, "building the KPIs' public documents")
            documents.build_all()
        elif KpiDocument.objects.exclude(record_format=documents.record_format()).exists():
            # Documents built before they stored the API record, or by another schema.
            _say(progress, "making the KPIs' stored API records")
            documents.fill_records()
        return {**meta, "reused": True}
    if Indicator.objects.exists():
        if not meta:
            # Not a database the benchmark built: never empty someone's data.
            raise RuntimeError(
                "The benchmark database holds data the benchmark did not build: run `citykpi bench` with "
                "--rebuild (it drops the benchmark database first) so that the dataset is built from nothing."
            )
        _say(progress, "the stored dataset is of another size or builder: emptied and built again")
        call_command("flush", interactive=False, verbosity=0)
    started = timezone.now()
    if builder == "generator":
        from citykpi.demo.generator import generate

        generate(
            scale=generator_scale(scale),
            years=list(scale.years),
            agency_count=scale.agencies,
            seed=2566,
            progress=progress,
        )
        top_up_agency(scale, progress=progress)
    else:
        build_own(scale, progress=progress)
    # Written in bulk without audit rows: store the scores the actions would have stored.
    rescore_years(None)
    # ... and the KPIs' public documents, as the actions would have kept them.
    _say(progress, "building the KPIs' public documents")
    documents.build_all()
    seconds = (timezone.now() - started).total_seconds()
    record = {
        "spec": spec,
        "kpis": published_kpi_count(scale),
        "built_at": started.isoformat(),
        "build_seconds": round(seconds, 1),
    }
    write_meta(record)
    _say(progress, f"dataset {scale.name} built in {seconds:.1f} s ({record['kpis']} KPIs)")
    return {**record, "reused": False}


def top_up_agency(scale: Scale, *, progress: Progress = None) -> int:
    """Give the largest agency of the latest year `scale.agency_pdf_kpis` KPIs (the agency
    report PDF's figure) by copying its own KPIs, with their quarters and assessments."""
    year = scale.latest_year
    top = (
        Indicator.objects.filter(fiscal_year_id=year)
        .values("agency_id")
        .annotate(n=models.Count("id"))
        .order_by("-n", "agency_id")
        .first()
    )
    if top is None or top["n"] >= scale.agency_pdf_kpis:
        return 0
    with transaction.atomic():
        originals = list(
            Indicator.objects.filter(fiscal_year_id=year, agency_id=top["agency_id"])
            .order_by("id")
            .prefetch_related("strategy_nodes", "quarters__assessment")
        )
        agency = Agency.objects.get(pk=top["agency_id"])
        missing = scale.agency_pdf_kpis - top["n"]
        copies = []
        for i in range(missing):
            source = originals[i % len(originals)]
            copy = Indicator.objects.get(pk=source.pk)
            copy.pk = None
            copy.code = f"{agency.code}-{COPY_SERIAL_BASE + i}"
            copy.list_label = f"{top['n'] + i + 1}."
            copies.append((source, copy))
        Indicator.objects.bulk_create([c for _, c in copies])
        created = {c.code: c for c in Indicator.objects.filter(code__in=[c.code for _, c in copies])}
        links, reports, assessed = [], [], []
        for source, copy in copies:
            target = created[copy.code]
            links += [
                Indicator.strategy_nodes.through(indicator_id=target.pk, strategynode_id=n.pk)
                for n in source.strategy_nodes.all()
            ]
            for quarter in source.quarters.all():
                assessment = getattr(quarter, "assessment", None)
                quarter.pk, quarter.indicator_id = None, target.pk
                reports.append(quarter)
                assessed.append(assessment)
        Indicator.strategy_nodes.through.objects.bulk_create(links)
        QuarterReport.objects.bulk_create(reports)
        saved = {
            (r.indicator_id, r.quarter): r.pk
            for r in QuarterReport.objects.filter(indicator__in=created.values())
        }
        new_assessments = []
        for report, assessment in zip(reports, assessed):
            if assessment is not None:
                assessment.pk, assessment.quarter_report_id = (
                    None,
                    saved[(report.indicator_id, report.quarter)],
                )
                new_assessments.append(assessment)
        Assessment.objects.bulk_create(new_assessments)
    _say(
        progress,
        f"agency {agency.code}: {missing} KPIs copied so that its {year} report has {scale.agency_pdf_kpis}",
    )
    return missing


# --- the own builder ---------------------------------------------------------------------


class Sink:
    """Buffers model instances per model and writes them in batches: bulk_create, or COPY on
    PostgreSQL. Instances carry their primary keys, so foreign keys are known before writing."""

    def __init__(self, *, use_copy: bool, batch: int = 5_000) -> None:
        self.use_copy = use_copy
        self.batch = batch if not use_copy else 50_000
        self.buffers: dict[type[models.Model], list[models.Model]] = {}
        self.written: dict[type[models.Model], int] = {}

    def add(self, obj: models.Model) -> None:
        buffer = self.buffers.setdefault(type(obj), [])
        buffer.append(obj)
        if len(buffer) >= self.batch:
            self._write(type(obj))

    def _write(self, model: type[models.Model]) -> None:
        objs = self.buffers.get(model) or []
        if not objs:
            return
        if self.use_copy:
            fields = list(model._meta.concrete_fields)
            if objs[0].pk is None:  # through-table rows: the database numbers them
                fields = [f for f in fields if not f.primary_key]
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                raw = cursor.cursor  # the psycopg cursor: Django's wrapper has no copy()
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for obj in objs:
                        copy.write_row(
                            [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
                        )
        else:
            model.objects.bulk_create(objs, batch_size=self.batch)
        self.written[model] = self.written.get(model, 0) + len(objs)
        self.buffers[model] = []

    def flush(self) -> None:
        # Parents before children: the order in which models were first added.
        for model in list(self.buffers):
            self._write(model)
        if self.use_copy:
            models_written = list(self.written)
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models_written):
                    cursor.execute(sql)


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


SUBJECTS = [
    "ผู้ใช้บริการ",
    "ประชาชน",
    "ข้าราชการกรุงเทพมหานคร",
    "คลองและคูน้ำ",
    "ถนนและทางเท้า",
    "ขยะมูลฝอย",
    "โรงเรียนในสังกัด",
    "ศูนย์บริการสาธารณสุข",
    "จุดเสี่ยงน้ำท่วม",
    "ชุมชน",
    "สวนสาธารณะ",
    "ผู้สูงอายุ",
]
VERBS = [
    "ได้รับการพัฒนาทักษะด้านดิจิทัล",
    "พึงพอใจต่อการให้บริการ",
    "ได้รับการปรับปรุง",
    "ผ่านเกณฑ์มาตรฐาน",
    "ได้รับการคัดแยก",
    "ได้รับการตรวจสุขภาพ",
    "ได้รับการดูแลรักษา",
    "มีส่วนร่วมในการจัดทำแผน",
]
OPENINGS = ["ร้อยละของ", "ระดับความสำเร็จของการพัฒนา", "จำนวน", "ร้อยละที่เพิ่มขึ้นของ"]
FRAGMENTS = [
    "จัดประชุมคณะทำงานเพื่อพิจารณาร่างแผนการดำเนินงาน",
    "ตามหนังสือที่ กท 1234/2565 ลงวันที่ 15 ธันวาคม 2565",
    "ดำเนินการสำรวจข้อมูลและจัดทำรายงานผลการดำเนินงานเสนอผู้บริหาร",
    "ผู้บริหารเห็นชอบแผนและมอบหมายหน่วยงานที่เกี่ยวข้องดำเนินการ",
    "จัดเก็บหลักฐานประกอบการรายงานผลไว้ในระบบแล้ว",
    "ประสานความร่วมมือกับสำนักงานเขตและภาคประชาชน",
    "ติดตามความก้าวหน้าเป็นรายเดือนและรายงานต่อคณะกรรมการ",
]


def _narrative(rng: random.Random, chars: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < chars:
        parts.append(rng.choice(FRAGMENTS))
    return " ".join(parts)


def _units() -> list[Unit]:
    specs = [
        ("ระดับ", "level", Unit.Kind.LEVEL, 0, 5),
        ("ร้อยละ", "percent", Unit.Kind.PERCENT, 0, 100),
        ("จำนวน", "count", Unit.Kind.COUNT, None, None),
    ]
    return [
        Unit.objects.get_or_create(
            name_th=name, defaults={"name_en": en, "kind": kind, "scale_min": low, "scale_max": high}
        )[0]
        for name, en, kind, low, high in specs
    ]


def _dimensions() -> list[EvaluationDimension]:
    names = ["ด้านประสิทธิผลตามพันธกิจ", "ด้านคุณภาพการให้บริการ", "ด้านประสิทธิภาพ", "ด้านการพัฒนาองค์กร"]
    return [
        EvaluationDimension.objects.get_or_create(number=i + 1, defaults={"name_th": name})[0]
        for i, name in enumerate(names)
    ]


def _strategy_leaves() -> list[StrategyNode]:
    plan, _ = StrategyPlan.objects.get_or_create(
        code="bench-20y",
        defaults={
            "name_th": "แผนพัฒนากรุงเทพมหานคร ระยะ 20 ปี (ชุดข้อมูลทดสอบสมรรถนะ)",
            "level_names": ["ด้าน", "มิติ", "เป้าหมาย"],
            "start_year": 2561,
            "end_year": 2580,
            "is_primary": not StrategyPlan.objects.filter(is_primary=True).exists(),
        },
    )
    if not plan.nodes.exists():
        for area in range(1, 8):
            a = StrategyNode.objects.create(plan=plan, path=str(area), title=f"ยุทธศาสตร์ด้านที่ {area}")
            for dim in range(1, 4):
                d = StrategyNode.objects.create(
                    plan=plan, parent=a, path=f"{area}.{dim}", title=f"มิติที่ {area}.{dim}"
                )
                for goal in range(1, 4):
                    StrategyNode.objects.create(
                        plan=plan,
                        parent=d,
                        path=f"{area}.{dim}.{goal}",
                        title=f"เป้าหมายที่ {area}.{dim}.{goal}",
                    )
    return list(plan.nodes.filter(depth=3).order_by("sort_key"))


def _kpis_per_agency_year(scale: Scale) -> int:
    return max(1, scale.kpis // (scale.agencies * len(scale.years)))


def _extra_slots(scale: Scale) -> int:
    """How many agency-years carry one KPI more, so that the total is `scale.kpis`."""
    return max(0, scale.kpis - _kpis_per_agency_year(scale) * scale.agencies * len(scale.years))


def build_own(scale: Scale, *, seed: int = 2566, progress: Progress = None) -> dict[str, int]:
    """Deterministic bulk build of agencies, years, KPIs with 4 quarters, narratives,
    assessments and projects. One transaction: a failed build leaves nothing."""
    rng = random.Random(seed)
    use_copy = connection.vendor == "postgresql"
    with transaction.atomic():
        units = _units()
        dimensions = _dimensions()
        leaves = _strategy_leaves()
        for year in scale.years:
            FiscalYear.objects.get_or_create(year=year)
        sink = Sink(use_copy=use_copy)
        agency_id = _next_id(Agency)
        agencies: list[Agency] = []
        for i in range(scale.agencies):
            code = f"{i + 1:04d}"
            agency = Agency(
                id=agency_id + i,
                code=code,
                long_code=Agency.long_code_for(code),
                name_th=f"หน่วยงานทดสอบสมรรถนะ {code}",
                name_en=f"Benchmark agency {code}",
                kind=Agency.Kind.DISTRICT if i % 2 else Agency.Kind.DEPARTMENT,
                reporter_may_submit=True,
            )
            agencies.append(agency)
            sink.add(agency)
        sink.flush()  # agencies first: COPY of the children checks their foreign keys
        per = _kpis_per_agency_year(scale)
        extra = _extra_slots(scale)
        ids = {m: _next_id(m) for m in (Indicator, QuarterReport, Assessment, Project, ProjectQuarterScore)}
        node_link = Indicator.strategy_nodes.through
        project_link = Project.indicators.through
        stamp = dt.datetime(2023, 9, 30, 12, 0, tzinfo=dt.UTC)
        latest = scale.latest_year
        kpi_total = 0
        for a_index, agency in enumerate(agencies):
            serial = 0
            for y_index, year in enumerate(scale.years):
                count = per + (1 if a_index * len(scale.years) + y_index < extra else 0)
                # The first agency carries the agency-report PDF's KPI count in the latest year.
                if a_index == 0 and year == latest:
                    count = max(count, scale.agency_pdf_kpis)
                for n in range(count):
                    serial += 1
                    unit = units[rng.randrange(len(units))]
                    target = Decimal(
                        5 if unit.kind == Unit.Kind.LEVEL else rng.choice([50, 80, 90, 100, 1200])
                    )
                    kpi = Indicator(
                        id=ids[Indicator],
                        code=f"{agency.code}-{serial:04d}",
                        agency_id=agency.id,
                        fiscal_year_id=year,
                        list_label=f"{n + 1}.",
                        name=f"{rng.choice(OPENINGS)}{rng.choice(SUBJECTS)}ที่{rng.choice(VERBS)} ปี {year}",
                        unit_id=unit.id,
                        target=target,
                        achieved=target * Decimal(rng.choice([60, 80, 100, 110])) / 100,
                        kpi_type=rng.choice(Indicator.Type.values[:2]),
                        result_level=rng.choice(Indicator.Level.values),
                        definition=_narrative(rng, 160),
                        calculation_method=_narrative(rng, 120),
                        data_collection="รายงานผลการดำเนินงานและหลักฐานประกอบ",
                        weight=Decimal(100) / count,
                        dimension_id=dimensions[n % len(dimensions)].id,
                        is_negotiated=n % 7 == 0,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                    ids[Indicator] += 1
                    kpi_total += 1
                    sink.add(kpi)
                    sink.add(
                        node_link(indicator_id=kpi.id, strategynode_id=leaves[rng.randrange(len(leaves))].id)
                    )
                    for q in (1, 2, 3, 4):
                        if year == latest:
                            status = {1: "assessed", 2: "assessed", 3: "submitted", 4: "draft"}[q]
                        else:
                            status = "assessed"
                        report = QuarterReport(
                            id=ids[QuarterReport],
                            indicator_id=kpi.id,
                            quarter=q,
                            planned_target=target * q / 4,
                            result=(kpi.achieved * q / 4).quantize(Decimal("0.01")),
                            narrative=_narrative(rng, scale.narrative_chars),
                            status=status,
                            submitted_at=stamp,
                            updated_at=stamp,
                        )
                        ids[QuarterReport] += 1
                        sink.add(report)
                        if status == "assessed":
                            score = Decimal(rng.choice([80, 90, 95, 100]))
                            sink.add(
                                Assessment(
                                    id=ids[Assessment],
                                    quarter_report_id=report.id,
                                    score=score,
                                    components={"2.1": str(score), "2.2": "100"},
                                    assessed_at=stamp,
                                )
                            )
                            ids[Assessment] += 1
                    if rng.random() < scale.projects_per_kpi:
                        project = Project(
                            id=ids[Project],
                            code=f"{agency.long_code}-{ids[Project]}",
                            name=f"โครงการสนับสนุน{kpi.name}",
                            agency_id=agency.id,
                            fiscal_year_id=year,
                            progress=Decimal(rng.choice([25, 50, 75, 100])),
                            budget=Decimal(rng.randrange(100_000, 5_000_000)),
                            officers="นายทดสอบ ระบบ\nนางสาวประเมิน ผล",
                        )
                        ids[Project] += 1
                        sink.add(project)
                        sink.add(project_link(project_id=project.id, indicator_id=kpi.id))
                        for q in (1, 2):
                            sink.add(
                                ProjectQuarterScore(
                                    id=ids[ProjectQuarterScore],
                                    project_id=project.id,
                                    quarter=q,
                                    score=Decimal(90),
                                )
                            )
                            ids[ProjectQuarterScore] += 1
            if a_index % 200 == 199:
                _say(progress, f"  {a_index + 1}/{len(agencies)} agencies, {kpi_total} KPIs")
        sink.flush()
    return {model._meta.db_table: n for model, n in sink.written.items()}


# --- the deadline year -------------------------------------------------------------------


def deadline_year(today: dt.date | None = None) -> int:
    return fiscal.fiscal_year_of(today or timezone.localdate())


def prepare_deadline_year(
    scale: Scale, *, today: dt.date | None = None, progress: Progress = None
) -> dict[str, Any]:
    """The unpublished current fiscal year with open quarters, reporter and admin accounts.

    Idempotent: the KPIs and accounts are created once; their quarters are reset to
    "not started" on every run so that each run's deadline test starts from the same state.
    """
    today = today or timezone.localdate()
    year = deadline_year(today)
    with transaction.atomic():
        fy, _ = FiscalYear.objects.get_or_create(year=year, defaults={"is_published": False})
        deadlines = {f"q{q}_deadline": today + dt.timedelta(days=30 * q) for q in (1, 2, 3, 4)}
        FiscalYear.objects.filter(pk=fy.pk).update(is_published=False, **deadlines)
        agencies = list(
            Agency.objects.filter(is_placeholder=False).order_by("code")[: max(1, scale.agencies)]
        )
        if not agencies:
            raise RuntimeError("the dataset has no agencies")
        unit = _units()[1]
        # The workbook import's KPIs belong to one agency (a quarter template is per agency);
        # the reporters' KPIs are spread over the agencies, one KPI per reporter.
        wanted = [(agencies[0], DEADLINE_SERIAL_BASE + i) for i in range(scale.import_kpis)]
        wanted += [(agencies[i % len(agencies)], REPORTER_SERIAL_BASE + i) for i in range(scale.reporters)]
        existing = set(Indicator.objects.filter(fiscal_year_id=year).values_list("code", flat=True))
        new = [
            Indicator(
                code=f"{agency.code}-{serial}",
                agency=agency,
                fiscal_year_id=year,
                list_label=f"{n + 1}.",
                name=f"ตัวชี้วัดรอบรายงานทดสอบสมรรถนะ {serial}",
                unit=unit,
                target=Decimal(100),
            )
            for n, (agency, serial) in enumerate(wanted)
            if f"{agency.code}-{serial}" not in existing
        ]
        Indicator.objects.bulk_create(new, batch_size=2_000)
        codes = [f"{agency.code}-{serial}" for agency, serial in wanted]
        kpis_by_code = Indicator.objects.in_bulk(codes, field_name="code")
        kpis = [kpis_by_code[c] for c in codes]
        have = set(QuarterReport.objects.filter(indicator__in=kpis).values_list("indicator_id", "quarter"))
        QuarterReport.objects.bulk_create(
            [
                QuarterReport(indicator=k, quarter=q)
                for k in kpis
                for q in (1, 2, 3, 4)
                if (k.id, q) not in have
            ],
            batch_size=5_000,
        )
        reports = QuarterReport.objects.filter(indicator__in=kpis)
        Assessment.objects.filter(quarter_report__in=reports).delete()
        reports.update(
            status=QuarterReport.Status.NOT_STARTED,
            result=None,
            narrative="",
            version=1,
            submitted_at=None,
            submitted_by=None,
            updated_by=None,
            return_reason="",
            reopened_until=None,
        )
        Agency.objects.filter(pk__in={k.agency_id for k in kpis}).update(reporter_may_submit=True)
        rescore_kpis([k.id for k in kpis])
        users = _ensure_accounts(kpis[scale.import_kpis :], agencies[0])
    _say(progress, f"deadline year {year}: {len(kpis)} open KPIs, {len(users)} reporters")
    return {
        "year": year,
        "codes": codes[: scale.import_kpis],
        "import_agency": agencies[0].code,
        "importer": IMPORTER_USERNAME,
        "reporters": [{"username": u, "code": c} for u, c in users],
        "password": BENCH_PASSWORD,
        "admin": ADMIN_USERNAME,
    }


def _ensure_accounts(reporter_kpis: list[Indicator], import_agency: Agency) -> list[tuple[str, str]]:
    """One reporter per concurrent reporter (reporter i reports KPI i), a reporter of the
    import agency and an administrator. The password is hashed once and shared: hashing
    200 times would take minutes."""
    User = get_user_model()
    hashed = make_password(BENCH_PASSWORD)
    wanted = [(f"{REPORTER_PREFIX}{i + 1:03d}", kpi) for i, kpi in enumerate(reporter_kpis)]
    names = [name for name, _ in wanted] + [IMPORTER_USERNAME, ADMIN_USERNAME]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=name,
                password=hashed,
                email=f"{name}@bench.invalid",
                is_staff=name == ADMIN_USERNAME,
                is_superuser=name == ADMIN_USERNAME,
            )
            for name in names
            if name not in existing
        ]
    )
    by_name = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    Membership.objects.filter(user_id__in=by_name.values()).delete()
    Membership.objects.bulk_create(
        [
            Membership(user_id=by_name[name], role=Role.REPORTER, agency_id=kpi.agency_id)
            for name, kpi in wanted
        ]
        + [
            Membership(user_id=by_name[IMPORTER_USERNAME], role=Role.REPORTER, agency=import_agency),
            Membership(user_id=by_name[ADMIN_USERNAME], role=Role.ADMIN),
        ]
    )
    return [(name, kpi.code) for name, kpi in wanted]


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
