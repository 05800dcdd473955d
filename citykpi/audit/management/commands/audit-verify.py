"""`citykpi audit-verify`: walk the audit log in id order and check its hash chain.

Reports rows whose content no longer matches their hash (changed), rows whose link does not
point at the row before them (a row removed, or rows inserted out of order), and rows with no
hash (written around AuditEvent.save()/bulk_record()). Exits non-zero when anything is wrong.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from citykpi.audit.models import AuditEvent, event_hash


def verify(*, chunk_size: int = 2000) -> tuple[int, list[tuple[int, str, str]], str]:
    """(rows checked, problems as (id, kind, detail), the last row_hash). Kinds: changed,
    removed, out_of_order, unhashed."""
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}  # row_hash -> id, to tell a reordering from a removal
    previous_hash, previous_id, count = "", None, 0
    rows = AuditEvent._base_manager.order_by("id").iterator(chunk_size=chunk_size)
    for event in rows:
        count += 1
        if not event.row_hash:
            # Not part of the chain: the next row still links to the one before this.
            problems.append((event.pk, "unhashed", "no row_hash: written around the chain"))
            continue
        if event_hash(event, event.prev_hash) != event.row_hash:
            problems.append((event.pk, "changed", "content does not match its row_hash"))
        if event.prev_hash != previous_hash:
            if event.prev_hash and event.prev_hash in seen:
                problems.append(
                    (
                        event.pk,
                        "out_of_order",
                        f"links to row {seen[event.prev_hash]}, not to the row before it ({previous_id})",
                    )
                )
            else:
                after = f"after row {previous_id}" if previous_id is not None else "at the start"
                problems.append((event.pk, "removed", f"a row is missing before it ({after})"))
        seen.setdefault(event.row_hash, event.pk)
        previous_hash, previous_id = event.row_hash, event.pk
    return count, problems, previous_hash


LABELS = {
    "changed": ("ถูกแก้ไข", "changed"),
    "removed": ("ถูกลบ", "removed"),
    "out_of_order": ("แทรกผิดลำดับ", "inserted out of order"),
    "unhashed": ("ไม่มีแฮช", "no hash"),
}


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (exits 1 when a row was changed, removed or inserted)."

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems, head = verify()
        for pk, kind, detail in problems:
            thai, english = LABELS[kind]
            self.stdout.write(f"row {pk}: {thai} / {english}: {detail}")
        if not problems:
            self.stdout.write(
                self.style.SUCCESS(
                    f"บันทึกการตรวจสอบถูกต้องครบ {count} รายการ / audit log intact: {count} rows verified"
                )
            )
            self.stdout.write(f"head: {head or '-'}")
            return
        ids = sorted({pk for pk, _, _ in problems})
        self.stdout.write(f"head: {head or '-'}")
        raise CommandError(
            f"บันทึกการตรวจสอบผิดปกติ {len(ids)} จาก {count} รายการ / "
            f"audit log tampered: {len(ids)} of {count} rows fail verification "
            f"(ids: {', '.join(map(str, ids[:50]))}{' ...' if len(ids) > 50 else ''})"
        )
