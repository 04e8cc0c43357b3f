"""The store's tables, declared once with SQLAlchemy Core and created on either backend.

- `submissions`: one row per accepted file (with when it was received, where known); `parts`: one row per
  (submission, unit, sheet), the unit of replacement; `columns`: the kind of every data column; `meta`: the write
  counter and the catalogue digest; `archive_log`: how to replay every accepted submission (see `archive`).
- one data table per sheet, named as the contract names it (``"企业名录"`` …), created when a sheet is first
  stored and given a column the first time one arrives. On SQLite data columns have no declared type (values
  are kept exactly as given: '0012' stays text); on PostgreSQL they are typed by kind. Rows keep their order:
  SQLite's implicit `rowid`, PostgreSQL's identity column of the same name.
- text is compared and sorted byte-wise on both backends (PostgreSQL columns are declared COLLATE "C"), so
  both list units in the same order.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    column,
    table,
)
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.types import TypeEngine

from analysis.store.layout import META_COLUMNS, MONTH_COLUMN, UNIT_COLUMN, YEAR_COLUMNS

SCHEMA_VERSION = 5  # 2: the same file may be stored again (a restore), so (sha256, period) is not unique
#                     3: units stored under a name the registry now gives to several places carry their city
#                     4: digests of parts and submissions, the write counter, the archive log
#                     5: submissions.received_at, when the file reached the bureau (NULL: not known)

TEXT = Text().with_variant(Text(collation="C"), "postgresql")

metadata = MetaData()

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("file_name", TEXT, nullable=False),
    Column("sha256", TEXT, nullable=False),
    Column("period", TEXT, nullable=False),
    Column("units", TEXT, nullable=False),  # JSON list of unit names
    Column("ingested_at", TEXT, nullable=False),  # local time, 'YYYY-MM-DD HH:MM:SS'
    Column("extra_columns", TEXT, nullable=False),  # JSON {sheet: [column, ...]}
    Column("digest", TEXT),  # digests.submission_digest
    Column("received_at", TEXT),  # local time the file reached the bureau, 'YYYY-MM-DD[ HH:MM:SS]' (NULL: unknown)
)
Index("submissions_by_file", submissions.c.sha256, submissions.c.period)

parts = Table(
    "parts",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("unit", TEXT, nullable=False),
    Column("sheet", TEXT, nullable=False),
    Column("period", TEXT, nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("superseded_by", Integer, ForeignKey("submissions.id")),
    Column("digest", TEXT),  # digests.part_digest of its rows
    PrimaryKeyConstraint("submission_id", "unit", "sheet"),
)
_current = parts.c.superseded_by.is_(None)
Index("parts_current", parts.c.unit, parts.c.sheet, parts.c.period, unique=True, sqlite_where=_current,
      postgresql_where=_current)  # fmt: skip
Index("parts_by_sheet", parts.c.sheet, parts.c.unit, parts.c.period)
Index("parts_by_period", parts.c.period, parts.c.unit)

columns = Table(
    "columns",
    metadata,
    Column("sheet", TEXT, nullable=False),
    Column("name", TEXT, nullable=False),
    Column("kind", TEXT, nullable=False),  # text | int | float | bool | date
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("sheet", "name"),
)

meta = Table(
    "meta",
    metadata,
    Column("key", TEXT, primary_key=True),
    Column("value", TEXT, nullable=False),
)

archive_log = Table(
    "archive_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the submission's id
    Column("entry", TEXT, nullable=False),  # JSON: archive.LogEntry
)

# PostgreSQL keeps the archived files in the database itself (SQLite: a folder beside the file).
archive_files = Table(
    "archive_files",
    MetaData(),
    Column("sha256", TEXT, primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

FIXED_TABLES = (submissions, parts, columns, meta, archive_log)

# meta keys
WRITE_COUNTER = "write_counter"  # one more for every committed write
CATALOGUE_DIGEST = "columns_digest"  # digests.catalogue_digest of `columns`
SUBMISSION_COUNT = "submissions"  # how many submissions are stored
VERIFIED_AT = "verified_state"  # PostgreSQL: the state a whole-store verification last found sound
CHANGES = "changes"  # PostgreSQL: one more for every statement that changed a store table (a trigger's count)
SCHEMA_KEY = "schema_version"  # PostgreSQL (SQLite keeps it in PRAGMA user_version)

# The SQL type of a data column of each kind, on PostgreSQL (SQLite: none; see the module docstring).
POSTGRES_KIND_TYPES: dict[str, TypeEngine] = {
    "text": TEXT,
    "date": TEXT,
    "int": BigInteger(),
    "bool": Boolean(),
    "float": Double(),
}


def data_table(sheet: str, names: list[str]) -> TableClause:
    """A sheet's table for building queries: the meta columns, `rowid` (row order) and the data columns `names`."""
    return table(sheet, *(column(n) for n in (*META_COLUMNS, "rowid", *names)))


def data_table_indexes(sheet: str) -> list[tuple[str, tuple[str, ...]]]:
    """(name, columns) of the indexes of a sheet's table that exist from its creation."""
    return [(f"{sheet}_by_part", ("submission_id", UNIT_COLUMN))]


def column_indexes(sheet: str, name: str) -> list[tuple[str, tuple[str, ...]]]:
    """(name, columns) of the indexes a data column brings when it is first added."""
    if name == MONTH_COLUMN:
        return [(f"{sheet}_by_month", (UNIT_COLUMN, MONTH_COLUMN))]
    if name == YEAR_COLUMNS.get(sheet):
        # covers snapshot(latest_per=年度): which part last listed each unit's year
        return [(f"{sheet}_by_year", ("submission_id", UNIT_COLUMN, name))]
    return []
