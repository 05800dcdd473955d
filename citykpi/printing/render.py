"""HTML to PDF with WeasyPrint, offline: the Sarabun font from the installed
fontpkg-sarabun package (file:// URLs resolved at run time, never a download), A4, Thai
page numbers, and a URL fetcher that can read nothing but those font files.

Rendered PDFs are cached by a hash of their HTML: the HTML is cheap to build, the PDF is
not, and the same HTML always gives the same document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import fontpkg_sarabun
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
FONT_FACES = (
    ("Sarabun-Regular.ttf", "normal", 400),
    ("Sarabun-Bold.ttf", "normal", 700),
    ("Sarabun-Italic.ttf", "italic", 400),
    ("Sarabun-BoldItalic.ttf", "italic", 700),
)


def font_face_css() -> str:
    """@font-face rules for the family "Sarabun" (never "TH Sarabun New": fontconfig maps
    that name to a scaled Laksaman that renders garbled)."""
    rules = []
    for filename, style, weight in FONT_FACES:
        path = FONT_DIR / filename
        rules.append(
            '@font-face { font-family: "Sarabun"; '
            f'src: url("{path.as_uri()}"); font-style: {style}; font-weight: {weight}; }}'
        )
    return "\n".join(rules)


class FontOnlyFetcher(URLFetcher):
    """Reads the packaged font files and data: URLs; refuses everything else, so that a
    document can never make the server fetch a network address or read another file."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        if url.startswith("file:"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if FONT_DIR.resolve() not in path.parents:
                raise ValueError(f"Only the packaged fonts may be read, not {url}")
        return super().fetch(url, headers)


def render_html(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
    return render_to_string(template, {**context, "font_face_css": font_face_css()}, request=request)


def html_to_pdf(html: str) -> bytes:
    key = "printing:pdf:" + hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        pdf = HTML(string=html, base_url=str(FONT_DIR), url_fetcher=FontOnlyFetcher()).write_pdf()
        cache.set(key, pdf, getattr(settings, "PUBLIC_CACHE_SECONDS", 300))
    return pdf


def pdf_response(pdf: bytes, filename: str, *, public: bool) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if public:
        response["Cache-Control"] = f"public, max-age={getattr(settings, 'PUBLIC_CACHE_SECONDS', 300)}"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
