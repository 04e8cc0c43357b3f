"""What the store holds, independent of any database: the sheets, their kinds of replacement, the columns every
data row carries. Shared by preparing (`staging`, in worker processes), the schema, reading and verification."""

from __future__ import annotations

REGISTER_SHEETS = ("集群名录", "企业名录", "资质认定", "企业年度财务")
MONTHLY_SHEETS = ("集群月度", "指标填报", "情况说明")
ISSUED_SHEETS = ("目标分解",)  # every current part up to the period counts: later issues add, not replace
SHEETS = REGISTER_SHEETS + MONTHLY_SHEETS + ISSUED_SHEETS
MONTH_COLUMN = "年月"
UNIT_COLUMN = "地区"
META_COLUMNS = ("submission_id", UNIT_COLUMN, "_sheet", "_row", "_extra")
ROW_COLUMNS = META_COLUMNS[1:]  # what a prepared row carries before its submission id is known
PROVENANCE_COLUMNS = ("period", "submission_id", "_sheet", "_row")
YEAR_COLUMNS = {"企业年度财务": "年度"}  # registers read per year as well (snapshot's latest_per)
KINDS = ("text", "int", "float", "bool", "date")


def contract_columns(sheet: str) -> list[str]:
    """The contract's columns of a sheet, in order (none for a sheet the contract does not know)."""
    from analysis.submissions.contract import SHEETS_BY_NAME  # data only; imported late to keep the store standalone

    spec = SHEETS_BY_NAME.get(sheet)
    return [c.name for c in spec.columns] if spec else []


def sheet_in_name(stem: str) -> tuple[str, str] | None:
    """(the sheet, the rest of the name) of a file named for one sheet, by the rule the CSV reader applies
    (contract.sheet_for_file_stem: 新乐市-2023-06-企业名录, 企业名录-202306); None for any other name."""
    from analysis.submissions.contract import normalise_sheet_name, sheet_for_file_stem

    sheet = sheet_for_file_stem(stem)
    if sheet is None:
        return None
    return sheet.name, normalise_sheet_name(stem).replace(sheet.name, "", 1)


def with_unit_in_place(sheet: str, columns: list[str]) -> list[str]:
    """Column order with 地区 where the contract puts it (指标填报, 情况说明 start with it)."""
    order = contract_columns(sheet)
    if UNIT_COLUMN not in order:
        return columns
    rest = [c for c in columns if c != UNIT_COLUMN]
    return rest[: order.index(UNIT_COLUMN)] + [UNIT_COLUMN] + rest[order.index(UNIT_COLUMN) :]
