"""The worker's entry point: `celery -A citykpi.jobs.worker worker --pool=solo` (or
--concurrency=N, docs/deployment.md). Django is set up first, then the app is imported."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citykpi.settings")
django.setup()

from citykpi.jobs.queue import app  # noqa: E402  (after django.setup(): the task reads the models)

__all__ = ["app"]
