"""The plan reader's entry point: a plan's text in, a draft catalog out."""

from __future__ import annotations

from pathlib import Path

from analysis import paths
from analysis.catalog.drafting.entries import Draft
from analysis.catalog.drafting.indicators import IndicatorIndex
from analysis.catalog.drafting.phrases import PHRASES_FILE, load_phrases
from analysis.catalog.drafting.planmeta import plan_title
from analysis.catalog.drafting.reader import Reader
from analysis.catalog.drafting.text import plan_text
from analysis.catalog.targets import load_indicators


def draft_text(raw: str, data_dir: Path = paths.DATA_DIR, phrases_file: Path | None = None) -> Draft:
    """Every quantified statement of `raw` as a draft (targets, base values, figures left out)."""
    phrases = load_phrases(phrases_file or (data_dir / PHRASES_FILE.name))
    index = IndicatorIndex(load_indicators(data_dir / "indicators.yml"))
    text = plan_text(raw, phrases.words("end_markers"), int(phrases.raw.get("heading_max_chars", 40)))
    return Reader(text, phrases, index, plan_title(text.simple)).read()
