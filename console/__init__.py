"""Support staff console: the handoff queue, transcripts, review and data retention (Django)."""
