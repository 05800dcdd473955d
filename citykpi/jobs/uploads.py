"""Uploaded files a job reads later (in the worker): kept under settings.JOBS_ROOT/incoming,
one folder per job start, removed by the job when it has read them."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename


def keep(files: Iterable[UploadedFile]) -> str:
    """Write the uploads to a new folder; returns its path (for the job's params)."""
    folder = Path(settings.JOBS_ROOT) / "incoming" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    for number, upload in enumerate(files, start=1):
        name = get_valid_filename(Path(upload.name or "page").name) or "page"
        with (folder / f"{number:04d}-{name}").open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return str(folder)


def folder_of(params_folder: str) -> Path:
    """The params' folder, refused unless it is one that `keep` made."""
    folder = Path(params_folder).resolve()
    root = (Path(settings.JOBS_ROOT) / "incoming").resolve()
    if root not in folder.parents:
        raise ValueError(f"not an upload folder: {params_folder}")
    return folder


def discard(params_folder: str) -> None:
    shutil.rmtree(folder_of(params_folder), ignore_errors=True)
