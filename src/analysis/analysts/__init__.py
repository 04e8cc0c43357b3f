"""Analysts' tools: candidate lists, what-if, incentive estimates."""
