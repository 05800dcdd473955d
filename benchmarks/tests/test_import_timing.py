"""The import timings (benchmarks.import_timing) at a tiny size: the generated pages are
distinct and importable, the workbook has a real change in every row, the counts
returned are the database's, and `citykpi time-import` runs in place and on a fresh
database."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks import import_timing as timing
from citykpi.audit.models import AuditEvent
from citykpi.exchange.legacy import parse as P
from citykpi.indicators.models import Indicator
from citykpi.reporting.models import QuarterReport


def test_the_generated_legacy_pages_are_distinct_pages_of_every_kind(tmp_path):
    kinds = timing.legacy_pages(tmp_path, 60)
    files = sorted(tmp_path.iterdir())
    assert len(files) == 60 and sum(kinds.values()) == 60
    assert set(kinds) == {"kpi", "project", "city_indicator"}
    pages = [P.parse_page(f.read_text(encoding="utf-8")) for f in files]
    keys = [(p.page_type.split("_")[0], p.key) for p in pages]
    assert all(key for _, key in keys) and len(set(keys)) == 60
    agencies = {p.agency_code for p in pages if isinstance(p, P.ParsedKpi)}
    assert len(agencies) > 20
    achieved = {p.achieved for p in pages if isinstance(p, P.ParsedKpi) and p.achieved is not None}
    assert len(achieved) > 5  # the numbers vary too
    assert timing.legacy_pages(tmp_path / "again", 60) == kinds  # deterministic


@pytest.mark.django_db
def test_timing_the_legacy_import_counts_what_the_database_got():
    result = timing.run_legacy_import(12)
    assert result["pages"] == 12 and result["failed_files"] == 0 and result["seconds"] > 0
    assert Indicator.objects.count() == result["kinds"]["kpi"]
    assert result["created"] >= 12 and result["audit_rows"] == AuditEvent.objects.count()
    # The second import of the same pages finds every record unchanged.
    assert result["reimport_unchanged"] == 12 and result["reimport_changed"] == 0
    assert result["database"] in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_timing_the_workbook_import_changes_every_row_and_commits_it():
    result = timing.run_workbook_import(40)
    assert result["errors"] == 0, result["first_error"]
    assert result["rows"] == result["saved_rows"] == 40 and result["committed"]
    assert result["changed_cells"] == 80  # a result and a narrative in every row
    # One audit row per saved row, and one for the refresh of the KPIs' stored findings.
    assert result["audit_rows"] == 41
    assert AuditEvent.objects.filter(action="report.save").count() == 40
    assert AuditEvent.objects.filter(action="quality.refresh").count() == 1
    saved = QuarterReport.objects.filter(quarter=result["quarter"], status="draft", version__gt=1)
    assert saved.count() == 40


@pytest.mark.django_db
def test_the_command_prints_the_timing_as_json():
    out = StringIO()
    call_command("time-import", "legacy", "--pages", "5", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["pages"] == 5 and result["failed_files"] == 0


def test_the_fresh_database_timing_runs_in_its_own_sqlite_database(tmp_path):
    profile = tmp_path / "legacy.prof"
    result = timing.time_legacy_import(8, profile=str(profile))
    assert result["database"] == "sqlite" and result["pages"] == 8 and result["failed_files"] == 0
    assert profile.stat().st_size > 0
