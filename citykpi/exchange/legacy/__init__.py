"""Importing the legacy BMA site's public pages (text extractions or saved HTML).

`import_paths(paths, fiscal_year=..., dry_run=...)` reads files and folders, parses each
page (citykpi.exchange.legacy.parse), writes it through citykpi.exchange.actions and
returns a Report: per file what was read, created, updated and skipped and why, plus
data-quality findings. A dry run does the same inside a transaction that is rolled back.

Files are written in batches of BATCH_FILES: one transaction (one commit) per batch, each
file inside it in its own savepoint, so a file that fails leaves nothing of itself and
the others of its batch still go in. The KPIs of a batch are read in one query before
it, and the data-quality rules run once per KPI written, at the end of the batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from citykpi.exchange import actions
from citykpi.exchange.legacy import parse as P
from citykpi.lib.users import Actor

PAGE_SUFFIXES = {".txt", ".html", ".htm", ""}
MAX_PAGE_BYTES = 5 * 1024 * 1024
# Files per transaction: a commit per file cost a quarter of the run (an fsync each on
# SQLite); a bigger batch only holds the write lock longer.
BATCH_FILES = 200


@dataclass
class FileReport:
    path: str
    page_type: str = ""
    key: str = ""
    outcomes: list[actions.Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""  # the file was not imported at all (and left nothing behind)

    @property
    def skipped(self) -> list[actions.Outcome]:
        return [o for o in self.outcomes if o.action == "skipped"]


@dataclass
class Report:
    dry_run: bool = False
    files: list[FileReport] = field(default_factory=list)
    findings: list[actions.Finding] = field(default_factory=list)
    placeholder_agencies: list[str] = field(default_factory=list)

    def count(self, action: str, kind: str | None = None) -> int:
        return sum(
            1
            for f in self.files
            for o in f.outcomes
            if o.action == action and (kind is None or o.kind == kind)
        )

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def failed_files(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def findings_by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def summary_table(self) -> str:
        """The end-of-run table: files, records created/updated/unchanged/skipped, findings."""
        rows = [
            ("ไฟล์ / files", len(self.files)),
            ("ไฟล์ที่นำเข้าไม่ได้ / files not imported", len(self.failed_files)),
            ("สร้างใหม่ / created", self.created),
            ("ปรับปรุง / updated", self.updated),
            ("ไม่เปลี่ยนแปลง / unchanged", self.unchanged),
            ("ข้าม / skipped", self.skipped),
            ("หน่วยงานชั่วคราว / placeholder agencies", len(self.placeholder_agencies)),
        ]
        kinds = sorted({o.kind for f in self.files for o in f.outcomes})
        width = max(len(label) for label, _ in rows) + 2
        lines = [
            "สรุปการนำเข้า / Import summary"
            + (" (ทดลอง ไม่บันทึก / dry run, nothing saved)" if self.dry_run else "")
        ]
        lines += [f"  {label:<{width}}{value:>6}" for label, value in rows]
        if kinds:
            lines.append("  ประเภท / kind              created updated unchanged skipped")
            for kind in kinds:
                lines.append(
                    f"  {kind:<27}{self.count('created', kind):>7}{self.count('updated', kind):>8}"
                    f"{self.count('unchanged', kind):>10}{self.count('skipped', kind):>8}"
                )
        by_rule = self.findings_by_rule()
        lines.append("ข้อสังเกตคุณภาพข้อมูล / data-quality findings by rule:" + ("" if by_rule else " 0"))
        lines += [f"  {rule:<40}{n:>6}" for rule, n in by_rule.items()]
        return "\n".join(lines)


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Files under `paths` (folders walked in name order); README files are not pages."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (
                    child.is_file()
                    and child.suffix.lower() in PAGE_SUFFIXES
                    and not child.name.startswith(".")
                ):
                    found.append(child)
        else:
            found.append(path)
    return found


def import_page(
    ctx: actions.ImportContext, page: P.ParsedPage, *, fiscal_year: int | None, source_file: str
) -> list[actions.Outcome]:
    if isinstance(page, P.ParsedKpi):
        return actions.import_kpi(ctx, page, fiscal_year=fiscal_year, source_file=source_file)
    if isinstance(page, P.ParsedCityIndicator):
        return actions.import_city_indicator(ctx, page, source_file=source_file)
    if isinstance(page, P.ParsedProject):
        return actions.import_project(ctx, page, fiscal_year=fiscal_year, source_file=source_file)
    if isinstance(page, P.ParsedAgencyPage):
        return actions.import_agency_page(ctx, page, fiscal_year=fiscal_year, source_file=source_file)
    return [actions.Outcome("page", "?", "skipped", reason="ไม่รู้จักรูปแบบหน้านี้ / unrecognised page layout")]


def read_text(text: str, *, source_file: str) -> tuple[FileReport, P.ParsedPage | None]:
    """Parse one page; a page the parser cannot read is reported, never raised."""
    report = FileReport(path=source_file)
    try:
        page = P.parse_page(text)
    except Exception as exc:  # noqa: BLE001 - the parser must never stop a run; say what happened
        report.error = f"อ่านหน้านี้ไม่ได้ / could not parse the page: {type(exc).__name__}: {exc}"
        return report, None
    report.page_type, report.key, report.warnings = page.page_type, page.key, list(page.warnings)
    return report, page


def write_page(
    ctx: actions.ImportContext, report: FileReport, page: P.ParsedPage, *, fiscal_year: int | None
) -> None:
    """Write one parsed page in its own savepoint (a transaction when none is open):
    any failure rolls the page back and is reported on `report`."""
    findings_before = len(ctx.findings)
    placeholders_before = len(ctx.placeholders)
    pending_before = len(ctx.pending_findings)
    try:
        with transaction.atomic():
            report.outcomes = import_page(ctx, page, fiscal_year=fiscal_year, source_file=report.path)
        # Writing may add warnings (a fiscal year inferred from the narratives' dates).
        report.warnings.extend(w for w in page.warnings if w not in report.warnings)
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        report.outcomes = []
        report.error = (
            f"นำเข้าไม่สำเร็จ ไม่มีข้อมูลใดถูกบันทึก / not imported, nothing saved: {type(exc).__name__}: {exc}"
        )
        # What this file created was rolled back: forget the cached rows, its findings and
        # the KPIs it queued for the data-quality rules.
        ctx.reset()
        del ctx.findings[findings_before:]
        del ctx.placeholders[placeholders_before:]
        for pk in list(ctx.pending_findings)[pending_before:]:
            del ctx.pending_findings[pk]


def import_text(
    ctx: actions.ImportContext, text: str, *, fiscal_year: int | None, source_file: str
) -> FileReport:
    """One page: parse, write in one transaction, then its data-quality findings."""
    report, page = read_text(text, source_file=source_file)
    if page is not None:
        write_page(ctx, report, page, fiscal_year=fiscal_year)
        actions.flush_findings(ctx)
    return report


def _read_file(path: Path) -> tuple[FileReport, P.ParsedPage | None]:
    try:
        if path.stat().st_size > MAX_PAGE_BYTES:
            return FileReport(str(path), error="ไฟล์ใหญ่เกินไป / file too large for a page"), None
        text = P.decode(path.read_bytes())
    except OSError as exc:
        return FileReport(str(path), error=f"อ่านไฟล์ไม่ได้ / cannot read the file: {exc}"), None
    return read_text(text, source_file=str(path))


def import_paths(
    paths: Iterable[str | Path],
    *,
    fiscal_year: int | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    actor: Actor | None = None,
) -> Report:
    """Import every legacy page under `paths`; see the module docstring."""
    actions.check_permission(actor)
    files = collect(paths)
    report = Report(dry_run=dry_run)
    ctx = actions.ImportContext(actor)
    # A real run commits batch by batch; a dry run wraps them all in one transaction it rolls back.
    with transaction.atomic() if dry_run else nullcontext():
        for start in range(0, len(files), BATCH_FILES):
            batch = files[start : start + BATCH_FILES]
            # Parsed before the batch's transaction opens: no lock is held while parsing.
            parsed = [_read_file(path) for path in batch]
            with transaction.atomic():
                ctx.prefetch_indicators(page.code for _, page in parsed if isinstance(page, P.ParsedKpi))
                for offset, (path, (file_report, page)) in enumerate(zip(batch, parsed)):
                    if progress:
                        progress(start + offset, len(files), str(path))
                    if page is not None:
                        write_page(ctx, file_report, page, fiscal_year=fiscal_year)
                    report.files.append(file_report)
                actions.flush_findings(ctx)
        if progress:
            progress(len(files), len(files), "")
        report.findings = list(ctx.findings)
        report.placeholder_agencies = list(ctx.placeholders)
        if dry_run:
            transaction.set_rollback(True)
    return report
