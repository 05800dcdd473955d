"""Versions of the public data, one counter per scope.

A public page or API answer is cached under the versions of the scopes it shows (see
citykpi.publicdata.pagecache). A write bumps the counters of the scopes it changes inside
its own transaction (citykpi.publicdata.invalidation), so a reader sees the new version
exactly when it sees the new data, and a version never goes backwards: unlike the highest
audit id, which on PostgreSQL can commit out of order.

Scopes:
- ``site``: everything (years published, agencies renamed, settings, anything we cannot place)
- ``all``: any public change; pages that span years and agencies (home, finder, lists)
- ``year:<BE year>``: the KPIs of one fiscal year (dashboards, year-filtered lists)
- ``agency:<code>``: one agency's KPIs (the agency page)
- ``kpi:<code>``: one KPI (its page, its print view, its API record)
"""

from __future__ import annotations

from django.db import models


class DataVersion(models.Model):
    scope = models.CharField(max_length=80, primary_key=True)
    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "รุ่นข้อมูลสาธารณะ / Public data version"

    def __str__(self) -> str:
        return f"{self.scope}={self.number}"
