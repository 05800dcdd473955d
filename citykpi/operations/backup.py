"""Backup and restore of a deployment: its database and its evidence files in one archive.

The archive is a tar file (gzip-compressed unless its name ends in ``.tar``) holding

- ``database.sql``: pg_dump's plain SQL of the whole database (PostgreSQL), or
  ``database.sqlite3``: a copy made with SQLite's backup API;
- ``evidence/<name>``: every file of the evidence store (``STORAGES["default"]``);
- ``manifest.json`` (the last member): the format and its version, when and from which
  engine the archive was made, the applied Django migrations per app, the row count of
  every table, the audit chain's head hash, and the sha256 and size of every other member.

The manifest's figures come from the same snapshot as the dump (on PostgreSQL the counts
are taken in the REPEATABLE READ transaction whose snapshot pg_dump is given; on SQLite
they are read from the copy). The database is copied before the evidence files: files are
never rewritten (each upload gets a new name), so every file a row of the copy names is
in the archive; a file uploaded during the backup may be there too, without its row.

A restore refuses unless the deployment's database is empty (no tables, or only empty
ones) and its evidence store holds no other files; it checks every member against the
manifest before writing anything, writes the files, loads the database (psql in one
transaction, or the backup API), then compares every table's count and the audit head
with the manifest and verifies the audit chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, cast

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from django.db.migrations.loader import MigrationLoader

from citykpi.audit.models import AuditEvent
from citykpi.lib.errors import ActionError
from citykpi.reporting.models import Evidence

FORMAT = "citykpi-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
EVIDENCE_PREFIX = "evidence/"
DATABASE_MEMBER = {"postgresql": "database.sql", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024
# Tables Django or SQLite keep for themselves: present in an "empty" deployment.
SQLITE_INTERNAL = re.compile(r"^sqlite_")

Progress = Callable[[str], None]


class BackupError(ActionError):
    """A backup or restore that cannot go ahead; nothing was written (Thai, then English)."""


class Cursor(Protocol):
    """What read_snapshot needs of a cursor: Django's, or a plain DB-API one (sqlite3)."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


@dataclass
class Snapshot:
    """What one consistent view of the database holds: the manifest's figures."""

    tables: dict[str, int]
    migrations: dict[str, list[str]]
    audit_head: str
    evidence_names: list[str] = field(default_factory=list)


@dataclass
class BackupResult:
    path: Path
    sha256: str
    size: int
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int
    rows: int
    files: int
    files_skipped: int
    audit_rows: int
    audit_head: str
    pending_migrations: list[str]
    leftover_tables: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- shared helpers


def _quiet(_message: str) -> None:
    return None


def sha256_of(stream: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class HashingReader:
    """A read-only stream that hashes and counts what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def read_snapshot(cursor: Cursor, tables: list[str], quote: Callable[[str], str]) -> Snapshot:
    """Counts, migrations, audit head and referenced evidence names, read through `cursor`
    (a Django cursor or a plain DB-API one: only %s-free SQL is used)."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    head = ""
    audit_table = AuditEvent._meta.db_table
    if audit_table in counts:
        cursor.execute(
            f"SELECT row_hash FROM {quote(audit_table)} WHERE row_hash <> '' ORDER BY id DESC LIMIT 1"
        )
        row = cursor.fetchone()
        head = row[0] if row else ""
    names: list[str] = []
    evidence_table = Evidence._meta.db_table
    if evidence_table in counts:
        column = Evidence._meta.get_field("file").column
        cursor.execute(f"SELECT {quote(column)} FROM {quote(evidence_table)} ORDER BY 1")
        names = [name for (name,) in cursor.fetchall() if name]
    return Snapshot(tables=counts, migrations=migrations, audit_head=head, evidence_names=names)


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [name for (name,) in rows if not SQLITE_INTERNAL.match(name)]


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(
            f"ไม่รองรับฐานข้อมูลชนิด {connection.vendor}",
            f"The {connection.vendor} database is not supported (PostgreSQL or SQLite only)",
        )
    return connection.vendor


def _binary(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"ไม่พบโปรแกรม {name} (ติดตั้ง postgresql-client รุ่นเดียวกับเซิร์ฟเวอร์)",
            f"{name} is not on PATH (install postgresql-client of the server's version)",
        )
    return path


def _client_version(binary: str) -> tuple[int, str]:
    """(major, the --version line) of a PostgreSQL client program."""
    output = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)(?:\.(\d+))?", output)
    if not match:
        raise BackupError(f"อ่านรุ่นของ {binary} ไม่ได้", f"Cannot read the version of {binary}: {output!r}")
    return int(match.group(1)), output.strip()


def _pg_command(
    connection: BaseDatabaseWrapper, binary: str, parameters: list[str]
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment for a PostgreSQL client program, from Django's own
    translation of the connection settings (host, port, user, password, sslmode, service)."""
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, parameters)
    return [binary, *args[1:]], {**os.environ, **(env or {})}


def _run(args: list[str], env: dict[str, str], what_th: str, what_en: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip()[-2000:]
        raise BackupError(f"{what_th} ไม่สำเร็จ: {detail}", f"{what_en} failed: {detail}")


def _major(version_num: int) -> int:
    """PostgreSQL's server_version_num (150020) as its major version (15)."""
    return version_num // 10000


def storage_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in `storage`, recursively, sorted (a missing root is an empty store)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(directory, name) if directory else name
    for sub in sorted(directories):
        yield from storage_files(storage, posixpath.join(directory, sub) if directory else sub)


def _open_archive(path: str | os.PathLike[str]) -> tarfile.TarFile:
    """An archive to read, compressed or not."""
    return tarfile.open(path, "r:*")


def _member_file(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    """A member's content; a directory or a link (which a backup never writes) is refused."""
    stream = archive.extractfile(member)
    if stream is None:
        raise BackupError(
            f"สมาชิก {member.name} ของไฟล์สำรองไม่ใช่ไฟล์", f"The archive member {member.name} is not a file"
        )
    return stream


def _new_archive(raw: IO[bytes], path: Path) -> tarfile.TarFile:
    """The archive to write into `raw`: plain for a .tar name, else gzip-compressed."""
    if path.name.endswith(".tar"):
        return tarfile.open(fileobj=raw, mode="w")
    return tarfile.open(fileobj=raw, mode="w:gz")


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o644
    return info


# ---------------------------------------------------------------- backup


def _pg_version(connection: BaseDatabaseWrapper) -> int:
    """The server's version number (160004 for 16.4), as Django's PostgreSQL backend reads it."""
    assert isinstance(connection, PostgresWrapper), connection.vendor  # only PostgreSQL paths ask
    return connection.pg_version


def _dump_postgresql(connection: BaseDatabaseWrapper, target: Path) -> tuple[Snapshot, dict[str, Any]]:
    pg_dump = _binary("pg_dump")
    connection.ensure_connection()
    server = _pg_version(connection)
    client, client_version = _client_version(pg_dump)
    if client < _major(server):
        raise BackupError(
            f"pg_dump รุ่น {client} เก่ากว่าเซิร์ฟเวอร์ (รุ่น {_major(server)}): ติดตั้ง postgresql-client รุ่นเดียวกัน",
            f"pg_dump {client} is older than the server ({_major(server)}): install the matching client",
        )
    # One snapshot for the figures and the dump: pg_dump --snapshot reads exactly what this
    # transaction sees, so the manifest's counts and head describe database.sql.
    with transaction.atomic(using=connection.alias, durable=True):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            tables = connection.introspection.table_names(cursor)
            snapshot = read_snapshot(cursor, tables, connection.ops.quote_name)
        # --clean --if-exists: the script also loads over a schema of empty tables; no owner
        # or grants, so it loads into a deployment whose role has another name.
        args, env = _pg_command(
            connection,
            pg_dump,
            [
                "--format=plain",
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--encoding=UTF8",
                f"--snapshot={snapshot_id}",
                f"--file={target}",
            ],
        )
        _run(args, env, "pg_dump", "pg_dump")
    info = {
        "server_version_num": server,
        "server_major": _major(server),
        "pg_dump_major": client,
        "pg_dump_version": client_version,
    }
    return snapshot, info


def _dump_sqlite(connection: BaseDatabaseWrapper, target: Path) -> tuple[Snapshot, dict[str, Any]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        # One self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        snapshot = read_snapshot(copy.cursor(), _sqlite_tables(copy), _sqlite_quote)
    finally:
        copy.close()
    return snapshot, {"sqlite_version": sqlite3.sqlite_version}


def backup(
    path: str | os.PathLike[str], *, using: str = DEFAULT_DB_ALIAS, progress: Progress = _quiet
) -> BackupResult:
    """Write the database and the evidence store to a new archive at `path`."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupError(f"ไม่พบโฟลเดอร์ {path.parent}", f"The folder {path.parent} does not exist")
    if path.exists():
        raise BackupError(
            f"มีไฟล์ {path} อยู่แล้ว: เลือกชื่อใหม่ (ไม่เขียนทับสำเนาเดิม)",
            f"{path} already exists: choose a new name (a backup never overwrites another)",
        )
    connection = connections[using]
    vendor = _vendor(connection)
    storage = storages["default"]
    members: dict[str, dict[str, Any]] = {}
    partial = path.with_name(path.name + ".partial")
    created = dt.datetime.now(dt.UTC)
    # The dump waits beside the archive (where the operator made room), not in /tmp.
    with tempfile.TemporaryDirectory(prefix=".citykpi-backup-", dir=path.parent) as work:
        dump = Path(work) / DATABASE_MEMBER[vendor]
        progress(f"ฐานข้อมูล / database ({vendor})")
        if vendor == "postgresql":
            snapshot, database_info = _dump_postgresql(connection, dump)
        else:
            snapshot, database_info = _dump_sqlite(connection, dump)
        try:
            # Owner-only from the start: the archive holds password hashes and personal data.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with (
                open(descriptor, "wb") as raw,
                _new_archive(raw, path) as archive,
            ):
                with dump.open("rb") as stream:
                    reader = HashingReader(stream)
                    archive.addfile(_tarinfo(dump.name, dump.stat().st_size, created.timestamp()), reader)
                members[dump.name] = {"sha256": reader.hexdigest(), "size": reader.size}
                dump.unlink()
                files, total = 0, 0
                for name in storage_files(storage):
                    with storage.open(name, "rb") as stream:
                        reader = HashingReader(stream)
                        info = _tarinfo(EVIDENCE_PREFIX + name, storage.size(name), created.timestamp())
                        archive.addfile(info, reader)
                    members[info.name] = {"sha256": reader.hexdigest(), "size": reader.size}
                    files += 1
                    total += reader.size
                progress(f"ไฟล์หลักฐาน / evidence files: {files}")
                stored = {
                    name[len(EVIDENCE_PREFIX) :] for name in members if name.startswith(EVIDENCE_PREFIX)
                }
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": created.isoformat(timespec="seconds"),
                    "database": {"engine": vendor, "member": dump.name, **database_info},
                    "migrations": snapshot.migrations,
                    "tables": snapshot.tables,
                    "audit": {
                        "head": snapshot.audit_head,
                        "rows": snapshot.tables.get(AuditEvent._meta.db_table, 0),
                    },
                    "evidence": {
                        "files": files,
                        "bytes": total,
                        "rows": len(snapshot.evidence_names),
                        # Named by a row but not in the store when the backup ran.
                        "missing": sorted(set(snapshot.evidence_names) - stored),
                    },
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
                archive.addfile(_tarinfo(MANIFEST, len(data), created.timestamp()), io.BytesIO(data))
            with partial.open("rb") as stream:
                digest, size = sha256_of(stream)
            os.replace(partial, path)
        except FileExistsError:
            raise BackupError(
                f"มีไฟล์ {partial} ค้างอยู่ (มีการสำรองอื่นกำลังทำงาน หรือครั้งก่อนหยุดกลางคัน)",
                f"{partial} exists: another backup is running, or one was interrupted (remove it)",
            ) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(path=path, sha256=digest, size=size, manifest=manifest)


# ---------------------------------------------------------------- reading an archive


def _damaged(problems: list[str]) -> BackupError:
    listed = "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else "")
    return BackupError(
        f"ไฟล์สำรองเสียหายหรือถูกแก้ไข ไม่ได้กู้คืนสิ่งใด: {listed}",
        f"The archive is damaged or was altered; nothing was restored: {listed}",
    )


def _safe_member_name(name: str) -> bool:
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    normal = posixpath.normpath(name)
    return normal == name and not normal.startswith("..") and "/../" not in f"/{normal}/"


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The archive's manifest (checked for its format), without verifying the members."""
    try:
        with _open_archive(path) as archive:
            try:
                member = archive.getmember(MANIFEST)
            except KeyError:
                raise _damaged([f"{MANIFEST} is missing"]) from None
            stream = archive.extractfile(member)
            manifest = json.loads(stream.read().decode("utf-8")) if stream else None
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _damaged([f"cannot read the archive ({error})"]) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged([f"{MANIFEST} is not a citykpi backup manifest"])
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"ไฟล์สำรองรุ่น {manifest.get('format_version')} ไม่รองรับ (รองรับรุ่น {FORMAT_VERSION})",
            f"Archive format version {manifest.get('format_version')} is not supported "
            f"(this code reads version {FORMAT_VERSION})",
        )
    if not isinstance(manifest.get("members"), dict) or manifest.get("database", {}).get("member") not in (
        manifest.get("members") or {}
    ):
        raise _damaged([f"{MANIFEST} lists no database member"])
    return manifest


def verify_archive(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every member against the manifest (name, type, size, sha256) and that every
    listed member is there. Returns the manifest; raises BackupError listing each problem."""
    manifest = read_manifest(path)
    expected: dict[str, dict[str, Any]] = manifest["members"]
    problems, seen = [], set()
    try:
        with _open_archive(path) as archive:
            for member in archive:
                name = member.name
                if name == MANIFEST:
                    continue
                if name in seen:
                    problems.append(f"{name}: appears twice")
                    continue
                seen.add(name)
                if not _safe_member_name(name) or not member.isfile():
                    problems.append(f"{name}: not a plain file with a safe name")
                    continue
                if name not in expected:
                    problems.append(f"{name}: not in the manifest")
                    continue
                stream = archive.extractfile(member)
                digest, size = sha256_of(stream) if stream else ("", 0)
                if size != expected[name].get("size") or digest != expected[name].get("sha256"):
                    problems.append(f"{name}: checksum does not match")
    except (tarfile.TarError, OSError, EOFError) as error:
        problems.append(f"cannot read the archive ({error})")
    problems += [f"{name}: missing from the archive" for name in sorted(set(expected) - seen)]
    for name in expected:
        if name != manifest["database"]["member"] and not name.startswith(EVIDENCE_PREFIX):
            problems.append(f"{name}: unexpected member")
    if problems:
        raise _damaged(problems)
    return manifest


# ---------------------------------------------------------------- restore


def _sqlite_shadow_tables(cursor: Cursor) -> set[str]:
    """The tables SQLite keeps behind a virtual table (full-text search's _data, _config, ...):
    an emptied FTS table still has rows there, which are not data of ours."""
    try:
        cursor.execute("PRAGMA table_list")
    except Exception:  # SQLite before 3.37: no way to tell, count them all
        return set()
    return {row[1] for row in cursor.fetchall() if row[2] == "shadow"}


def _table_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Row counts of the tables that hold data (for the emptiness check)."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if connection.vendor == "sqlite":
            shadow = _sqlite_shadow_tables(cursor)
            tables = [t for t in tables if t not in shadow and not SQLITE_INTERNAL.match(t)]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts


def _check_empty(connection: BaseDatabaseWrapper, storage: Storage, manifest: dict[str, Any]) -> list[str]:
    """Refuse a deployment that holds anything; returns the evidence names already stored
    with the archive's exact bytes (a restore run again after a failed database step)."""
    with_rows = {table: n for table, n in _table_counts(connection).items() if n}
    if with_rows:
        listed = ", ".join(f"{table} ({n})" for table, n in sorted(with_rows.items())[:8])
        more = " ..." if len(with_rows) > 8 else ""
        raise BackupError(
            f"ฐานข้อมูลปลายทางไม่ว่าง มีข้อมูลใน {len(with_rows)} ตาราง ({listed}{more}): "
            "กู้คืนได้เฉพาะฐานข้อมูลว่าง (ไม่มีตาราง หรือมีแต่ตารางว่าง): สร้างฐานข้อมูลใหม่และกู้คืนก่อนรัน migrate "
            "ไม่ได้เขียนสิ่งใด",
            f"The target database is not empty: {len(with_rows)} tables hold rows ({listed}{more}). "
            "A restore needs an empty database (no tables, or only empty ones): create a new one and "
            "restore before running migrate; nothing was written.",
        )
    members = manifest["members"]
    identical, foreign = [], []
    for name in storage_files(storage):
        entry = members.get(EVIDENCE_PREFIX + name)
        if entry:
            with storage.open(name, "rb") as stream:
                digest, size = sha256_of(stream)
            if digest == entry["sha256"] and size == entry["size"]:
                identical.append(name)
                continue
        foreign.append(name)
    if foreign:
        listed = ", ".join(foreign[:8]) + (" ..." if len(foreign) > 8 else "")
        raise BackupError(
            f"ที่เก็บไฟล์หลักฐานปลายทางมีไฟล์อื่นอยู่แล้ว {len(foreign)} ไฟล์ ({listed}): ไม่ได้เขียนสิ่งใด",
            f"The target evidence store already holds {len(foreign)} other files ({listed}); "
            "nothing was written.",
        )
    return identical


def _check_versions(connection: BaseDatabaseWrapper, manifest: dict[str, Any]) -> list[str]:
    """Refuse another engine, an older PostgreSQL, or migrations this code does not have;
    returns this code's migrations the archive lacks (to apply with `citykpi migrate`)."""
    database = manifest["database"]
    if database["engine"] != connection.vendor:
        raise BackupError(
            f"ไฟล์สำรองมาจากฐานข้อมูล {database['engine']} แต่ปลายทางเป็น {connection.vendor}",
            f"The archive holds a {database['engine']} database; the target is {connection.vendor}",
        )
    if connection.vendor == "postgresql":
        # The script is pg_dump's: psql must be as recent (it starts with \restrict since
        # 15.14/16.10/17.6), and the server no older than the one it was dumped from.
        psql_major, _ = _client_version(_binary("psql"))
        if psql_major < database["pg_dump_major"]:
            raise BackupError(
                f"psql รุ่น {psql_major} เก่ากว่า pg_dump ที่สร้างไฟล์สำรอง (รุ่น {database['pg_dump_major']})",
                f"psql {psql_major} is older than the pg_dump that wrote the archive "
                f"({database['pg_dump_version']})",
            )
        connection.ensure_connection()
        if _major(_pg_version(connection)) < database["server_major"]:
            raise BackupError(
                f"เซิร์ฟเวอร์ปลายทาง (PostgreSQL {_major(_pg_version(connection))}) เก่ากว่าต้นทาง "
                f"({database['server_major']})",
                f"The target server (PostgreSQL {_major(_pg_version(connection))}) is older than the "
                f"source ({database['server_major']})",
            )
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    archived = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(archived - on_disk)
    if unknown:
        listed = ", ".join(f"{app}.{name}" for app, name in unknown[:8])
        raise BackupError(
            f"ไฟล์สำรองมาจากโค้ดรุ่นใหม่กว่า (migration ที่โค้ดนี้ไม่มี: {listed}): ติดตั้งรุ่นนั้นก่อน",
            f"The archive comes from newer code (migrations this code lacks: {listed}): "
            "deploy that version first",
        )
    return [f"{app}.{name}" for app, name in sorted(on_disk - archived)]


def _copy_verified(stream: IO[bytes], target: IO[bytes], entry: dict[str, Any], name: str) -> None:
    reader = HashingReader(stream)
    shutil.copyfileobj(reader, target, CHUNK)
    if reader.hexdigest() != entry["sha256"] or reader.size != entry["size"]:
        raise _damaged([f"{name}: changed while restoring"])


def _restore_files(
    archive: tarfile.TarFile, manifest: dict[str, Any], storage: Storage, skip: set[str]
) -> int:
    written = 0
    for member in archive:
        if not member.name.startswith(EVIDENCE_PREFIX):
            continue
        name = member.name[len(EVIDENCE_PREFIX) :]
        if name in skip:
            continue
        entry = manifest["members"][member.name]
        reader = HashingReader(_member_file(archive, member))
        # File reads through read() only, which HashingReader provides.
        saved = storage.save(name, File(cast(IO[bytes], reader), name=posixpath.basename(name)))
        if saved != name or reader.hexdigest() != entry["sha256"] or reader.size != entry["size"]:
            storage.delete(saved)
            raise _damaged([f"{member.name}: could not be written under its own name, or changed"])
        written += 1
    return written


def _load_postgresql(connection: BaseDatabaseWrapper, script: Path) -> None:
    psql = _binary("psql")
    args, env = _pg_command(
        connection, psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(script)]
    )
    connection.close()
    _run(args, env, "psql (โหลดฐานข้อมูล)", "psql (loading the database)")


def _load_sqlite(connection: BaseDatabaseWrapper, copy: Path) -> None:
    connection.close()
    connection.ensure_connection()
    source = sqlite3.connect(copy)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
        connection.close()


def _audit_verify():
    # The command module's name has a hyphen (`citykpi audit-verify`): import it by name.
    return importlib.import_module("citykpi.audit.management.commands.audit-verify").verify


def restore(
    path: str | os.PathLike[str], *, using: str = DEFAULT_DB_ALIAS, progress: Progress = _quiet
) -> RestoreResult:
    """Bring an archive back into the empty deployment `using` names (and the evidence store)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"ไม่พบไฟล์ {path}", f"{path} does not exist")
    connection = connections[using]
    _vendor(connection)
    storage = storages["default"]
    progress("ตรวจค่า checksum / verifying checksums")
    manifest = verify_archive(path)
    pending = _check_versions(connection, manifest)
    identical = _check_empty(connection, storage, manifest)

    database_member = manifest["database"]["member"]
    with tempfile.TemporaryDirectory(prefix="citykpi-restore-") as work:
        with _open_archive(path) as archive:
            progress("ไฟล์หลักฐาน / evidence files")
            written = _restore_files(archive, manifest, storage, set(identical))
            staged = Path(work) / Path(database_member).name
            stream = _member_file(archive, archive.getmember(database_member))
            with staged.open("wb") as target:
                _copy_verified(stream, target, manifest["members"][database_member], database_member)
        progress("ฐานข้อมูล / database")
        if connection.vendor == "postgresql":
            _load_postgresql(connection, staged)
        else:
            _load_sqlite(connection, staged)

    with connection.cursor() as cursor:
        after = read_snapshot(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)
    differences = [
        f"{table}: {count} in the archive, {after.tables.get(table)} restored"
        for table, count in sorted(manifest["tables"].items())
        if after.tables.get(table) != count
    ]
    # Empty tables the target had that the archive does not (PostgreSQL keeps them).
    leftover = sorted(set(after.tables) - set(manifest["tables"]))
    if after.audit_head != manifest["audit"]["head"]:
        differences.append(f"audit head {after.audit_head or '-'} is not {manifest['audit']['head'] or '-'}")
    if differences:
        listed = "; ".join(differences[:10])
        raise BackupError(
            f"ข้อมูลที่กู้คืนไม่ตรงกับไฟล์สำรอง: {listed}",
            f"The restored data does not match the archive: {listed}",
        )
    progress("ตรวจบันทึกการตรวจสอบ / verifying the audit log")
    audit_rows, problems, head = _audit_verify()()
    if problems or head != manifest["audit"]["head"]:
        listed = "; ".join(f"row {pk}: {kind}" for pk, kind, _ in problems[:10])
        raise BackupError(
            f"บันทึกการตรวจสอบที่กู้คืนไม่ผ่านการตรวจ: {listed}",
            f"The restored audit log fails verification: {listed or 'head differs'}",
        )
    return RestoreResult(
        manifest=manifest,
        tables=len(after.tables),
        rows=sum(after.tables.values()),
        files=written + len(identical),
        files_skipped=len(identical),
        audit_rows=audit_rows,
        audit_head=head,
        pending_migrations=pending,
        leftover_tables=leftover,
    )
