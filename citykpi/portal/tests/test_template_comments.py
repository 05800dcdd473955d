"""Django's `{# ... #}` comment ends at the end of its line: one left open there is printed
on the page, with any tag it mentions (a `<details>` in such a comment once folded the
public dashboard's roll-up table away). Longer notes use {% comment %}."""

from __future__ import annotations

import re
from pathlib import Path

import citykpi

OPEN_COMMENT = re.compile(r"\{#(?:(?!#\}).)*$")


def test_no_template_leaves_a_one_line_comment_open():
    root = Path(citykpi.__file__).parent
    templates = [p for p in root.rglob("templates/**/*") if p.suffix in {".html", ".txt", ".xml", ".svg"}]
    assert templates, "no templates found"
    open_comments = [
        f"{path.relative_to(root)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OPEN_COMMENT.search(line)
    ]
    assert open_comments == []
