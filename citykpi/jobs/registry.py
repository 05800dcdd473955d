"""The job kinds: each app that offers long work registers a kind in its `jobs.py` (found
by JobsConfig.ready), so this app knows kinds by name and never imports the apps above it.

A kind is a name, a Thai/English label, a `check(actor, params)` that raises
PermissionDenied or ActionError exactly as the page's own check does today (it runs when
the job is started, before anything is written), and a `run(job, progress)` that does the
work and returns a Result (a file to keep for download and/or a summary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the model is only a type here: registry is imported by models' neighbours
    from citykpi.jobs.models import Job


class Progress(Protocol):
    def __call__(self, done: int, total: int, step_th: str, step_en: str) -> None: ...


@dataclass(frozen=True)
class Result:
    """What a job leaves: a file (name, bytes, type) and/or a one-line summary."""

    filename: str = ""
    content: bytes = b""
    content_type: str = "application/octet-stream"
    summary_th: str = ""
    summary_en: str = ""


@dataclass(frozen=True)
class JobKind:
    name: str
    label_th: str
    label_en: str
    run: Callable[[Job, Progress], Result | None]
    check: Callable[[Any, dict[str, Any]], None] = field(default=lambda actor, params: None)
    public: bool = False  # its document is public: anyone may watch the job and download the file


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Add a kind (idempotent for the same name, so a module imported twice is harmless)."""
    KINDS[kind.name] = kind
    return kind


def get(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"no job kind named {name!r} (is its app's jobs.py registering it?)") from None
