"""A validated submission as columns of plain Python values, the form ingest stores.

`read_submission` hands an analyst typed DataFrames; ingest needs none of them: it
converts every column back to Python values for SQLite. `read_checked` (validate.py)
stops before the frames and returns these columns instead, which the store prepares
directly (staging.prepare_checked). Both forms come from the same checked values, and
the store keeps exactly the same rows from either (tests/test_ingest_speed_equivalence.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from analysis.submissions import contract

# The store kind of a contract type: what staging infers from the dtype rows._typed gives it
# (Int64, float64, boolean, datetime64); every other column holds text.
STORE_KINDS = {contract.WHOLE: "int", contract.NUMBER: "float", contract.YESNO: "bool", contract.DATE: "date"}
TEXT = "text"


@dataclass
class CheckedTable:
    """One validated sheet: its contract columns (in contract order) and 地区, each an object array of Python
    values with None where empty, plus the extra (non-contract) columns as written."""

    name: str  # the contract sheet (企业名录 …)
    sheet_name: str  # the worksheet's name in the file (for _sheet)
    row_numbers: np.ndarray  # Excel row of each row
    columns: dict[str, np.ndarray]
    kinds: dict[str, str]  # store kind of each contract column (STORE_KINDS)
    extras: dict[str, np.ndarray] = field(default_factory=dict)

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def __getitem__(self, column: str) -> np.ndarray:
        return self.columns[column]

    def __len__(self) -> int:
        return len(self.row_numbers)


@dataclass
class CheckedSubmission:
    """What read_checked returns: a Submission (validate.py) whose tables are CheckedTables."""

    path: Path
    file_name: str
    sha256: str
    period: str
    tables: dict[str, CheckedTable]
    units: set[str]
    extra_columns: dict[str, list[str]]
    notes: list[str] = field(default_factory=list)


def checked_table(table, values: dict[str, np.ndarray]) -> CheckedTable:
    """The CheckedTable of a readers.Table whose cells were checked into `values` (column -> array,
    地区 included), with the columns the DataFrame of the same values would have."""
    present = [c for c in table.sheet.columns if c.name in table.columns]
    columns = {c.name: values[c.name] for c in present}
    columns["地区"] = values["地区"]
    kinds = {c.name: STORE_KINDS.get(c.type, TEXT) for c in present}
    return CheckedTable(table.sheet.name, table.sheet_name, table.row_numbers, columns, kinds)
