"""Summary rows: the year's KPIs summed per (reading, agency, dimension) and per (reading,
strategy node, agency), so that the dashboards' overview adds up a few dozen rows instead
of aggregating every KPI's standing on each request.

`quality.AgencySummary` and `quality.NodeSummary` hold, per group, the KPIs by status and
the sums of `quality.scoring.WeightSums`. They are kept by **database triggers**, never by
Python, so that a write costs no statement more (a draft save is pinned at 10 statements,
`reporting/tests/test_save_queries.py`): every change of a row they are made of applies
its delta, the group's new contribution minus its old, in the same statement's work:

| table | change | what the triggers do |
|---|---|---|
| `quality_kpistanding` | insert / update / delete | the KPI's old reading out, the new one in (a KPI without a standing counts as no data, as the GROUP BY over the KPIs LEFT JOIN their standings does) |
| `indicators_indicator` | insert / delete; an update of year, agency (a reorganisation's move), dimension, weight or publication | the KPI's contribution with its old fields out, with the new ones in |
| the KPI-node links | insert / update / delete | the KPI added to (taken from) each node it was not (is no longer) linked to or under |
| `strategy_strategynode` | insert / delete; an update of path or plan | the node's rows and its ancestors' made again |

A KPI counts for the public reading when it is published (`Indicator.is_published`); a
year's publication is read with the rows (`fiscal_year__is_published`), so publishing or
unpublishing a year changes no row. A node counts a KPI once when the KPI is linked to the
node or to a node under it (its path and a dot), as the path-prefix join did.

PostgreSQL runs statement-level triggers over the transition tables (one grouped upsert for
a statement of many rows: a batch rescore); SQLite row-level triggers (it has no others),
which see each row's change before the next. `install` (re)creates them (migration quality
0003 calls it: a change of the SQL below needs a migration that calls it again), `rebuild`
makes the rows again from the tables (`citykpi rescore`). Empty groups are deleted, so the
tables hold exactly what a GROUP BY from scratch gives (the tests compare both). Every
upsert takes its rows in key order (ORDER BY the key), agency rows before node rows, so
two writers that touch the same rows lock them in the same order (no deadlock between them).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection

from citykpi.quality import scoring

KPI = "indicators_indicator"
STANDING = "quality_kpistanding"
LINK = "indicators_indicator_strategy_nodes"
NODE = "strategy_strategynode"
AGENCY_SUMMARY = "quality_agencysummary"
NODE_SUMMARY = "quality_nodesummary"

COUNTS = ("kpis", "on_track", "at_risk", "off_track", "weighted", "scored")
AMOUNTS = ("weight_total", "score_sum", "product_sum", "scored_weight")
COLUMNS = ", ".join(COUNTS + AMOUNTS)
AGENCY_KEY = "fiscal_year_id, public, agency_id, dimension"
NODE_KEY = "fiscal_year_id, public, node_id, agency_id"

STANDING_COLUMNS = ("indicator_id", "public_status", "public_current", "staff_status", "staff_current")
KPI_COLUMNS = ("id", "fiscal_year_id", "agency_id", "dimension_id", "weight", "is_published")
LINK_COLUMNS = ("id", "indicator_id", "strategynode_id")
NODE_COLUMNS = ("id", "plan_id", "path")


# --- the SQL, one text for both databases ---------------------------------------------------


def _kpi_of_standing(rows: str) -> str:
    """The KPIs of standing rows `rows` (a FROM item), with those standings."""
    return f"""SELECT i.id AS kid, i.fiscal_year_id AS y, i.agency_id AS a, COALESCE(i.dimension_id, 0) AS d,
        i.weight AS w, i.is_published AS p, s.public_status AS ps, s.public_current AS pc,
        s.staff_status AS ss, s.staff_current AS sc
        FROM {rows} s JOIN {KPI} i ON i.id = s.indicator_id"""


def _kpi_without_standing(rows: str) -> str:
    """The KPIs of standing rows `rows` as they count with no standing (no data)."""
    return f"""SELECT i.id AS kid, i.fiscal_year_id AS y, i.agency_id AS a, COALESCE(i.dimension_id, 0) AS d,
        i.weight AS w, i.is_published AS p, CAST(NULL AS VARCHAR(10)) AS ps, CAST(NULL AS NUMERIC) AS pc,
        CAST(NULL AS VARCHAR(10)) AS ss, CAST(NULL AS NUMERIC) AS sc
        FROM {rows} s JOIN {KPI} i ON i.id = s.indicator_id"""


def _kpi_rows(rows: str) -> str:
    """KPI rows `rows` (a FROM item with the KPI_COLUMNS) with their current standings."""
    return f"""SELECT i.id AS kid, i.fiscal_year_id AS y, i.agency_id AS a, COALESCE(i.dimension_id, 0) AS d,
        i.weight AS w, i.is_published AS p, s.public_status AS ps, s.public_current AS pc,
        s.staff_status AS ss, s.staff_current AS sc
        FROM {rows} i LEFT JOIN {STANDING} s ON s.indicator_id = i.id"""


def _readings(sources: Iterable[tuple[int, str]]) -> str:
    """Each KPI of each (sign, source) once per reading: staff always, public when published."""
    parts = []
    for sign, source in sources:
        parts.append(
            f"SELECT {sign} AS sg, kid, y, a, d, w, FALSE AS pub, ss AS st, sc AS cur FROM ({source}) x"
        )
        parts.append(
            f"SELECT {sign} AS sg, kid, y, a, d, w, TRUE AS pub, ps AS st, pc AS cur FROM ({source}) x WHERE x.p"
        )
    return " UNION ALL ".join(parts)


def _sums(sg: str = "sg") -> str:
    return f"""SUM({sg}) AS kpis,
        SUM(CASE WHEN st = '{scoring.ON_TRACK}' THEN {sg} ELSE 0 END) AS on_track,
        SUM(CASE WHEN st = '{scoring.AT_RISK}' THEN {sg} ELSE 0 END) AS at_risk,
        SUM(CASE WHEN st = '{scoring.OFF_TRACK}' THEN {sg} ELSE 0 END) AS off_track,
        SUM(CASE WHEN w IS NOT NULL THEN {sg} ELSE 0 END) AS weighted,
        SUM(CASE WHEN cur IS NOT NULL THEN {sg} ELSE 0 END) AS scored,
        SUM({sg} * COALESCE(w, 0)) AS weight_total,
        SUM({sg} * COALESCE(cur, 0)) AS score_sum,
        SUM({sg} * COALESCE(cur, 0) * COALESCE(w, 0)) AS product_sum,
        SUM(CASE WHEN cur IS NOT NULL THEN {sg} * COALESCE(w, 0) ELSE 0 END) AS scored_weight"""


def _upsert(table: str, key: str) -> str:
    added = [f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS]
    added += [f"{c} = ROUND({table}.{c} + excluded.{c}, 6)" for c in AMOUNTS]
    return f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(added)}"


def _ancestors_of_links(links: str) -> str:
    """(kid, node) of each KPI of link rows `links` and each node it is linked to or under."""
    return f"""SELECT DISTINCT l.indicator_id AS kid, n.id AS node
        FROM {links} l JOIN {NODE} ln ON ln.id = l.strategynode_id
        JOIN {NODE} n ON n.plan_id = ln.plan_id AND (ln.path = n.path OR ln.path LIKE n.path || '.%')"""


def _links_of(kids: str) -> str:
    """The links of the KPIs `kids` (a subquery). On PostgreSQL as `= ANY(ARRAY(...))` in a
    subquery that is not flattened: the ids are read once and the links found by their
    index first (otherwise the planner, which cannot estimate a transition table, reads every
    link of every node and tests each against the ids: 1 s for a batch of 500 standings)."""
    return f"(SELECT id, indicator_id, strategynode_id FROM {LINK} WHERE {_among('indicator_id', kids)})"


def _among(column: str, ids: str) -> str:
    """`column` is one of the ids subquery `ids` gives (see _links_of); on PostgreSQL with a
    fence (OFFSET 0 on the enclosing subquery) so that the links are found first."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({ids})) OFFSET 0"
    return f"{column} IN ({ids})"


def apply_kpis(sources: list[tuple[int, str]], kids: str) -> list[str]:
    """The statements that add each (sign, source)'s KPIs (ids among `kids`) to the agency
    rows and to the node rows of the nodes they are under now."""
    readings = _readings(sources)
    return [
        f"""INSERT INTO {AGENCY_SUMMARY} ({AGENCY_KEY}, {COLUMNS})
        SELECT y, pub, a, d, {_sums()} FROM ({readings}) c GROUP BY y, pub, a, d ORDER BY y, pub, a, d
        {_upsert(AGENCY_SUMMARY, AGENCY_KEY)}""",
        f"DELETE FROM {AGENCY_SUMMARY} WHERE kpis = 0",
        f"""INSERT INTO {NODE_SUMMARY} ({NODE_KEY}, {COLUMNS})
        SELECT c.y, c.pub, kn.node, c.a, {_sums()}
        FROM ({readings}) c JOIN ({_ancestors_of_links(_links_of(kids))}) kn ON kn.kid = c.kid
        GROUP BY c.y, c.pub, kn.node, c.a ORDER BY c.y, c.pub, kn.node, c.a
        {_upsert(NODE_SUMMARY, NODE_KEY)}""",
        f"DELETE FROM {NODE_SUMMARY} WHERE kpis = 0",
    ]


def apply_links(new_links: str, old_links: str) -> list[str]:
    """The statements that follow a change of KPI-node links (`new_links` the rows as they
    are now, `old_links` as they were; FROM items with the LINK_COLUMNS): each KPI added to
    the nodes it is under now and was not, taken from those it was under and is not."""
    kids = f"SELECT indicator_id FROM {new_links} nl UNION SELECT indicator_id FROM {old_links} ol"
    after = _ancestors_of_links(_links_of(kids))
    before_links = (
        f"(SELECT id, indicator_id, strategynode_id FROM {_links_of(kids)} cl"
        f" WHERE id NOT IN (SELECT id FROM {new_links} nl2)"
        f" UNION ALL SELECT id, indicator_id, strategynode_id FROM {old_links} ol2)"
    )
    before = _ancestors_of_links(before_links)
    moved = (
        f"SELECT 1 AS psg, kid, node FROM ({after} EXCEPT {before}) added"
        f" UNION ALL SELECT -1 AS psg, kid, node FROM ({before} EXCEPT {after}) removed"
    )
    current = _readings([(1, _kpi_rows(f"(SELECT * FROM {KPI} WHERE id IN ({kids}))"))])
    return [
        f"""INSERT INTO {NODE_SUMMARY} ({NODE_KEY}, {COLUMNS})
        SELECT c.y, c.pub, kn.node, c.a, {_sums("kn.psg")}
        FROM ({current}) c JOIN ({moved}) kn ON kn.kid = c.kid
        GROUP BY c.y, c.pub, kn.node, c.a ORDER BY c.y, c.pub, kn.node, c.a
        {_upsert(NODE_SUMMARY, NODE_KEY)}""",
        f"DELETE FROM {NODE_SUMMARY} WHERE kpis = 0",
    ]


def _node_rows(node_ids: str, kpis: str = KPI) -> str:
    """The SELECT of the node rows of nodes `node_ids` (a subquery) from scratch."""
    pairs = f"""SELECT DISTINCT l.indicator_id AS kid, n.id AS node
        FROM {NODE} n JOIN {NODE} ln ON ln.plan_id = n.plan_id AND (ln.path = n.path OR ln.path LIKE n.path || '.%')
        JOIN {LINK} l ON l.strategynode_id = ln.id
        WHERE n.id IN ({node_ids})"""
    linked = f"(SELECT * FROM {kpis} k WHERE k.id IN (SELECT kid FROM ({pairs}) pk))"
    return f"""SELECT c.y, c.pub, kn.node, c.a, {_sums()}
        FROM ({_readings([(1, _kpi_rows(linked))])}) c JOIN ({pairs}) kn ON kn.kid = c.kid
        GROUP BY c.y, c.pub, kn.node, c.a"""


def remake_nodes(node_ids: str) -> list[str]:
    """The statements that make the rows of nodes `node_ids` (a subquery) again."""
    return [
        f"DELETE FROM {NODE_SUMMARY} WHERE node_id IN ({node_ids})",
        f"INSERT INTO {NODE_SUMMARY} ({NODE_KEY}, {COLUMNS}) {_node_rows(node_ids)}",
    ]


def _ancestors_of_node(plan: str, path: str) -> str:
    return f"SELECT id FROM {NODE} WHERE plan_id = {plan} AND ({path} = path OR {path} LIKE path || '.%')"


# --- the triggers ---------------------------------------------------------------------------


def _row(prefix: str, columns: Iterable[str]) -> str:
    """One row of a SQLite trigger's NEW or OLD, as a FROM item."""
    return "(SELECT " + ", ".join(f"{prefix}.{c} AS {c}" for c in columns) + ")"


def _differs(a: str, b: str, columns: Iterable[str]) -> str:
    """SQLite: a row's OLD and NEW differ in one of `columns`."""
    return " OR ".join(f"{a}.{c} IS NOT {b}.{c}" for c in columns)


def _differ(a: str, b: str, columns: Iterable[str]) -> str:
    """PostgreSQL: rows a and b differ in one of `columns`."""
    return " OR ".join(f"{a}.{c} IS DISTINCT FROM {b}.{c}" for c in columns)


STANDING_READ = STANDING_COLUMNS[1:]
KPI_COUNTED = KPI_COLUMNS[1:]


def _sqlite_triggers() -> dict[str, tuple[str, str, str, list[str]]]:
    """name -> (event, table, WHEN, statements)."""
    new_s, old_s = _row("NEW", STANDING_COLUMNS), _row("OLD", STANDING_COLUMNS)
    new_k, old_k = _row("NEW", KPI_COLUMNS), _row("OLD", KPI_COLUMNS)
    new_l, old_l = _row("NEW", LINK_COLUMNS), _row("OLD", LINK_COLUMNS)
    empty_links = f"(SELECT id, indicator_id, strategynode_id FROM {LINK} WHERE 0)"
    return {
        "summary_standing_ai": (
            "INSERT",
            STANDING,
            "",
            apply_kpis(
                [(1, _kpi_of_standing(new_s)), (-1, _kpi_without_standing(new_s))], "NEW.indicator_id"
            ),
        ),
        "summary_standing_au": (
            "UPDATE",
            STANDING,
            _differs("OLD", "NEW", STANDING_COLUMNS),
            apply_kpis([(1, _kpi_of_standing(new_s)), (-1, _kpi_of_standing(old_s))], "NEW.indicator_id"),
        ),
        "summary_standing_ad": (
            "DELETE",
            STANDING,
            "",
            apply_kpis(
                [(-1, _kpi_of_standing(old_s)), (1, _kpi_without_standing(old_s))], "OLD.indicator_id"
            ),
        ),
        "summary_kpi_ai": ("INSERT", KPI, "", apply_kpis([(1, _kpi_rows(new_k))], "NEW.id")),
        "summary_kpi_au": (
            "UPDATE",
            KPI,
            _differs("OLD", "NEW", KPI_COLUMNS),
            apply_kpis([(1, _kpi_rows(new_k)), (-1, _kpi_rows(old_k))], "SELECT NEW.id UNION SELECT OLD.id"),
        ),
        "summary_kpi_ad": ("DELETE", KPI, "", apply_kpis([(-1, _kpi_rows(old_k))], "OLD.id")),
        "summary_link_ai": ("INSERT", LINK, "", apply_links(new_l, empty_links)),
        "summary_link_au": ("UPDATE", LINK, "", apply_links(new_l, old_l)),
        "summary_link_ad": ("DELETE", LINK, "", apply_links(empty_links, old_l)),
        "summary_node_ai": ("INSERT", NODE, "", remake_nodes("SELECT NEW.id")),
        "summary_node_au": (
            "UPDATE",
            NODE,
            _differs("OLD", "NEW", NODE_COLUMNS),
            remake_nodes(
                f"SELECT NEW.id UNION SELECT OLD.id UNION {_ancestors_of_node('OLD.plan_id', 'OLD.path')}"
                f" UNION {_ancestors_of_node('NEW.plan_id', 'NEW.path')}"
            ),
        ),
        "summary_node_ad": (
            "DELETE",
            NODE,
            "",
            remake_nodes(f"SELECT OLD.id UNION {_ancestors_of_node('OLD.plan_id', 'OLD.path')}"),
        ),
    }


def _changed(new: str, old: str, key: str, columns: Iterable[str], side: str) -> str:
    """The rows of transition table `side` (new or old) whose `columns` changed."""
    picked = new if side == "new" else old
    cols = ", ".join(f"{picked}.{c}" for c in (key, *columns))
    return f"(SELECT {cols} FROM {new} JOIN {old} ON {old}.{key} = {new}.{key} WHERE {_differ(old, new, columns)})"


def _postgresql_triggers() -> dict[str, tuple[str, str, str, list[str]]]:
    """name -> (event, table, REFERENCING, statements), statement-level."""
    both = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    new_only = "REFERENCING NEW TABLE AS new_rows"
    old_only = "REFERENCING OLD TABLE AS old_rows"
    s_new = _changed("new_rows", "old_rows", "indicator_id", STANDING_READ, "new")
    s_old = _changed("new_rows", "old_rows", "indicator_id", STANDING_READ, "old")
    k_new = f"(SELECT new_rows.* FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id WHERE {_differ('old_rows', 'new_rows', KPI_COUNTED)})"
    k_old = f"(SELECT old_rows.* FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id WHERE {_differ('old_rows', 'new_rows', KPI_COUNTED)})"
    n_changed = f"(SELECT old_rows.id, old_rows.plan_id AS old_plan, old_rows.path AS old_path, new_rows.plan_id AS new_plan, new_rows.path AS new_path FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id WHERE {_differ('old_rows', 'new_rows', ('plan_id', 'path'))})"
    empty_links = f"(SELECT id, indicator_id, strategynode_id FROM {LINK} WHERE FALSE)"
    return {
        "summary_standing_ai": (
            "INSERT",
            STANDING,
            new_only,
            apply_kpis(
                [(1, _kpi_of_standing("new_rows")), (-1, _kpi_without_standing("new_rows"))],
                "SELECT indicator_id FROM new_rows",
            ),
        ),
        "summary_standing_au": (
            "UPDATE",
            STANDING,
            both,
            apply_kpis(
                [(1, _kpi_of_standing(s_new)), (-1, _kpi_of_standing(s_old))],
                f"SELECT indicator_id FROM {s_new} ch",
            ),
        ),
        "summary_standing_ad": (
            "DELETE",
            STANDING,
            old_only,
            apply_kpis(
                [(-1, _kpi_of_standing("old_rows")), (1, _kpi_without_standing("old_rows"))],
                "SELECT indicator_id FROM old_rows",
            ),
        ),
        "summary_kpi_ai": (
            "INSERT",
            KPI,
            new_only,
            apply_kpis([(1, _kpi_rows("new_rows"))], "SELECT id FROM new_rows"),
        ),
        "summary_kpi_au": (
            "UPDATE",
            KPI,
            both,
            apply_kpis([(1, _kpi_rows(k_new)), (-1, _kpi_rows(k_old))], f"SELECT id FROM {k_new} ch"),
        ),
        "summary_kpi_ad": (
            "DELETE",
            KPI,
            old_only,
            apply_kpis([(-1, _kpi_rows("old_rows"))], "SELECT id FROM old_rows"),
        ),
        "summary_link_ai": ("INSERT", LINK, new_only, apply_links("new_rows", empty_links)),
        "summary_link_au": ("UPDATE", LINK, both, apply_links("new_rows", "old_rows")),
        "summary_link_ad": ("DELETE", LINK, old_only, apply_links(empty_links, "old_rows")),
        "summary_node_ai": ("INSERT", NODE, new_only, remake_nodes("SELECT id FROM new_rows")),
        "summary_node_au": (
            "UPDATE",
            NODE,
            both,
            remake_nodes(
                f"SELECT id FROM {n_changed} c1"
                f" UNION SELECT n.id FROM {NODE} n JOIN {n_changed} c2 ON n.plan_id = c2.old_plan"
                " AND (c2.old_path = n.path OR c2.old_path LIKE n.path || '.%')"
                f" UNION SELECT n.id FROM {NODE} n JOIN {n_changed} c3 ON n.plan_id = c3.new_plan"
                " AND (c3.new_path = n.path OR c3.new_path LIKE n.path || '.%')"
            ),
        ),
        "summary_node_ad": (
            "DELETE",
            NODE,
            old_only,
            remake_nodes(
                "SELECT id FROM old_rows UNION SELECT n.id FROM "
                f"{NODE} n JOIN old_rows o ON n.plan_id = o.plan_id AND (o.path = n.path OR o.path LIKE n.path || '.%')"
            ),
        ),
    }


def trigger_sql(vendor: str) -> tuple[list[str], list[str]]:
    """(the statements that create the triggers, those that drop them) for `vendor`."""
    create: list[str] = []
    drop: list[str] = []
    if vendor == "sqlite":
        for name, (event, table, when, statements) in _sqlite_triggers().items():
            condition = f" WHEN {when}" if when else ""
            body = ";\n".join(statements)
            drop.append(f"DROP TRIGGER IF EXISTS {name}")
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{condition} BEGIN\n{body};\nEND"
            )
    elif vendor == "postgresql":
        for name, (event, table, referencing, statements) in _postgresql_triggers().items():
            body = ";\n".join(statements)
            drop.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            drop.append(f"DROP FUNCTION IF EXISTS {name}()")
            create.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n{body};\n"
                "RETURN NULL;\nEND\n$body$"
            )
            create.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return create, drop


def _execute(statements: Iterable[str], using: Any = None) -> None:
    conn = using or connection
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(schema_editor: Any) -> None:
    """(Re)create the triggers and fill the rows (migrations call it)."""
    create, drop = trigger_sql(schema_editor.connection.vendor)
    _execute([*drop, *create, *rebuild_sql(None)], schema_editor.connection)


def uninstall(schema_editor: Any) -> None:
    _create, drop = trigger_sql(schema_editor.connection.vendor)
    _execute(drop, schema_editor.connection)


def rebuild_sql(year: int | None) -> list[str]:
    """The statements that make the summary rows of `year` (every year: None) again."""
    where = "" if year is None else f" WHERE fiscal_year_id = {int(year)}"
    kpis = KPI if year is None else f"(SELECT * FROM {KPI} WHERE fiscal_year_id = {int(year)})"
    return [
        f"DELETE FROM {AGENCY_SUMMARY}{where}",
        f"""INSERT INTO {AGENCY_SUMMARY} ({AGENCY_KEY}, {COLUMNS})
        SELECT y, pub, a, d, {_sums()} FROM ({_readings([(1, _kpi_rows(kpis))])}) c GROUP BY y, pub, a, d""",
        f"DELETE FROM {NODE_SUMMARY}{where}",
        f"INSERT INTO {NODE_SUMMARY} ({NODE_KEY}, {COLUMNS}) {_node_rows(f'SELECT id FROM {NODE}', kpis)}",
    ]


def rebuild(years: Iterable[int] | None = None) -> None:
    """Make the summary rows of `years` (every year: None) again from the KPIs, their
    standings and links (`citykpi rescore`; in the caller's transaction)."""
    if years is None:
        _execute(rebuild_sql(None))
        return
    for year in sorted(set(years)):
        _execute(rebuild_sql(year))


def computed(table: str) -> set[tuple[Any, ...]]:
    """The rows a from-scratch GROUP BY gives for `table` (AGENCY_SUMMARY or NODE_SUMMARY),
    as `stored` reads them (for the tests and for checking a database by hand)."""
    if table == AGENCY_SUMMARY:
        sql = f"SELECT y, pub, a, d, {_sums()} FROM ({_readings([(1, _kpi_rows(KPI))])}) c GROUP BY y, pub, a, d"
    else:
        sql = _node_rows(f"SELECT id FROM {NODE}")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {_normal(row) for row in cursor.fetchall() if row[4]}


def stored(table: str) -> set[tuple[Any, ...]]:
    """The rows `table` holds, as `computed` reads them."""
    key = AGENCY_KEY if table == AGENCY_SUMMARY else "fiscal_year_id, public, node_id, agency_id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, {COLUMNS} FROM {table}")
        return {_normal(row) for row in cursor.fetchall()}


def _normal(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as (year, public, agency or node, dimension or agency, six counts, four sums to
    four places): what both databases give for the same row, compared as such."""
    keys = (int(row[0]), bool(row[1]), int(row[2]), int(row[3]))
    counts = tuple(int(v) for v in row[4:10])
    amounts = tuple(Decimal(str(v if v is not None else 0)).quantize(Decimal("0.0001")) for v in row[10:])
    return keys + counts + amounts
