"""Thai-first bilingual text without gettext catalogues.

Every user-facing string is written as a Thai and English pair at the place it is used:
`tr("ค่าเป้าหมาย", "Target")`. The active language (Django's LocaleMiddleware: the
language cookie set by the switch, else Thai) picks one. Messages that must carry both
languages at once (errors, API messages) use `both()`.
"""

from __future__ import annotations

from django.utils import translation


def is_english() -> bool:
    return (translation.get_language() or "th").startswith("en")


def tr(thai: str, english: str) -> str:
    return english if is_english() else thai


def both(thai: str, english: str) -> str:
    """A message in Thai first, then English: for errors that anyone may read."""
    return f"{thai} / {english}"
