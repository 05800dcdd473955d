"""The benchmark scales: how big the dataset is and how hard each figure is measured.

`city` and `national` are the scales the goals of issue 8 are stated for; `small` is the
end-to-end check one can run on a busy machine (about 2,000 KPIs); `tiny` is the smoke run
of the test suite (seconds, not minutes). Every dataset is the demo generator's
(benchmarks.dataset): `agencies`, `years` and `kpis` are its size; the texts, projects and
quarters per KPI are the demo's.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Scale:
    name: str
    agencies: int
    years: tuple[int, ...]  # Buddhist Era fiscal years of the published data
    kpis: int  # published KPIs over all years (about)
    requests: int  # warm requests per latency figure
    warmup: int
    wrk_seconds: int
    wrk_connections: int
    reporters: int  # concurrent reporters of the quarter deadline
    import_kpis: int  # KPIs of the workbook import (also the unpublished "deadline" year)
    legacy_pages: int
    memory_requests: int
    agency_pdf_kpis: int  # KPIs of one agency in the latest year (the agency report PDF)
    sql_repeats: int  # raw SQL timings per page
    # Goals are stated for these scales; elsewhere they are shown for reference only.
    goals_apply: bool = False
    # The season scenario (benchmarks.season): seconds of reading with writes (the
    # readers also run half as long without writes, after a quarter as long of warm-up).
    season_seconds: float = 600
    season_pool: int = 400  # quarter reports the writers work on
    cold_pages: int = 2_000  # distinct KPI pages / API records of the cold figures

    @property
    def latest_year(self) -> int:
        return max(self.years)


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny",
        agencies=4,
        years=(2565, 2566),
        kpis=48,
        requests=12,
        warmup=3,
        wrk_seconds=1,
        wrk_connections=4,
        reporters=4,
        import_kpis=12,
        legacy_pages=6,
        memory_requests=60,
        agency_pdf_kpis=6,
        sql_repeats=5,
        season_seconds=4,
        season_pool=12,
        cold_pages=40,
    ),
    "small": Scale(
        name="small",
        agencies=20,
        years=(2565, 2566),
        kpis=2_000,
        requests=200,
        warmup=20,
        wrk_seconds=5,
        wrk_connections=16,
        reporters=50,
        import_kpis=300,
        legacy_pages=100,
        memory_requests=2_000,
        agency_pdf_kpis=60,
        sql_repeats=30,
        season_seconds=60,
        season_pool=100,
        cold_pages=500,
    ),
    "city": Scale(
        name="city",
        agencies=80,
        years=tuple(range(2557, 2567)),
        kpis=30_000,
        requests=200,
        warmup=30,
        wrk_seconds=10,
        wrk_connections=32,
        reporters=200,
        import_kpis=3_000,
        legacy_pages=1_000,
        memory_requests=10_000,
        agency_pdf_kpis=60,
        sql_repeats=50,
        goals_apply=True,
    ),
}
# The national scale measures the city's figures on a hundred times the agencies and 33 times
# the KPIs: the same settings otherwise.
SCALES["national"] = dataclasses.replace(SCALES["city"], name="national", agencies=8_000, kpis=1_000_000)


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
