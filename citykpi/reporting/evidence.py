"""Checking evidence uploads: the type from the content (never the name), the size,
and a display name that cannot walk out of a folder.

Accepted: PDF, PNG, JPEG, Office Open XML (docx, xlsx, pptx: a zip whose members say
which) and the legacy OLE2 Office formats (doc, xls).
"""

from __future__ import annotations

import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from citykpi.lib.errors import ActionError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Content type -> the extension the stored name and the download get.
ALLOWED = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
}
_OOXML_MEMBERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the uploader's name, cleaned: a label only
    content_type: str  # detected from the content
    size: int

    @property
    def stored_name(self) -> str:
        """The name the file is stored and downloaded under: the label's stem with the
        extension of the detected type ("run.bat" holding a PDF becomes "run.pdf")."""
        return download_name(self.name, self.content_type)


def download_name(label: str, content_type: str) -> str:
    stem = os.path.splitext(label)[0].strip().strip(".") or "evidence"
    return f"{stem}.{ALLOWED.get(content_type, 'bin')}"


# Markers of a second, active type inside an accepted file (a PDF header followed by a
# script, an HTML application, a batch file): such a polyglot is refused.
_ACTIVE_MARKERS = (
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<hta:",
    b"<svg",
    b"<?php",
    b"@echo off",
    b"wscript.",
    b"powershell",
)
# Formats whose bytes may be compressed (zip members) carry these only by chance; the
# scan applies to the formats read as they are stored.
_SCANNED = {"application/pdf", "image/png", "image/jpeg", "application/msword", "application/vnd.ms-excel"}


def _second_type(uploaded: UploadedFile) -> str | None:
    """The active marker found in the file, if any (the whole file is read in chunks)."""
    uploaded.seek(0)
    tail = b""
    try:
        while chunk := uploaded.read(1024 * 1024):
            window = (tail + chunk).lower()
            for marker in _ACTIVE_MARKERS:
                if marker in window:
                    return marker.decode()
            tail = window[-32:]
    finally:
        uploaded.seek(0)
    return None


def clean_name(name: str) -> str:
    """The file name to show: no folders, no control characters, Thai kept as typed."""
    name = unicodedata.normalize("NFC", name or "")
    # Both separators, whatever the uploader's system: "..\\..\\x.pdf" and "../../x.pdf"
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name or "evidence"


def _ooxml_type(uploaded: UploadedFile) -> str | None:
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        uploaded.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for member, content_type in _OOXML_MEMBERS.items():
        if member in names:
            return content_type
    return None


def _ole2_type(head: bytes, name: str) -> str | None:
    # A compound document does not say cheaply whether it is Word or Excel; the
    # extension picks between the two once the content has proved it is OLE2.
    if not head.startswith(OLE2_MAGIC):
        return None
    ext = os.path.splitext(name)[1].lower()
    return "application/vnd.ms-excel" if ext == ".xls" else "application/msword"


def check_upload(uploaded: UploadedFile) -> CheckedFile:
    """Validate an uploaded file; raise ActionError(field="file") with a bilingual reason."""
    if uploaded is None:
        raise ActionError("กรุณาเลือกไฟล์", "Choose a file", field="file")
    name = clean_name(getattr(uploaded, "name", "") or "")
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, os.SEEK_END)
        size = uploaded.tell()
    uploaded.seek(0)
    if size == 0:
        raise ActionError(f"ไฟล์ {name} ว่างเปล่า", f"The file {name} is empty", field="file")
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        mb = limit / (1024 * 1024)
        raise ActionError(
            f"ไฟล์ {name} ใหญ่เกินกำหนด (ไม่เกิน {mb:g} MB)",
            f"The file {name} is too large (limit {mb:g} MB)",
            field="file",
        )
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else None
    if content_type == "application/zip" or (kind is None and head.startswith(b"PK")):
        content_type = _ooxml_type(uploaded)
    elif content_type in ("application/x-ole-storage", "application/msword", "application/vnd.ms-excel"):
        content_type = _ole2_type(head, name)
    elif kind is None:
        content_type = _ole2_type(head, name)
    elif content_type in _OOXML_MEMBERS.values():
        content_type = _ooxml_type(uploaded) or content_type
    if content_type not in ALLOWED:
        raise ActionError(
            f"ไฟล์ {name} ไม่ใช่ชนิดที่รับ (PDF, รูปภาพ PNG/JPEG, เอกสาร Word/Excel/PowerPoint) "
            "ระบบตรวจจากเนื้อไฟล์ ไม่ใช่จากชื่อ",
            f"The file {name} is not an accepted type (PDF, PNG/JPEG images, Word/Excel/PowerPoint "
            "documents); the type is checked from the content, not the name",
            field="file",
        )
    if content_type in _SCANNED and (marker := _second_type(uploaded)):
        raise ActionError(
            f"ไฟล์ {name} มีเนื้อหาของไฟล์ชนิดอื่นปนอยู่ ({marker}) ระบบไม่รับไฟล์ที่เป็นได้มากกว่าหนึ่งชนิด",
            f"The file {name} also holds content of another type ({marker}); files that are more "
            "than one type are refused",
            field="file",
        )
    return CheckedFile(name=name, content_type=content_type, size=size)
