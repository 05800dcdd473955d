"""Helpers for reading rendered pages in tests: visible text, in order."""

from __future__ import annotations

import html
import re


def visible_text(markup: str) -> str:
    """The page's text as a reader sees it: no tags, no scripts or styles, spaces collapsed."""
    body = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", markup)
    body = re.sub(r"(?is)<br\s*/?>", " ", body)
    body = re.sub(r"(?s)<[^>]+>", "", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def assert_in_order(text: str, expected: list[str]) -> None:
    """Each expected piece appears in `text`, each after the previous one."""
    position = 0
    for piece in expected:
        piece = squash(piece)
        found = text.find(piece, position)
        assert found >= 0, (
            f"not found after position {position}: {piece[:120]!r}\n...{text[position : position + 300]!r}"
        )
        position = found + len(piece)


def table_rows(markup: str, table_class: str) -> list[list[str]]:
    """The body rows of the first table with `table_class`, as lists of cell texts."""
    match = re.search(rf'(?s)<table class="{table_class}">.*?<tbody>(.*?)</tbody>', markup)
    assert match, f"no table {table_class}"
    rows = []
    for row in re.findall(r"(?s)<tr[^>]*>(.*?)</tr>", match.group(1)):
        rows.append([visible_text(cell) for cell in re.findall(r"(?s)<t[hd][^>]*>(.*?)</t[hd]>", row)])
    return rows
