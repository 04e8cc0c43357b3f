"""Every path the workbook uses, built once from the project root."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
POLICIES_DIR = DATA_DIR / "policies"
TARGETS_DIR = DATA_DIR / "targets"
INDICATORS_FILE = DATA_DIR / "indicators.yml"
REGIONS_FILE = DATA_DIR / "regions.yml"
AWARD_TYPES_FILE = DATA_DIR / "award_types.yml"
ISSUERS_FILE = DATA_DIR / "issuers.yml"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
DOCS_DIR = PROJECT_ROOT / "docs"

STORE_ENV_VAR = "WORKBOOK_STORE"
DEFAULT_STORE_DIR = DATA_DIR / "store"


def store_dir(override: str | os.PathLike | None = None) -> Path:
    """The store directory: explicit argument, else $WORKBOOK_STORE, else data/store."""
    if override:
        return Path(override)
    env = os.environ.get(STORE_ENV_VAR)
    return Path(env) if env else DEFAULT_STORE_DIR
