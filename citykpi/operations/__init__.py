"""Running citykpi as operators expect: backup and restore, health and readiness, request ids in logs."""
