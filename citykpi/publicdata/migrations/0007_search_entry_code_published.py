"""The search entry carries its KPI's code and publication flag, so that a search pages
its matches without joining each to its KPI (issue #13: a common word over every year
matched 31,000 entries, each joined to its KPI and year before ranking).

PostgreSQL gets `publicdata_search_ranked(match, rank)`: the published matches of the
published years with their code and rank, read in one pass over the GIN index's bitmap
(no join back to the entry by its key, no KPI). The fill copies code and flag from the
KPIs, in SQL. On SQLite adding the columns remakes the table, so the FTS5 triggers are
made again."""

from importlib import import_module

from django.db import migrations, models

# SQLite remakes the table to add a column, which drops the triggers that keep the FTS5
# table in step (migration 0002): they are made again, and the FTS5 table rebuilt.
SEARCH = import_module("citykpi.publicdata.migrations.0002_search")
SQLITE_TRIGGERS = [s for s in SEARCH.SQLITE_FORWARD if "CREATE TRIGGER" in s]

FILL = """
    UPDATE publicdata_searchentry SET
        code = COALESCE((SELECT i.code FROM indicators_indicator i
                         WHERE i.id = publicdata_searchentry.indicator_id), ''),
        is_published = COALESCE((SELECT i.is_published FROM indicators_indicator i
                                 WHERE i.id = publicdata_searchentry.indicator_id), FALSE)
"""
POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION publicdata_search_ranked(query tsquery, ranked tsquery)
    RETURNS TABLE(id bigint, code varchar, rank real)
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 200 SET enable_seqscan TO 'off' AS $$
        SELECT e.indicator_id, e.code, ts_rank(e.heading, ranked)
        FROM publicdata_searchentry e
        WHERE e.document @@ query AND e.is_published
          AND e.fiscal_year IN (SELECT y.year FROM indicators_fiscalyear y WHERE y.is_published)
    $$
    """,
]
POSTGRES_BACKWARD = ["DROP FUNCTION IF EXISTS publicdata_search_ranked(tsquery, tsquery)"]


def remake_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS publicdata_searchentry_{name}")
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
        schema_editor.execute("INSERT INTO publicdata_searchfts(publicdata_searchfts) VALUES ('rebuild')")


def forward(apps, schema_editor):
    schema_editor.execute(FILL)
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)
    remake_sqlite_triggers(apps, schema_editor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("publicdata", "0006_kpidocument_record"),
    ]

    operations = [
        # Unapplied last: the fields' removal remakes the SQLite table again.
        migrations.RunPython(migrations.RunPython.noop, remake_sqlite_triggers),
        migrations.AddField(
            model_name="searchentry",
            name="code",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="searchentry",
            name="is_published",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(forward, backward),
    ]
