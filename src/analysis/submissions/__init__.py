"""Submissions: the input contract, reading files, validating them, credit codes, the template."""
