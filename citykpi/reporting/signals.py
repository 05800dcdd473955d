"""Signals of the reporting workflow.

`report_changed` is sent after the transaction of a write commits, whenever a quarter's
public face may have changed (submitted, returned, assessed, reopened, a published
result edited). Keyword arguments: indicator, report, action. Whoever caches public
pages listens to it; the workflow itself knows nothing about caching.
"""

from __future__ import annotations

from django.dispatch import Signal

report_changed = Signal()
