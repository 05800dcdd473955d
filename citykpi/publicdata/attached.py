"""Reading, typed, what a queryset attached to its rows at run time.

django-stubs cannot see the attributes that `Prefetch(..., to_attr=...)` and
`.annotate(name=...)` add to model instances; the pages read them through these
functions, which name the type instead of leaving the attribute unchecked.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

T = TypeVar("T")


def prefetched(instance: models.Model, to_attr: str, of: type[T]) -> list[T]:
    """The list `Prefetch(..., to_attr=to_attr)` stored on `instance` (rows of `of`).
    Raises AttributeError, as the attribute would, when the queryset did not prefetch it."""
    rows: list[T] = getattr(instance, to_attr)
    return rows


def attach(instance: models.Model, **values: object) -> None:
    """Put values computed in Python on a row for the templates to read (as
    `Prefetch(to_attr=...)` does), e.g. `attach(kpi, public_headline=...)`."""
    for name, value in values.items():
        setattr(instance, name, value)


def annotated(instance: models.Model, name: str, of: type[T]) -> T:
    """The value `.annotate(name=...)` put on `instance` (of type `of`)."""
    value: T = getattr(instance, name)
    return value
