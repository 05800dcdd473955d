"""The search's `heading` (what ts_rank reads for every match) kept inline and
uncompressed on PostgreSQL: ranking a match then fetches nothing from TOAST nor
decompresses it, a third of a search's time for a common word. At most 150 words a field
go into it, which keeps it well inside a page. Rows written before this migration keep
their old storage until rewritten (`citykpi reindex_search`)."""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION publicdata_search_words(words text, weight "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT COALESCE(
            setweight(string_agg('''' || w || ''':' || LEAST(n, 16383), ' ')::tsvector, weight),
            ''::tsvector
        )
        FROM unnest(string_to_array(words, ' ')) WITH ORDINALITY AS t(w, n)
        WHERE w <> '' AND strpos(w, '''') = 0 AND strpos(w, E'\\\\') = 0 AND n <= 150
    $$
    """,
    "ALTER TABLE publicdata_searchentry ALTER COLUMN heading SET STORAGE PLAIN",
]
POSTGRES_BACKWARD = [
    "ALTER TABLE publicdata_searchentry ALTER COLUMN heading SET STORAGE EXTENDED",
    """
    CREATE OR REPLACE FUNCTION publicdata_search_words(words text, weight "char") RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT COALESCE(
            setweight(string_agg('''' || w || ''':' || LEAST(n, 16383), ' ')::tsvector, weight),
            ''::tsvector
        )
        FROM unnest(string_to_array(words, ' ')) WITH ORDINALITY AS t(w, n)
        WHERE w <> '' AND strpos(w, '''') = 0 AND strpos(w, E'\\\\') = 0
    $$
    """,
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("publicdata", "0004_kpidocument")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
