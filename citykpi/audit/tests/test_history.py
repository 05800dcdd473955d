"""audit.history: labels, only the changed fields, numbers without noise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import citykpi
from citykpi.audit import catalogue
from citykpi.audit.history import entry
from citykpi.audit.log import build, record
from citykpi.audit.models import AuditEvent


def test_only_changed_fields_are_listed_with_clean_numbers(agency_a, reporter_a):
    event = record(
        reporter_a,
        "report.save",
        agency_a,
        before={"result": "30.0000", "narrative": "ก", "status": "draft", "definition_version": 1},
        after={"result": "35", "narrative": "ก", "status": "draft", "definition_version": 2},
    )
    shown = entry(event)
    assert shown.label == "บันทึกผลงาน"
    assert [(c.field, c.before, c.after) for c in shown.changes] == [("result", "30", "35")]


def test_an_action_no_longer_in_the_catalogue_keeps_its_code(agency_a):
    event = build(None, "agency.name_from_legacy", agency_a, after={"x": "1"})
    event.action = "something.retired"  # a row written by an older release
    shown = entry(event)
    assert shown.label == "something.retired" and shown.changes[0].after == "1"


def test_an_unknown_action_is_refused_when_written(agency_a):
    with pytest.raises(ValueError, match="citykpi.audit.catalogue"):
        record(None, "something.else", agency_a)
    assert not AuditEvent.objects.exists()


def test_every_action_the_code_writes_is_in_the_catalogue():
    """Each `"<object>.<verb>"` passed to record()/build() or as an action= argument in the
    package is listed, with Thai and English labels."""
    package = Path(citykpi.__file__).parent
    written = set()
    for path in package.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r"(?:record|build)\(\s*[\w.\[]+,\s*\"([a-z_]+\.[a-z_]+)\"", text))
        written |= set(re.findall(r"action\s*=\s*\"([a-z_]+\.[a-z_]+)\"", text))
        written |= set(re.findall(r"_audit\(\s*\w+,\s*\"([a-z_]+\.[a-z_]+)\"", text))
        for line in text.splitlines():  # "role.change" if before else "role.grant",
            if "action" in line or line.rstrip().endswith(","):
                for pair in re.findall(r"\"([a-z_]+\.[a-z_]+)\" if \w+ else \"([a-z_]+\.[a-z_]+)\"", line):
                    written |= set(pair)
    assert written, "the scan found no actions"
    assert written <= set(catalogue.ACTIONS), sorted(written - set(catalogue.ACTIONS))
    assert all(th and en for th, en in catalogue.ACTIONS.values())
