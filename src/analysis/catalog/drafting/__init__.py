"""Drafting a new plan's target catalog from its text, for an analyst to review.

`sources` reads a plan (text, PDF, Word), `phrases` loads the phrasing rules (data/plan_phrases.yml),
`text` splits the text into paragraphs, sentences and clauses over a simplified copy, `figures`
finds the quantified figures, `reader` decides what each figure states (target, base value,
eligibility, award, or nothing), `indicators` matches the registry, `planmeta` drafts the plan's
metadata, `output` writes YAML/CSV, `review` the HTML review page and `scoring` compares a draft
with a hand catalog (benchmarks/plan_reader.py).
"""
