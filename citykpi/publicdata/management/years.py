"""The `--year` option the publicdata commands share (build_documents, reindex_search)."""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from citykpi.indicators.models import FiscalYear


def add_year_argument(parser: CommandParser) -> None:
    parser.add_argument("--year", type=int, help="BE fiscal year, e.g. 2566 (default: every year)")


def check_year(year: int | None) -> None:
    """Refuses a year that does not exist (None, every year, always passes)."""
    if year is not None and not FiscalYear.objects.filter(pk=year).exists():
        raise CommandError(f"ไม่พบปีงบประมาณ {year} / Fiscal year {year} does not exist")
