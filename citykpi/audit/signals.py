"""Signals of the audit log.

`recorded` is sent inside the write's transaction, right after its audit rows are inserted,
with ``events`` (the AuditEvent rows) and ``objects`` (the objects they describe, in the same
order; ``None`` for batch inserts, whose objects the receiver loads if it needs them).
Whoever keeps derived data of the writes (the public page versions) listens here; the
domain knows nothing about them, and a receiver that fails rolls the write back.
"""

from __future__ import annotations

from django.dispatch import Signal

recorded = Signal()
