"""`citykpi backup` and `citykpi restore` (issue #16 point 4), on the database the suite runs on
(scripts/test.sh runs it on SQLite, then on PostgreSQL).

The source is the test database, filled through the real actions (so the audit chain is the
real one) with evidence files in a temporary store. The restore runs as operators run it: the
`citykpi restore` command in a child process whose DATABASE_URL names a second, empty
database (a new SQLite file, or a PostgreSQL database created here and dropped afterwards)
and whose CITYKPI_VAR holds a new evidence store. Every table's rows, every file's bytes and
every audit hash are then compared.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from citykpi.audit.models import AuditEvent
from citykpi.operations.backup import BackupError, restore, verify_archive
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import Evidence
from citykpi.reporting.tests.conftest import IN_Q2

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


# ---------------------------------------------------------------- reading a database as it is


def pg_params(settings_dict: dict) -> dict:
    params = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": settings_dict["NAME"],
    }
    return {key: value for key, value in params.items() if value is not None}


def pg_url(params: dict, dbname: str) -> str:
    user = quote(params.get("user", ""))
    if params.get("password"):
        user += ":" + quote(params["password"])
    host = params.get("host", "localhost")
    port = params.get("port", 5432)
    return f"postgres://{user}@{host}:{port}/{dbname}"


def rows_of(database) -> dict[str, list]:
    """Every table's rows (sorted), read with the plain driver, plus the sequences' positions
    on PostgreSQL (so that new rows after a restore do not collide with restored ones)."""
    if not isinstance(database, dict):
        name = str(database)
        db = sqlite3.connect(name, uri=name.startswith("file:"))
        try:
            tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        finally:
            db.close()
    import psycopg

    with psycopg.connect(**database) as db:
        tables = [n for (n,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        result = {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
        result["(sequences)"] = sorted(
            db.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        )
        result["(triggers)"] = sorted(
            db.execute("SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        )
        return result


def audit_chain(database) -> list[tuple]:
    sql = "SELECT id, prev_hash, row_hash FROM audit_auditevent ORDER BY id"
    if not isinstance(database, dict):
        db = sqlite3.connect(str(database))
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()
    import psycopg

    with psycopg.connect(**database) as db:
        return db.execute(sql).fetchall()


def source_database():
    if connection.vendor == "postgresql":
        return pg_params(connection.settings_dict)
    return connection.settings_dict["NAME"]


def files_of(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the deployments


@pytest.fixture
def source_evidence(settings, tmp_path) -> Path:
    root = tmp_path / "source-evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


@pytest.fixture
def filled(source_evidence, make_indicator, agency_a, reporter_a) -> Path:
    """A KPI with a saved quarter and two evidence files (one withdrawn), all through the actions."""
    kpi = make_indicator(agency_a)
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(
        reporter_a, report, result="42.5", narrative="ผลงานไตรมาสที่ ๒", version=report.version, now=IN_Q2
    )
    reporting.add_evidence(reporter_a, report, SimpleUploadedFile("รายงานผล.pdf", PDF), now=IN_Q2)
    photo = reporting.add_evidence(reporter_a, report, SimpleUploadedFile("photo.png", PNG), now=IN_Q2)
    reporting.remove_evidence(reporter_a, photo, now=IN_Q2)
    assert AuditEvent.objects.count() >= 4 and Evidence.objects.count() == 2
    assert len(files_of(source_evidence)) == 2
    return source_evidence


@dataclass
class Deployment:
    """An empty deployment: its DATABASE_URL, its CITYKPI_VAR (evidence under var/evidence)."""

    url: str
    var: Path
    database: object  # what rows_of() reads

    @property
    def evidence(self) -> Path:
        return self.var / "evidence"

    def citykpi(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "DATABASE_URL": self.url, "CITYKPI_VAR": str(self.var), "CONN_MAX_AGE": "0"}
        env.pop("CACHE_URL", None)
        return subprocess.run(
            [sys.executable, "-m", "citykpi", *args], env=env, capture_output=True, text=True, timeout=300
        )

    def tables(self) -> list[str]:
        return [t for t in rows_of(self.database) if not t.startswith("(")]


@pytest.fixture
def empty_deployment(tmp_path):
    var = tmp_path / "target-var"
    var.mkdir()
    if connection.vendor != "postgresql":
        path = var / "restored.sqlite3"
        yield Deployment(url=f"sqlite:///{path}", var=var, database=path)
        return
    import psycopg

    params = pg_params(connection.settings_dict)
    name = f"citykpi_ops_restore_{uuid.uuid4().hex[:10]}"
    admin = {**params, "dbname": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Deployment(url=pg_url(params, name), var=var, database={**params, "dbname": name})
    finally:
        with psycopg.connect(**admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def back_up(tmp_path: Path) -> Path:
    archive = tmp_path / "citykpi-backup.tar.gz"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "sha256:" in out.getvalue()
    return archive


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of `archive` whose members pass through change(name, data) -> data | None (dropped)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


# ---------------------------------------------------------------- the round trip


def test_a_restore_brings_back_every_row_file_and_audit_hash(filled, empty_deployment, tmp_path):
    archive = back_up(tmp_path)
    manifest = verify_archive(archive)
    head = AuditEvent._base_manager.order_by("-id").values_list("row_hash", flat=True).first()
    assert manifest["audit"]["head"] == head and head
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["tables"][Evidence._meta.db_table] == 2
    assert manifest["migrations"]["audit"] == ["0001_initial", "0002_hash_chain"]
    assert manifest["evidence"] == {"files": 2, "bytes": len(PDF) + len(PNG), "rows": 2, "missing": []}

    done = empty_deployment.citykpi("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "audit log intact" in done.stdout and f"head: {head}" in done.stdout
    rows = sum(manifest["tables"].values())
    assert f"{len(manifest['tables'])} tables, {rows} rows, 2 evidence files" in done.stdout

    source, restored = rows_of(source_database()), rows_of(empty_deployment.database)
    assert set(restored) == set(source)
    for table in source:
        assert restored[table] == source[table], table
    assert files_of(empty_deployment.evidence) == files_of(filled)
    chain = list(AuditEvent._base_manager.order_by("id").values_list("id", "prev_hash", "row_hash"))
    assert audit_chain(empty_deployment.database) == chain and len(chain) >= 4

    # The restored deployment is a working one: nothing to migrate, its chain verifies.
    assert empty_deployment.citykpi("migrate", "--check").returncode == 0
    verified = empty_deployment.citykpi("audit-verify")
    assert verified.returncode == 0 and f"head: {head}" in verified.stdout


def test_a_tampered_evidence_file_is_refused_before_anything_is_written(filled, empty_deployment, tmp_path):
    archive = back_up(tmp_path)
    tampered = rewrite(
        archive,
        tmp_path / "tampered.tar.gz",
        lambda name, data: flip(data) if name.endswith(".pdf") else data,
    )
    done = empty_deployment.citykpi("restore", str(tampered))
    assert done.returncode != 0
    assert "ไฟล์สำรองเสียหายหรือถูกแก้ไข" in done.stderr and "damaged or was altered" in done.stderr
    assert ".pdf: checksum does not match" in done.stderr
    assert done.stderr.index("ไฟล์สำรอง") < done.stderr.index("damaged")  # Thai, then English
    assert files_of(empty_deployment.evidence) == {}
    assert empty_deployment.tables() == []  # no table was created


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda name, data: flip(data) if name.startswith("database.") else data, "checksum does not match"),
        (lambda name, data: None if name.endswith(".png") else data, "missing from the archive"),
        (lambda name, data: None if name == "manifest.json" else data, "manifest.json is missing"),
        (
            lambda name, data: (
                json.dumps({**json.loads(data), "format": "other"}).encode()
                if name == "manifest.json"
                else data
            ),
            "not a citykpi backup manifest",
        ),
    ],
    ids=["database-altered", "file-removed", "no-manifest", "foreign-manifest"],
)
def test_an_altered_archive_is_refused(filled, tmp_path, change, expected):
    tampered = rewrite(back_up(tmp_path), tmp_path / "altered.tar.gz", change)
    with pytest.raises(BackupError, match=expected):
        restore(tampered)


@pytest.mark.parametrize("name", ["../escape.pdf", "evidence/../../escape.pdf", "extra.txt"])
def test_a_member_outside_the_manifest_or_the_store_is_refused(filled, tmp_path, name):
    archive = back_up(tmp_path)
    altered = tmp_path / "extra.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(altered, "w:gz") as copy:
        for member in source:
            copy.addfile(member, source.extractfile(member))
        info = tarfile.TarInfo(name)
        info.size = 4
        copy.addfile(info, io.BytesIO(b"evil"))
    with pytest.raises(BackupError, match="not a plain file with a safe name|not in the manifest"):
        restore(altered)
    assert not (tmp_path / "escape.pdf").exists()


def test_restore_refuses_a_database_that_holds_rows(filled, tmp_path):
    archive = back_up(tmp_path)
    before = files_of(filled)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), stdout=io.StringIO())
    message = str(refused.value)
    assert "ฐานข้อมูลปลายทางไม่ว่าง" in message and "The target database is not empty" in message
    assert message.index("ฐานข้อมูล") < message.index("The target")
    assert "nothing was written" in message
    assert files_of(filled) == before


def test_restore_refuses_an_evidence_store_that_holds_other_files(filled, empty_deployment, tmp_path):
    archive = back_up(tmp_path)
    stray = empty_deployment.evidence / "2566" / "someone-elses.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(PDF)
    done = empty_deployment.citykpi("restore", str(archive))
    assert done.returncode != 0
    assert "already holds 1 other files" in done.stderr and "ที่เก็บไฟล์หลักฐานปลายทาง" in done.stderr
    assert files_of(empty_deployment.evidence) == {"2566/someone-elses.pdf": PDF}
    assert empty_deployment.tables() == []


def test_backup_never_overwrites_an_archive(filled, tmp_path):
    archive = back_up(tmp_path)
    first = archive.read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(archive), stdout=io.StringIO())
    assert archive.read_bytes() == first
    assert not list(tmp_path.glob("*.partial")) and not list(tmp_path.glob(".citykpi-backup-*"))


def test_an_uncompressed_tar_round_trips_too(filled, tmp_path):
    archive = tmp_path / "plain.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    with tarfile.open(archive, "r:") as plain:  # not gzip
        names = plain.getnames()
    assert names[-1] == "manifest.json" and names[0].startswith("database.")
    assert sum(name.startswith("evidence/") for name in names) == 2
    assert verify_archive(archive)["evidence"]["files"] == 2


def empty_every_table(database) -> None:
    """Keep the schema `citykpi migrate` made, remove every row, add a stray empty table."""
    if not isinstance(database, dict):
        db = sqlite3.connect(str(database))
        try:
            # Through the full-text table itself, never its shadow tables (that would corrupt it).
            listed = db.execute("PRAGMA table_list").fetchall()
            for _schema, table, kind, *_ in listed:
                if kind in {"table", "virtual"} and not table.startswith("sqlite_"):
                    db.execute(f'DELETE FROM "{table}"')
            db.execute("CREATE TABLE leftover_empty (id integer)")
            db.commit()
        finally:
            db.close()
        return
    import psycopg

    with psycopg.connect(**database) as db:
        tables = [n for (n,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        db.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
        db.execute("CREATE TABLE leftover_empty (id integer)")


def test_a_schema_of_empty_tables_counts_as_empty(filled, empty_deployment, tmp_path):
    archive = back_up(tmp_path)
    assert empty_deployment.citykpi("migrate", "--noinput").returncode == 0
    empty_every_table(empty_deployment.database)

    done = empty_deployment.citykpi("restore", str(archive))
    assert done.returncode == 0, done.stderr
    source, restored = rows_of(source_database()), rows_of(empty_deployment.database)
    for table in source:
        assert restored[table] == source[table], table
    if connection.vendor == "postgresql":  # the script drops and recreates its own tables only
        assert restored["leftover_empty"] == [] and "leftover_empty" in done.stdout
    else:  # the backup API replaces the whole file
        assert "leftover_empty" not in restored
    assert files_of(empty_deployment.evidence) == files_of(filled)


def test_the_archive_is_readable_by_its_owner_only(filled, tmp_path):
    archive = back_up(tmp_path)
    assert archive.stat().st_mode & 0o777 == 0o600


def test_a_truncated_archive_is_refused(filled, tmp_path):
    archive = back_up(tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BackupError, match="damaged or was altered"):
        restore(cut)
