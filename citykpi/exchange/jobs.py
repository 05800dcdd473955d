"""The legacy import of many files as a background job (citykpi.jobs): the pages an
administrator uploads are kept, then imported by citykpi.exchange.legacy.import_paths (the
same code, checks and audit rows as `citykpi import-legacy`), one file at a time on the
progress bar; the import summary is kept as a text file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citykpi.exchange import actions
from citykpi.exchange.legacy import import_paths
from citykpi.jobs import uploads
from citykpi.jobs.models import Job
from citykpi.jobs.registry import JobKind, Progress, Result, register


def check_legacy(actor: Any, params: dict[str, Any]) -> None:
    actions.check_permission(actor)


def run_legacy(job: Job, progress: Progress) -> Result:
    params = job.params
    folder = uploads.folder_of(params["folder"])
    try:

        def step(done: int, total: int, path: str) -> None:
            name = Path(path).name.split("-", 1)[-1] if path else ""
            progress(
                done,
                total,
                f"นำเข้าไฟล์ {done + 1} จาก {total} {name}",
                f"Importing file {done + 1} of {total} {name}",
            )

        report = import_paths(
            [folder],
            fiscal_year=params.get("fiscal_year"),
            dry_run=bool(params.get("dry_run")),
            progress=step,
            actor=job.started_by,
        )
    finally:
        uploads.discard(params["folder"])
    text = report.summary_table()
    if report.failed_files:
        text += "\n\nไฟล์ที่นำเข้าไม่ได้ / files not imported:\n" + "\n".join(
            f"  {Path(f.path).name.split('-', 1)[-1]}: {f.error}" for f in report.failed_files
        )
    files, failed = len(report.files), len(report.failed_files)
    return Result(
        filename=f"legacy-import-{job.pk}.txt",
        content=text.replace(str(folder) + "/", "").encode("utf-8"),
        content_type="text/plain; charset=utf-8",
        summary_th=f"นำเข้า {files} ไฟล์ สร้างใหม่ {report.created} ปรับปรุง {report.updated} นำเข้าไม่ได้ {failed}"
        + (" (ทดลอง ไม่บันทึก)" if report.dry_run else ""),
        summary_en=f"{files} files: {report.created} created, {report.updated} updated, {failed} not imported"
        + (" (dry run, nothing saved)" if report.dry_run else ""),
    )


LEGACY_IMPORT = register(
    JobKind(
        "exchange.legacy_import",
        "นำเข้าหน้าเว็บระบบเดิมหลายไฟล์",
        "Legacy pages import (many files)",
        run=run_legacy,
        check=check_legacy,
    )
)
