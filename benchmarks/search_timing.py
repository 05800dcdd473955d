"""Timing of the word search on the database DATABASE_URL names (a measurement, not a
test; docs/read-model.md#search has the figures):

    DATABASE_URL=postgres://... citykpi demo --years 2557-2566 --scale 6   # or any data
    DATABASE_URL=postgres://... python -m benchmarks.search_timing [--queries 100]

It picks distinct queries from the words the index holds (deterministic: words of KPI
names, of narratives, agency and district names, and two-word queries), then runs each
once, cold for the application (a distinct query, nothing cached by us; the database's
buffers are as they are), through `engine.search` (one page of 25, the year the finder
shows by default, and every year) and through the public finder `/?q=` (the whole page:
its count, its three facet counts and its rows). It prints p50, p95 and the slowest.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pick_queries(count: int, seed: int = 2566) -> list[str]:
    # A script first (`python -m benchmarks.search_timing`): the models are imported after
    # main() has called django.setup(), so not at the top of the module.
    from citykpi.publicdata.models import SearchEntry

    rng = random.Random(seed)
    sample = list(
        SearchEntry.objects.order_by("pk").values_list("name_words", "agency_words", "narrative_words")[:5000]
    )
    rng.shuffle(sample)
    names: set[str] = set()
    agencies: set[str] = set()
    narratives: set[str] = set()
    for name, agency, narrative in sample:
        names.update(w for w in name.split() if len(w) >= 3 and not w.isdigit())
        agencies.update(w for w in agency.split() if len(w) >= 3 and not w.isdigit())
        narratives.update(w for w in narrative.split() if len(w) >= 3 and not w.isdigit())
    names_l, agencies_l, narratives_l = sorted(names), sorted(agencies), sorted(narratives - names)
    found: list[str] = []

    def take(pool: list[str], n: int) -> None:
        for word in rng.sample(pool, min(n, len(pool))):
            if word not in found:
                found.append(word)

    take(names_l, count * 4 // 10)
    take(narratives_l, count * 3 // 10)
    take(agencies_l, count // 10)
    while len(found) < count:
        pair = f"{rng.choice(names_l)} {rng.choice(narratives_l + names_l)}"
        if pair not in found:
            found.append(pair)
    return found[:count]


def run(count: int) -> None:
    # After django.setup() in main(), as in pick_queries.
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from citykpi.indicators.models import FiscalYear, Indicator
    from citykpi.publicdata.models import SearchEntry
    from citykpi.publicdata.search import engine
    from citykpi.publicdata.search.index import catch_up

    started = time.perf_counter()
    caught = catch_up()
    if caught:
        print(f"indexed {caught} KPIs first in {time.perf_counter() - started:.1f} s")
    year = FiscalYear.objects.published().order_by("-year").values_list("year", flat=True).first()
    kpis = Indicator.objects.count()
    print(
        f"{connection.vendor}: {kpis:,} KPIs, {SearchEntry.objects.count():,} entries, "
        f"{Indicator.objects.filter(fiscal_year_id=year).count():,} in {year}"
    )
    queries = pick_queries(count)
    # Each call returns what its group returns (a search result, a response): only the
    # "every year" search's total is read.
    groups: dict[str, Callable[[str], Any]] = {
        f"search(), year {year}": lambda text: engine.search(text, year=year),
        "search(), every year": lambda text: engine.search(text),
    }
    client = Client()
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(PUBLIC_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"], STORAGES=plain_static):
        client.get("/")  # the page's own first-use costs (templates), not the search's
        groups["finder page /?q="] = lambda text: client.get("/", {"q": text})
        # Each group sees each query once; the groups run in turn so that none warms another.
        timings: dict[str, list[float]] = {name: [] for name in groups}
        totals: list[int] = []
        for text in queries:
            for name, call in groups.items():
                connection.close()  # a new connection: no prepared plans, no session cache
                connection.ensure_connection()
                begin = time.perf_counter()
                result = call(text)
                timings[name].append((time.perf_counter() - begin) * 1000)
                if name.startswith("search(), every"):
                    totals.append(result.total)
    print(
        f"{len(queries)} distinct queries; matches per query (every year): "
        f"median {statistics.median(totals):.0f}, max {max(totals)}"
    )
    for name, values in timings.items():
        print(
            f"{name:28} p50 {percentile(values, 0.5):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms   "
            f"max {max(values):6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citykpi.settings")
    import django

    django.setup()
    run(args.queries)


if __name__ == "__main__":
    main()
