"""The tamper-evident audit log: the hash chain written by record()/bulk_record(), the
database triggers that refuse changes, and `citykpi audit-verify`."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from citykpi.audit.log import build, bulk_record, record
from citykpi.audit.models import AuditEvent, event_hash

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres_only = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL"),
]
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite has no DELETE trigger")
TABLE = AuditEvent._meta.db_table


def _events(agency, n: int = 3) -> list[AuditEvent]:
    return [
        record(None, "agency.name_from_legacy", agency, after={"i": i, "x": 1.0}, reason="ทดสอบ")
        for i in range(n)
    ]


def _verify() -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit-verify", stdout=out)
    except CommandError as error:
        return 1, out.getvalue() + str(error)
    return 0, out.getvalue()


def _without_guard():
    """Lift the trigger inside the test's transaction (DDL is transactional on both
    databases, so it comes back when the test rolls back)."""
    quoted = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks, or no ALTER
            cursor.execute(f"ALTER TABLE {quoted} DISABLE TRIGGER audit_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_append_only")


@pytest.mark.django_db
def test_record_builds_the_chain(agency_a):
    events = _events(agency_a)
    assert events[0].prev_hash == ""
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.row_hash
    for event in AuditEvent.objects.order_by("id"):  # as read back from the database
        assert len(event.row_hash) == 64
        assert event_hash(event, event.prev_hash) == event.row_hash


@pytest.mark.django_db
def test_bulk_record_continues_the_chain(agency_a):
    first = _events(agency_a, 1)[0]
    batch = bulk_record(
        [build(None, "agency.name_from_legacy", agency_a, after={"n": n}) for n in range(5)], batch_size=2
    )
    rows = list(AuditEvent.objects.order_by("id"))
    assert [row.pk for row in rows] == [first.pk] + [event.pk for event in batch]
    assert rows[1].prev_hash == first.row_hash
    assert _verify()[0] == 0


@pytest.mark.django_db
def test_saving_an_event_again_is_refused(agency_a):
    event = _events(agency_a, 1)[0]
    with pytest.raises(RuntimeError):
        event.save()


@pytest.mark.django_db
def test_verify_passes_on_a_clean_log(agency_a):
    _events(agency_a)
    code, output = _verify()
    assert code == 0
    assert "3 rows verified" in output and "ถูกต้อง" in output


@pytest.mark.django_db
def test_the_database_refuses_an_orm_update(agency_a):
    event = _events(agency_a, 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    assert AuditEvent.objects.get(pk=event.pk).reason == "ทดสอบ"


@pytest.mark.django_db
def test_a_changed_row_is_reported(agency_a):
    events = _events(agency_a)
    _without_guard()
    AuditEvent.objects.filter(pk=events[1].pk).update(after={"i": 99})
    code, output = _verify()
    assert code == 1
    assert f"row {events[1].pk}: ถูกแก้ไข / changed" in output
    assert f"row {events[0].pk}:" not in output and f"row {events[2].pk}:" not in output


@sqlite_only
@pytest.mark.django_db
def test_a_deleted_row_is_reported_as_removed_on_sqlite(agency_a):
    events = _events(agency_a)
    AuditEvent.objects.filter(pk=events[1].pk).delete()  # SQLite has no DELETE trigger
    code, output = _verify()
    assert code == 1
    assert f"row {events[2].pk}: ถูกลบ / removed" in output


@pytest.mark.django_db
def test_a_row_inserted_around_the_chain_is_reported(agency_a):
    events = _events(agency_a, 2)
    AuditEvent.objects.bulk_create([build(None, "agency.name_from_legacy", agency_a)])  # no hash
    forged = AuditEvent.objects.order_by("-id").first()
    code, output = _verify()
    assert code == 1 and f"row {forged.pk}: ไม่มีแฮช / no hash" in output
    assert f"row {events[1].pk}:" not in output
    after = bulk_record([build(None, "agency.name_from_legacy", agency_a)])[0]
    assert f"row {after.pk}:" not in _verify()[1]  # the chain goes on past the forged row


@pytest.mark.django_db
def test_a_row_copied_out_of_order_is_reported(agency_a):
    events = _events(agency_a, 3)
    copy = AuditEvent(**{f.attname: getattr(events[1], f.attname) for f in AuditEvent._meta.concrete_fields})
    copy.pk = None
    AuditEvent.objects.bulk_create([copy])  # a replay of row 2 after row 3
    code, output = _verify()
    assert code == 1 and "แทรกผิดลำดับ / inserted out of order" in output


@pytest.mark.django_db
@postgres_only[0]
@postgres_only[1]
def test_postgres_refuses_update_and_delete(agency_a):
    event = _events(agency_a, 1)[0]
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten"),
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert AuditEvent.objects.get(pk=event.pk).reason == "ทดสอบ"


@pytest.mark.django_db
@postgres_only[0]
@postgres_only[1]
def test_a_deleted_row_is_reported_as_removed_on_postgres(agency_a):
    events = _events(agency_a)
    _without_guard()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    code, output = _verify()
    assert code == 1 and f"row {events[2].pk}: ถูกลบ / removed" in output
