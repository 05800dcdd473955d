"""The benchmark dataset: built once per scale and database by the demo's generator
(`citykpi.demo.generator.generate`, the one data generator: the benchmark measures the data
the demo shows), reused while its recorded size and the generator's source match.

The scale sets the generator's arguments: `agency_count=scale.agencies` (beyond the ~80
real agencies the generator adds synthetic ones), `years=scale.years` and its `scale`
multiplier from `scale.kpis` (`generator_scale`); the seed is fixed, so a dataset is the
same on every machine. The generator writes with bulk inserts in batches; afterwards the
largest agency is topped up to `scale.agency_pdf_kpis` KPIs (the agency report PDF's
figure), and the stored scores and public documents are built as the actions would.

Besides the published data, every run prepares the "deadline year": the current fiscal
year, unpublished (public pages never show it), whose deadlines lie in the future, with
`scale.import_kpis` KPIs, one reporter account per concurrent reporter and an
administrator account. The workbook import and the quarter-deadline test write there; it
is reset at the start of every run so that runs are comparable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from benchmarks.scales import Scale
from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.audit.models import AuditEvent
from citykpi.demo import bulk, city, generator, reference, seed, setups, texts
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib import fiscal
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.publicdata import documents
from citykpi.publicdata.models import KpiDocument
from citykpi.quality.standing import rescore_kpis, rescore_years
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode

META_TABLE = "bench_dataset_meta"
BENCH_PASSWORD = "bench-password-2566"
REPORTER_PREFIX = "bench-reporter-"
ADMIN_USERNAME = "bench-admin"
IMPORTER_USERNAME = "bench-importer"
# Serials of the deadline year's KPIs: far above the published KPIs' serials.
DEADLINE_SERIAL_BASE = 500_000
REPORTER_SERIAL_BASE = 600_000
COPY_SERIAL_BASE = 700_000  # top_up_agency's copies
SEED = 2566
# The modules whose source makes the dataset: a change in any of them means another dataset.
GENERATOR_MODULES: tuple[ModuleType, ...] = (generator, bulk, city, reference, seed, setups, texts)

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


def spec_of(scale: Scale) -> dict[str, Any]:
    """What the stored dataset must match to be reused."""
    return {
        "scale": scale.name,
        "agencies": scale.agencies,
        "years": list(scale.years),
        "kpis": scale.kpis,
        "builder": "generator",
        "builder_version": generator_fingerprint(),
        "generator_scale": generator_scale(scale),
        # Datasets built before scores were stored (citykpi.quality.standing) are rebuilt.
        "stored_scores": 1,
    }


def generator_scale(scale: Scale) -> int:
    """The generator's `scale` for about `scale.kpis` KPIs, rounded up: its own rule of thumb
    is KPIs = 7 x agencies x years x scale."""
    return max(1, math.ceil(scale.kpis / (7 * scale.agencies * len(scale.years))))


def generator_fingerprint() -> str:
    """A hash of the demo generator's source: a changed generator means another dataset."""
    digest = hashlib.sha256()
    for module in GENERATOR_MODULES:
        source = inspect.getsourcefile(module)
        assert source is not None  # plain .py modules of the package
        digest.update(Path(source).read_bytes())
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
        counts[model._meta.db_table] = model._default_manager.count()
    counts[AuditEvent._meta.db_table] = AuditEvent.objects.count()
    return counts


def published_kpi_count(scale: Scale) -> int:
    """KPIs of the scale's years (the deadline year's KPIs are not part of the dataset)."""
    return Indicator.objects.filter(fiscal_year_id__in=scale.years).count()


# --- building ---------------------------------------------------------------------------


def ensure_dataset(scale: Scale, *, progress: Progress = None) -> dict[str, Any]:
    """Build the dataset unless the database already holds it; returns the stored record."""
    spec = spec_of(scale)
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
        _say(progress, "the stored dataset is of another size or generator: emptied and built again")
        call_command("flush", interactive=False, verbosity=0)
    started = timezone.now()
    generator.generate(
        scale=generator_scale(scale),
        years=list(scale.years),
        agency_count=scale.agencies,
        seed=SEED,
        progress=progress,
    )
    top_up_agency(scale, progress=progress)
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
        unit = seed.reference_unit("percent")  # the generator's percent unit
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
