"""Writes of the search's synonym list (publicdata.Synonym), each audited in its
transaction. The admin saves and deletes through these."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from citykpi.accounts import access
from citykpi.audit.log import record, snapshot
from citykpi.lib.errors import ActionError
from citykpi.lib.users import Actor
from citykpi.publicdata.models import Synonym

FIELDS = ["term", "equivalents"]


def save_synonym(actor: Actor, synonym: Synonym, *, source: str = "web") -> Synonym:
    """Create or change a synonym group (term and equivalents)."""
    access.require(actor, access.Capability.ADMINISTER)
    synonym.term = " ".join(synonym.term.split())
    if not synonym.term or len(synonym.members()) < 2:
        raise ActionError(
            "ต้องมีคำและคำที่มีความหมายเดียวกันอย่างน้อยหนึ่งคำ",
            "A synonym needs a term and at least one equivalent",
            field="equivalents",
        )
    with transaction.atomic():
        before: dict[str, Any] = {}
        if synonym.pk is not None:
            stored = Synonym.objects.select_for_update().filter(pk=synonym.pk).first()
            before = snapshot(stored, FIELDS) if stored else {}
        synonym.save()
        record(actor, "synonym.save", synonym, before=before, after=snapshot(synonym, FIELDS), source=source)
    return synonym


def delete_synonym(actor: Actor, synonym: Synonym, *, source: str = "web") -> None:
    access.require(actor, access.Capability.ADMINISTER)
    with transaction.atomic():
        before = snapshot(synonym, FIELDS)
        record(actor, "synonym.delete", synonym, before=before, after={}, source=source)
        synonym.delete()
