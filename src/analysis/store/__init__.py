"""The history store of accepted submissions, and ingest into it."""
