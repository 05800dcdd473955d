"""Running a word search on the database's own full-text index.

PostgreSQL: `publicdata_searchentry.document`, a stored tsvector of every word (and the
year's lexeme `_y<year>`) with a GIN index, matched with `@@ tsquery`; ranked with
`ts_rank` over `heading`, the name's words (weight A) and the agency's (B). The match
goes through the SQL function `publicdata_search_match(tsquery)`, which keeps it on the
GIN index whatever the planner guesses. SQLite: the FTS5 table `publicdata_searchfts`
(tokenizer `ascii`: our words are already split by spaces and Thai letters stay whole),
kept in step by triggers, matched with MATCH and ranked with `bm25` (name 10, agency 4,
narratives 1). Both made by migration publicdata 0002.

Only published KPIs of published years are found: the index holds every KPI (with only
its published narratives) with its code and publication flag (copied by the KPI's
writes), and a year's publication is read at query time, so publishing a year changes
nothing in the index. A search joins no KPI: it counts, ranks and pages the entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import FloatField
from django.db.models.expressions import RawSQL

from citykpi.publicdata.models import Synonym
from citykpi.publicdata.search import query as q
from citykpi.publicdata.search.index import catch_up

FTS_TABLE = "publicdata_searchfts"
BM25 = f"bm25({FTS_TABLE}, 10.0, 4.0, 1.0)"


@dataclass(frozen=True)
class Prepared:
    """A query ready for the database, in its query language: what must match (on
    PostgreSQL with the year's lexeme when one year is asked for) and what ranks."""

    text: str
    vendor: str
    rank_text: str


@dataclass(frozen=True)
class Found:
    ids: list[int]  # KPI ids, best first
    total: int  # how many KPIs match in all


def synonyms() -> q.Synonyms:
    return q.Synonyms(row.members() for row in Synonym.objects.all())


def prepare(text: str, year: int | None = None) -> Prepared | None:
    """What was typed, segmented, with its synonyms, in the database's query language; None
    when it holds no word. Two queries: the synonyms, and the index's catch-up check.
    `year` narrows the match on PostgreSQL (in the index); on SQLite the caller filters."""
    node = q.build(text, synonyms())
    if node is None:
        return None
    catch_up()
    vendor = connection.vendor
    if vendor != "postgresql":
        found = q.as_fts5(node)
        return Prepared(found, vendor, found)
    ranked = q.as_tsquery(node)
    return Prepared(f"( {ranked} ) & '_y{int(year)}'" if year is not None else ranked, vendor, ranked)


def matching_ids(prepared: Prepared) -> RawSQL:
    """The ids of the KPIs that match, as a subquery for `pk__in=`."""
    if prepared.vendor == "postgresql":
        return RawSQL("SELECT publicdata_search_match(%s::tsquery)", [prepared.text])
    return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [prepared.text])


def rank(prepared: Prepared, outer: str = "indicators_indicator") -> RawSQL:
    """How well each KPI of a queryset over `outer` matches (higher is better), as an
    annotation: a correlated subquery on its entry."""
    if prepared.vendor == "postgresql":
        sql = (
            "SELECT ts_rank(e.heading, %s::tsquery) FROM publicdata_searchentry e "
            f'WHERE e.indicator_id = "{outer}"."id"'
        )
    else:
        sql = f'SELECT -{BM25} FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid = "{outer}"."id"'
    return RawSQL(sql, [prepared.rank_text], output_field=FloatField())


def search(text: str, year: int | None = None, limit: int = 25, offset: int = 0) -> Found:
    """The published KPIs that match what was typed, best first (then by code), with the
    total: one query (plus the synonyms and the catch-up check)."""
    prepared = prepare(text, year)
    if prepared is None:
        return Found([], 0)
    if prepared.vendor == "postgresql":
        # The year is in the match already (its lexeme). publicdata_search_ranked reads the
        # published matches with their code and rank in one pass over the index's bitmap;
        # the count and the sort then run over those narrow rows, nothing joined.
        params: list = [prepared.text, prepared.rank_text]
        sql = (
            "SELECT m.id, COUNT(*) OVER () FROM publicdata_search_ranked(%s::tsquery, %s::tsquery) m "
            "ORDER BY m.rank DESC, m.code LIMIT %s OFFSET %s"
        )
    else:
        params = [prepared.text]
        year_sql = ""
        if year is not None:
            year_sql = " AND e.fiscal_year = %s"
            params.append(year)
        # bm25() works only in a plain query of the FTS table: rank there, join after.
        sql = (
            f"WITH m AS MATERIALIZED (SELECT rowid AS id, {BM25} AS score FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s) "
            "SELECT m.id, COUNT(*) OVER () FROM m "
            "JOIN publicdata_searchentry e ON e.indicator_id = m.id "
            "WHERE e.is_published AND e.fiscal_year IN "
            f"(SELECT y.year FROM indicators_fiscalyear y WHERE y.is_published){year_sql} "
            "ORDER BY m.score, e.code LIMIT %s OFFSET %s"
        )
    params += [limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rows:
        return Found([row[0] for row in rows], rows[0][1])
    if offset == 0:
        return Found([], 0)
    # A page past the end: count on its own.
    return Found([], search(text, year, limit=1, offset=0).total)
