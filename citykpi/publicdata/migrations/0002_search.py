"""The public word search: its entries, its synonyms, and each database's full-text index
over the entries (invisible to the ORM; see citykpi.publicdata.search.engine)."""

import django.db.models.deletion
from django.db import migrations, models

# PostgreSQL: tsvectors built from the space-joined words as they are (no text search
# parser: under some locales it cuts Thai words at their vowel marks), stored:
# - `document`: every word, without positions (small, so that a common word's matches are
#   cheap to check), and the lexeme `_y<year>`, which a search of one year intersects in
#   the GIN index instead of reading every year's matches (nothing typed holds a "_");
# - `heading`: the name's words weighted A and the agency's B, with positions: what
#   ts_rank reads (narratives count for the match, not for the rank).
# The words hold letters and digits only (segment.normalise): quoted as lexemes, they
# need no escapes (the function skips any word that would).
POSTGRES_FORWARD = [
    # Small rows on the table's own pages (long values go to its TOAST table): checking a
    # common word's matches then reads few pages.
    "ALTER TABLE publicdata_searchentry SET (toast_tuple_target = 128)",
    """
    CREATE FUNCTION publicdata_search_words(words text, weight "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT COALESCE(
            setweight(string_agg('''' || w || ''':' || LEAST(n, 16383), ' ')::tsvector, weight),
            ''::tsvector
        )
        FROM unnest(string_to_array(words, ' ')) WITH ORDINALITY AS t(w, n)
        WHERE w <> '' AND strpos(w, '''') = 0 AND strpos(w, E'\\\\') = 0
    $$
    """,
    """
    ALTER TABLE publicdata_searchentry ADD COLUMN document tsvector GENERATED ALWAYS AS (
        array_to_tsvector(array_remove(string_to_array(
            name_words || ' ' || agency_words || ' ' || narrative_words || ' _y' || fiscal_year, ' '
        ), ''))
    ) STORED
    """,
    """
    ALTER TABLE publicdata_searchentry ADD COLUMN heading tsvector GENERATED ALWAYS AS (
        publicdata_search_words(name_words, 'A') || publicdata_search_words(agency_words, 'B')
    ) STORED
    """,
    # The search: WHERE document @@ tsquery
    "CREATE INDEX search_entry_document_gin ON publicdata_searchentry USING gin (document)",
    # The ids that match, always through the GIN index: for a word most KPIs hold, the
    # planner would rather read the table and test each row, which unpacks every document
    # from TOAST (a hundred times slower; the planner does not count that).
    """
    CREATE FUNCTION publicdata_search_match(query tsquery) RETURNS SETOF bigint
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 200 SET enable_seqscan = off AS $$
        SELECT indicator_id FROM publicdata_searchentry WHERE document @@ query
    $$
    """,
]
POSTGRES_BACKWARD = [
    "DROP FUNCTION publicdata_search_match(tsquery)",
    "ALTER TABLE publicdata_searchentry DROP COLUMN heading",
    "ALTER TABLE publicdata_searchentry DROP COLUMN document",
    'DROP FUNCTION publicdata_search_words(text, "char")',
]

# SQLite: an FTS5 table over the entries' columns (external content), kept in step by
# triggers. The ascii tokenizer splits at spaces and ASCII punctuation only: Thai words,
# segmented already, stay whole (unicode61 would cut them at their vowel marks).
FTS_COLUMNS = "name_words, agency_words, narrative_words"
OLD = "old.indicator_id, old.name_words, old.agency_words, old.narrative_words"
NEW = "new.indicator_id, new.name_words, new.agency_words, new.narrative_words"
SQLITE_FORWARD = [
    f"""
    CREATE VIRTUAL TABLE publicdata_searchfts USING fts5(
        {FTS_COLUMNS}, content='publicdata_searchentry', content_rowid='indicator_id', tokenize='ascii'
    )
    """,
    f"""
    CREATE TRIGGER publicdata_searchentry_ai AFTER INSERT ON publicdata_searchentry BEGIN
        INSERT INTO publicdata_searchfts(rowid, {FTS_COLUMNS}) VALUES ({NEW});
    END
    """,
    f"""
    CREATE TRIGGER publicdata_searchentry_ad AFTER DELETE ON publicdata_searchentry BEGIN
        INSERT INTO publicdata_searchfts(publicdata_searchfts, rowid, {FTS_COLUMNS}) VALUES ('delete', {OLD});
    END
    """,
    f"""
    CREATE TRIGGER publicdata_searchentry_au AFTER UPDATE ON publicdata_searchentry BEGIN
        INSERT INTO publicdata_searchfts(publicdata_searchfts, rowid, {FTS_COLUMNS}) VALUES ('delete', {OLD});
        INSERT INTO publicdata_searchfts(rowid, {FTS_COLUMNS}) VALUES ({NEW});
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER publicdata_searchentry_au",
    "DROP TRIGGER publicdata_searchentry_ad",
    "DROP TRIGGER publicdata_searchentry_ai",
    "DROP TABLE publicdata_searchfts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_alter_milestonelevel_options"),
        ("publicdata", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Synonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=120, unique=True, verbose_name="คำ / Term")),
                (
                    "equivalents",
                    models.TextField(
                        help_text="คั่นด้วยจุลภาคหรือขึ้นบรรทัดใหม่ / comma or newline separated",
                        verbose_name="คำที่มีความหมายเดียวกัน / Equivalents",
                    ),
                ),
            ],
            options={
                "verbose_name": "คำพ้องในการค้นหา / Search synonym",
                "verbose_name_plural": "คำพ้องในการค้นหา / Search synonyms",
                "ordering": ["term"],
            },
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "indicator",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="indicators.indicator",
                    ),
                ),
                ("fiscal_year", models.PositiveSmallIntegerField()),
                ("name_words", models.TextField(blank=True)),
                ("agency_words", models.TextField(blank=True)),
                ("narrative_words", models.TextField(blank=True)),
                ("indexed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "รายการในดัชนีค้นหา / Search entry",
                "verbose_name_plural": "ดัชนีค้นหา / Search entries",
                "indexes": [models.Index(fields=["fiscal_year"], name="search_entry_year_idx")],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
