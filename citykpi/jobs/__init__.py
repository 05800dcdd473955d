"""Long work in the background: PDFs, imports of many files, carry-forward, the quality
refresh and the reminders run as jobs (docs/deployment.md "Background jobs")."""
