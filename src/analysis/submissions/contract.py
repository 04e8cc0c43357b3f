"""The input workbook contract (docs/workbook-contract.md) as declarative data.

Each sheet lists its columns with aliases, whether the column is required, the
cell type and the rules; sheet-level rules (unique keys, column comparisons,
references to other sheets) are data too. The validator (validate.py) and the
template writer (template.py) both read this module, so the contract is stated
once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

# Cell types.
TEXT = "text"
CODE = "code"  # 统一社会信用代码: GB 32100 text, never a number
DATE = "date"
YEARMONTH = "yearmonth"  # normalised to 'YYYY-MM'
NUMBER = "number"
WHOLE = "whole"  # whole number
YESNO = "yesno"  # 是 / 否
ENUM = "enum"  # one of `choices`, or of a dynamic `domain`

TYPE_NAMES_ZH = {
    TEXT: "文本",
    CODE: "18位统一社会信用代码（文本）",
    DATE: "日期",
    YEARMONTH: "年月（YYYY-MM）",
    NUMBER: "数字",
    WHOLE: "整数",
    YESNO: "是/否",
    ENUM: "下拉选项",
}

# Dynamic domains an ENUM column draws from (resolved by the validator).
UNIT = "unit"  # a county-level unit of the region registry
REGION = "region"  # any region of the registry
AWARD_TYPE = "award_type"
AWARD_LEVEL = "award_level"  # depends on the row's 资质类型
INDICATOR = "indicator"
CLUSTER = "cluster"  # a cluster of 集群名录 (this submission or the store)
ENTERPRISE = "enterprise"  # an enterprise of 企业名录 (this submission or the store)

YES, NO = "是", "否"
AWARD_LEVELS = ("国家级", "省级", "市级")
CLUSTER_LEVELS = ("省级重点", "市级", "其他")
INDUSTRY_CODE = re.compile(r"^(?:[A-T]|[A-T]?\d{2,4})$")  # GB/T 4754: 门类 letter, 大/中/小类 digits


@dataclass(frozen=True)
class Column:
    name: str
    type: str = TEXT
    required: bool = False  # the column must be present and its cells non-empty
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # fixed values of an ENUM column
    domain: str | None = None  # dynamic values of an ENUM/CODE column
    nonnegative: bool = False
    pattern: re.Pattern | None = None
    pattern_hint: str = ""
    percent: bool = False  # may carry a % sign (checked against the indicator's unit)
    not_after_period: bool = False  # dates and year-months may not lie after the period
    help: str = ""  # one line for the template's instructions
    width: int = 14  # template column width

    def header_keys(self) -> frozenset[str]:
        return _header_keys(self.name, self.aliases)


@dataclass(frozen=True)
class Compare:
    """`left` must be <= `right` (both columns of the same row) when both are filled."""

    left: str
    right: str
    reason: str  # Chinese
    report_on: str  # the column the problem is reported on


@dataclass(frozen=True)
class Sheet:
    name: str
    description: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()  # columns whose combination must be unique
    compare: tuple[Compare, ...] = ()
    region_from: str = ""  # how the row's 地区 is derived: a column name

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


@cache
def _header_keys(name: str, aliases: tuple[str, ...]) -> frozenset[str]:
    """A column's header forms (asked for every header cell of every file: computed once per column)."""
    return frozenset(normalise_header(n) for n in (name, *aliases))


def normalise_header(text: object) -> str:
    """Forgiving header form: NFKC (full-width → half-width), no whitespace, no leading '*'."""
    if isinstance(text, str):
        return _normalised_text(text)
    return _normalised_text(str(text))


@lru_cache(maxsize=4096)
def _normalised_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s)
    return s.lstrip("*")


def normalise_sheet_name(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


CREDIT_CODE = Column(
    "统一社会信用代码",
    CODE,
    required=True,
    aliases=("信用代码", "社会信用代码"),
    domain=ENTERPRISE,
    help="18位，数字和大写字母（不含I、O、Z、S、V），请以文本格式录入",
    width=24,
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "企业名录",
        "每家企业一行",
        (
            Column(
                "统一社会信用代码",
                CODE,
                required=True,
                aliases=("信用代码", "社会信用代码"),
                help="18位，数字和大写字母（不含I、O、Z、S、V），本表内不得重复，请以文本格式录入",
                width=24,
            ),
            Column("企业名称", required=True, width=30),
            Column("所属地区", ENUM, required=True, domain=UNIT, help="县级单位名称或6位行政区划代码", width=20),
            Column("所属集群", ENUM, domain=CLUSTER, help="集群名录中的集群名称", width=24),
            Column(
                "行业代码",
                pattern=INDUSTRY_CODE,
                pattern_hint="GB/T 4754 行业代码（如 C、13、1711、C1711）",
                help="GB/T 4754 国民经济行业分类代码",
            ),
            Column("是否规上", YESNO, help="是/否", width=10),
        ),
        unique=("统一社会信用代码",),
        region_from="所属地区",
    ),
    Sheet(
        "资质认定",
        "企业获得（或曾获得）的每项资质一行",
        (
            CREDIT_CODE,
            Column("资质类型", ENUM, required=True, domain=AWARD_TYPE, width=22),
            Column("级别", ENUM, domain=AWARD_LEVEL, help="国家级/省级/市级；分级别的资质类型必填", width=10),
            Column("认定日期", DATE, required=True, not_after_period=True, help="不得晚于填报期最后一天"),
            Column("有效期至", DATE, help="不得早于认定日期；留空按资质类型的默认有效期计"),
            Column("撤销日期", DATE, help="不得早于认定日期"),
            Column("批次文号", width=24),
        ),
        compare=(
            Compare("认定日期", "有效期至", "有效期至早于认定日期", "有效期至"),
            Compare("认定日期", "撤销日期", "撤销日期早于认定日期", "撤销日期"),
        ),
        region_from="统一社会信用代码",
    ),
    Sheet(
        "企业年度财务",
        "每家企业每个年度一行",
        (
            CREDIT_CODE,
            Column(
                "年度",
                WHOLE,
                required=True,
                pattern=re.compile(r"^(19|20)\d{2}$"),
                pattern_hint="四位年份，如 2023",
                not_after_period=True,
                width=8,
            ),
            Column("营业收入(万元)", NUMBER, nonnegative=True, width=16),
            Column("主营业务收入(万元)", NUMBER, nonnegative=True, width=18),
            Column("研发费用(万元)", NUMBER, nonnegative=True, width=16),
            Column("职工人数", WHOLE, nonnegative=True, width=10),
            Column("研发人员数", WHOLE, nonnegative=True, help="不得多于职工人数", width=10),
            Column("大专以上学历人数", WHOLE, nonnegative=True, help="不得多于职工人数", width=16),
            Column("有效发明专利数", WHOLE, nonnegative=True, width=14),
        ),
        unique=("统一社会信用代码", "年度"),
        compare=(
            Compare("研发人员数", "职工人数", "研发人员数多于职工人数", "研发人员数"),
            Compare("大专以上学历人数", "职工人数", "大专以上学历人数多于职工人数", "大专以上学历人数"),
        ),
        region_from="统一社会信用代码",
    ),
    Sheet(
        "集群名录",
        "每个产业集群一行",
        (
            Column("集群名称", required=True, help="本表内不得重复", width=26),
            Column("所属地区", ENUM, required=True, domain=UNIT, help="县级单位名称或6位行政区划代码", width=20),
            Column("主导产业", width=20),
            Column("集群级别", ENUM, choices=CLUSTER_LEVELS, help="省级重点/市级/其他", width=12),
        ),
        unique=("集群名称",),
        region_from="所属地区",
    ),
    Sheet(
        "集群月度",
        "每个集群每月一行",
        (
            Column("集群名称", ENUM, required=True, domain=CLUSTER, help="集群名录中的集群名称", width=26),
            Column(
                "年月", YEARMONTH, required=True, not_after_period=True, help="如 2023-06，不得晚于填报期", width=10
            ),
            Column("本年累计营业收入(万元)", NUMBER, required=True, nonnegative=True, help="1月至本月累计", width=22),
            Column("企业数", WHOLE, nonnegative=True, width=10),
            Column("规上企业数", WHOLE, nonnegative=True, help="不得多于企业数", width=12),
        ),
        unique=("集群名称", "年月"),
        compare=(Compare("规上企业数", "企业数", "规上企业数多于企业数", "规上企业数"),),
        region_from="集群名称",
    ),
    Sheet(
        "指标填报",
        "企业明细无法汇总的指标，每个地区、月份、指标一行",
        (
            Column("地区", ENUM, required=True, domain=REGION, help="地区名称或6位行政区划代码", width=20),
            Column(
                "年月", YEARMONTH, required=True, not_after_period=True, help="如 2023-06，不得晚于填报期", width=10
            ),
            Column("指标", ENUM, required=True, domain=INDICATOR, help="指标目录中的指标名称", width=36),
            Column("数值", NUMBER, required=True, percent=True, help="只填数字；百分比填76或76%，不要填0.76", width=12),
            Column("单位", help="可留空；填写时须与指标目录一致", width=8),
            Column("备注", width=30),
        ),
        unique=("地区", "年月", "指标"),
        region_from="地区",
    ),
    Sheet(
        "情况说明",
        "本单位对某项指标本月进展的说明",
        (
            Column("地区", ENUM, required=True, domain=REGION, help="地区名称或6位行政区划代码", width=20),
            Column(
                "年月", YEARMONTH, required=True, not_after_period=True, help="如 2023-06，不得晚于填报期", width=10
            ),
            Column("指标", ENUM, required=True, domain=INDICATOR, help="指标目录中的指标名称", width=36),
            Column("进展情况", required=True, width=40),
            Column("存在问题", width=40),
            Column("下步措施", width=40),
        ),
        region_from="地区",
    ),
    Sheet(
        "目标分解",
        "上级下达给下级单位的目标任务，每个地区、指标、期限一行，由下达目标的单位报送",
        (
            Column("地区", ENUM, required=True, domain=REGION, help="承担目标的地区名称或6位行政区划代码", width=20),
            Column("指标", ENUM, required=True, domain=INDICATOR, help="指标目录中的指标名称", width=36),
            Column(
                "期限",
                WHOLE,
                required=True,
                pattern=re.compile(r"^20\d{2}$"),
                pattern_hint="填4位年份，如 2025",
                help="目标年份：到期年（如 2025）或每年目标的年度（如 2024）",
                width=10,
            ),
            Column(
                "目标值",
                NUMBER,
                required=True,
                nonnegative=True,
                percent=True,
                help="只填数字，单位与指标目录一致",
                width=12,
            ),
            Column(
                "目标类型",
                ENUM,
                choices=("存量", "新增"),
                help="存量（到期末达到）或新增（当年新增）；可留空：同一指标同一年份既有存量目标又有每年新增目标的，按存量",
                width=10,
            ),
            Column("下达文号", required=True, help="下达分解目标的文件文号，如 石工信〔2023〕5号", width=26),
            Column(
                "下达日期", DATE, required=True, not_after_period=True, help="如 2023-02-15，不得晚于填报期", width=12
            ),
            Column("责任单位", help="可留空", width=20),
        ),
        unique=("地区", "指标", "期限", "目标类型"),
        region_from="地区",
    ),
)

SHEETS_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}

# The instructions sheet: not data, but it carries the reporting period.
INSTRUCTIONS_SHEET = "填报说明"
PERIOD_LABEL = "填报期(年月)"
PERIOD_LABELS = frozenset(normalise_header(x) for x in (PERIOD_LABEL, "填报期", "报送期", "填报月份", "所属期"))
HEADER_SEARCH_ROWS = 10  # the header row is looked for among the first rows of a sheet


def sheet_for(name: object) -> Sheet | None:
    """The contract sheet a workbook sheet name denotes (forgiving on spaces and width)."""
    return SHEETS_BY_NAME.get(normalise_sheet_name(name))


def sheet_for_file_stem(stem: str) -> Sheet | None:
    """The sheet a CSV file holds, from its name: `企业名录`, `新乐市-2023-06-企业名录`, `企业名录-202306`.

    The name must contain exactly one sheet name (or end with one, when it contains several).
    """
    key = normalise_sheet_name(stem)
    matches = [s for s in SHEETS if s.name in key]
    if len(matches) > 1:
        matches = [s for s in matches if key.endswith(s.name)]
    return matches[0] if len(matches) == 1 else None


def match_header(sheet: Sheet, header: object) -> Column | None:
    key = normalise_header(header)
    return next((c for c in sheet.columns if key in c.header_keys()), None)
