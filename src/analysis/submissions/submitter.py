"""Who may write what: the one decision of whom a file speaks for and whose rows it may carry.

`decide(file_name, declared, units, account=None)` is the whole rule, for the command line and for the
报送平台 (web upload) alike:

1. **One submitter per file.** The submitter (填报单位) is named by the file's 填报说明 (a 填报单位 cell:
   `declared`) and by the region its file name begins with (新乐市-2026-10.xlsx, 新乐市-2026-10-企业名录.csv).
   When both name a unit they must be the same unit (a county's file declaring its city, or another
   county, is refused). With an authenticated account (`account`, the 报送平台), the account's region is
   the submitter when the file names none; a file may name the account's region or a unit under it,
   never another unit or a higher level. When nothing names a submitter, it is the one county-level unit
   the rows name, 目标分解 rows excepted (they name whom a target is issued to); a file naming two counties
   is refused: nobody can tell who sent it.
2. **Whose rows.** A file carries rows only of its submitter and the units under it in the reporting tree
   (a city may forward its counties' data; a county never another county's).
3. **Issued targets come from above.** A 目标分解 row is accepted only from a submitter above the region it
   issues to in the reporting tree (a city for its counties; the province for its cities and for the units
   reporting to it directly, 定州市 and 辛集市). No unit issues or changes its own targets.

Every refusal names its rule in Chinese; where the submitter came from is said too (for a CSV file, which has
no 填报说明, it is the file name rule).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.catalog.regions import RegionRegistry, load_regions
from analysis.errors import UserError, visible
from analysis.submissions import contract, readers

SUBMITTER_LABELS = frozenset(contract.normalise_header(x) for x in ("填报单位", "报送单位", "填报单位名称"))
TARGETS_SHEET = "目标分解"

# Where the submitter came from.
ACCOUNT, DECLARED, FILE_NAME, ROWS = "account", "declared", "file_name", "rows"

TARGETS_RULE = "目标分解只能由上级单位下达（市下达所辖县（市、区）的目标，省下达所辖市和省直管县（市）的目标）"
ROWS_RULE = "一个单位的文件只能报送本单位及所辖单位的数据"


@dataclass(frozen=True)
class Declared:
    """The 填报单位 a 填报说明 sheet names: the region, and the cell (Excel row, value as written)."""

    unit: str
    row: int
    text: str


@dataclass(frozen=True)
class Refusal:
    """One reason a file may not be stored. `sheet` and `units` are set for row-level refusals (目标分解:
    the rows issuing to `units`); otherwise the refusal is about the whole file."""

    reason: str
    sheet: str | None = None
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Whom the file speaks for (`submitter`, from `source`: account, declared, file_name or rows; None when
    nothing names one) and why it may not be stored (no refusals: it may)."""

    submitter: str | None
    source: str | None
    refusals: tuple[Refusal, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.refusals


def decide(
    file_name: str,
    declared: str | None,
    units: Mapping[str, Collection[str]],
    account: str | None = None,
) -> Decision:
    """Whom a file speaks for and whether it may carry its rows.

    file_name: the file's name as sent (its leading region names a submitter: `unit_named_by_file`).
    declared: the region its 填报说明 names as 填报单位 (canonical name, `declared_unit(...).unit`), or None.
    units: sheet (contract name: 企业名录, 目标分解 …) -> the regions its rows belong to (each row's 地区).
    account: the region of the authenticated account that uploads the file (报送平台), or None (command line).
    Returns a Decision; its refusals are Chinese reasons naming the rule broken.
    """
    registry = load_regions()
    named = unit_named_by_file(file_name)
    if named is not None and declared is not None and named != declared:
        return Decision(None, None, (Refusal(_disagreement(registry, file_name, named, declared)),))
    submitter, source = (declared, DECLARED) if declared is not None else (named, FILE_NAME if named else None)
    if account is not None:
        account = _account_region(registry, account)
        if submitter is not None and not _at_or_below(registry, submitter, account):
            said = _said(source, submitter, file_name)
            reason = f"报送账号属于“{account}”，{said}；账号只能报送本单位及所辖单位的文件"
            return Decision(None, None, (Refusal(reason),))
        if submitter is None:
            submitter, source = account, ACCOUNT
    # the units whose data the file carries; a 目标分解 row names the region it issues to, not the sender (rule 3)
    carried = {u for sheet, rows in units.items() if sheet != TARGETS_SHEET for u in rows}
    refusals: list[Refusal] = []
    if submitter is None:
        counties = sorted(u for u in carried if (r := registry.resolve(u)) is not None and r.is_unit)
        if len(counties) > 1:
            refusals.append(Refusal(_several_counties(file_name, counties)))
        elif counties:
            submitter, source = counties[0], ROWS
    else:
        foreign = sorted(u for u in carried if not _at_or_below(registry, u, submitter))
        if foreign:
            said = _said(source, submitter, file_name)
            reason = f"{said}，文件中却有其他单位的数据（{'、'.join(foreign)}）；{ROWS_RULE}，"
            reason += "请删去这些行或由相应单位报送"
            refusals.append(Refusal(reason))
    refusals += _targets_refusals(registry, units.get(TARGETS_SHEET, ()), submitter, source, file_name)
    return Decision(submitter, source, tuple(refusals))


def _targets_refusals(
    registry: RegionRegistry, issued: Collection[str], submitter: str | None, source: str | None, file_name: str
) -> list[Refusal]:
    """One refusal per kind of wrong issuer: a unit issuing its own targets, a submitter not above the region,
    no submitter at all."""
    issued = sorted(set(issued))
    if not issued:
        return []
    if submitter is None:
        reason = f"文件未写明填报单位，无法确定目标由谁下达；{TARGETS_RULE}"
        return [Refusal(reason, TARGETS_SHEET, tuple(issued))]
    said = _said(source, submitter, file_name)
    out = []
    if submitter in issued:
        reason = f"{said}，不能下达或修改本单位自己的目标；{TARGETS_RULE}"
        out.append(Refusal(reason, TARGETS_SHEET, (submitter,)))
    not_above = [u for u in issued if u != submitter and not _strictly_above(registry, submitter, u)]
    if not_above:
        reason = f"{said}，不是“{'、'.join(not_above)}”的上级单位，不能向其下达目标；{TARGETS_RULE}"
        out.append(Refusal(reason, TARGETS_SHEET, tuple(not_above)))
    return out


def _account_region(registry: RegionRegistry, account: str) -> str:
    region = registry.resolve(account)
    if region is None:
        raise UserError(f"报送账号所属地区“{visible(account)}”不在地区名录中，请联系管理员核对账号设置")
    return region.name


def _at_or_below(registry: RegionRegistry, unit: str, place: str) -> bool:
    """`unit` is `place` or lies under it in the reporting tree."""
    return unit == place or _strictly_above(registry, place, unit)


def _strictly_above(registry: RegionRegistry, upper: str, unit: str) -> bool:
    return unit in registry.regions and any(a.name == upper for a in registry.ancestors(unit))


def _said(source: str | None, submitter: str, file_name: str) -> str:
    """Where the submitter comes from, as the start of a Chinese sentence."""
    if source == DECLARED:
        return f"“{contract.INSTRUCTIONS_SHEET}”中的填报单位为“{submitter}”"
    if source == FILE_NAME:
        return f"按文件名，填报单位为“{submitter}”（{file_name_rule(file_name)}）"
    if source == ACCOUNT:
        return f"报送账号属于“{submitter}”，填报单位为“{submitter}”"
    return f"文件未写明填报单位，按数据行认定为“{submitter}”"


def file_name_rule(file_name: str) -> str:
    """The file name rule, as it applies to this file."""
    if Path(file_name).suffix.lower() == ".csv":
        return "CSV 文件没有“填报说明”表，以文件名开头的单位为填报单位"
    return f"“{contract.INSTRUCTIONS_SHEET}”未填写填报单位时，以文件名开头的单位为填报单位"


def _disagreement(registry: RegionRegistry, file_name: str, named: str, declared: str) -> str:
    reason = (
        f"文件名“{visible(file_name)}”表明填报单位为“{named}”，“{contract.INSTRUCTIONS_SHEET}”中的填报单位却是“{declared}”；"
        "一个文件只能有一个填报单位，二者必须一致"
    )
    if _strictly_above(registry, declared, named):
        reason += f"（{named}的文件不能以上级单位{declared}的名义报送）"
    return reason + "，请改正后重新报送"


def _several_counties(file_name: str, counties: list[str]) -> str:
    where = (
        "请在文件名开头写明填报单位（如“新乐市-2026-10-企业名录.csv”）"
        if Path(file_name).suffix.lower() == ".csv"
        else f"请在“{contract.INSTRUCTIONS_SHEET}”表填写“填报单位”，或在文件名开头写明填报单位"
    )
    return f"文件中有多个县级单位的数据（{'、'.join(counties)}），无法确定填报单位；{where}，或按单位分别报送"


# --- what a file names -------------------------------------------------------------------------------

_LEAD = re.compile(r"[-_—－＿（(\s\d.]")


def unit_named_by_file(file_name: str) -> str | None:
    """The region a file name begins with: 新乐市-2026-10.xlsx, 新乐市2026年10月.xlsx, 新乐市工信局-2026-10.xlsx
    (the longest leading name of a region: a former name counts as its current unit), or None."""
    lead = _LEAD.split(Path(file_name).stem, maxsplit=1)[0]
    registry = load_regions()
    for end in range(len(lead), 1, -1):
        region = registry.lookup(lead[:end]).region
        if region is not None:
            return region.name
    return None


def declared_unit(instructions: pd.DataFrame | None) -> Declared | None:
    """The region a 填报说明 sheet names as 填报单位: the first non-empty cell right of the label, among
    the first 30 rows. A cell that names no region (the template's hint when the cell was left empty) is
    not a declaration."""
    if instructions is None:
        return None
    registry = load_regions()
    for i, values in enumerate(instructions.head(30).itertuples(index=False, name=None)):
        cells = [readers.clean(v) for v in values]
        for j, value in enumerate(cells):
            if value is not None and contract.normalise_header(value).rstrip(":：") in SUBMITTER_LABELS:
                named = next((c for c in cells[j + 1 :] if c is not None), None)
                region = registry.lookup(str(named)).region if named is not None else None
                if region is not None:
                    return Declared(region.name, i + 1, readers.cell_text(named) or "")
    return None
