"""audit.history: labels, only the changed fields, numbers without noise."""

from __future__ import annotations

from citykpi.audit.history import entry
from citykpi.audit.log import record


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


def test_an_unknown_action_keeps_its_code(agency_a):
    shown = entry(record(None, "something.else", agency_a, after={"x": "1"}))
    assert shown.label == "something.else" and shown.changes[0].after == "1"
