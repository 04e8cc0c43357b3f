"""Batches of reports: running them, the schedule, the index, the progress cache."""
