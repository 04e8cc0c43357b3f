"""The target catalog: plans, the indicator registry and every quantified target.

Loading validates each YAML file against the schema below and raises a
`DataFileError` naming file, target and field; `check_quotes` proves every quote
occurs verbatim in its plan's text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.errors import DataFileError, UserError
from analysis.yamlio import load_yaml

# Kinds compared against actuals in progress tables.
PROGRESS_KINDS = ("stock", "annual", "in-year", "cumulative", "ratio", "rate", "growth", "share", "pool")
# Kinds kept for screening candidates and estimating payouts only.
OTHER_KINDS = ("threshold", "incentive")
KINDS = PROGRESS_KINDS + OTHER_KINDS
PERIODS = ("2023", "2025", "annual")  # the five plans' periods; a successor plan may name any year
COMPARISONS = ("≥", ">", "≈", "≤", "=", "between")
PLAN_LEVELS = ("province", "city", "county", "development zone")

KIND_NAMES_ZH = {
    "stock": "存量",
    "annual": "每年新增",
    "in-year": "年内新增",
    "cumulative": "累计培育",
    "ratio": "比率",
    "rate": "普及率/覆盖率",
    "growth": "增速",
    "share": "占比",
    "pool": "培育库",
    "threshold": "认定条件",
    "incentive": "奖补标准",
}
PERIOD_NAMES_ZH = {"2023": "2023年", "2025": "2025年", "annual": "每年"}


def period_label(period: str) -> str:
    """A target's period in progress tables and charts: 2025年, or 年度 for this year's 每年 target."""
    return "年度" if period == "annual" else f"{period}年"


# field -> (accepted types, required)
_TARGET_SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "id": ((str,), True),
    "indicator": ((str,), True),
    "kind": ((str,), True),
    "period": ((str,), True),
    "low": ((int, float), True),
    "high": ((int, float, type(None)), False),
    "comparison": ((str,), True),
    "unit": ((str,), True),
    "aspirational": ((bool,), True),
    "quote": ((str,), True),
    "jurisdiction": ((str,), False),
    "measure": ((dict,), False),
    "note": ((str,), False),
    "rung": ((str,), False),
    "condition": ((dict,), False),
    "share_of": ((str,), False),
    "basis": ((str,), False),
    "payer": ((str,), False),
    "funding": ((dict,), False),
    "cap": ((int, float), False),
    "cap_unit": ((str,), False),
    "stretch_aspirational": ((bool,), False),
    "baseline": ((dt.date, str), False),
    "responsible": ((str,), False),  # a department the plan names as doing the task itself: never split to units
}
_PLAN_META_REQUIRED = ("id", "title", "issuer", "jurisdiction", "level", "source_file", "baseline_date", "horizon")


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str
    measure: dict
    aliases: tuple[str, ...] = ()
    wording: dict = field(default_factory=dict, compare=False, hash=False)  # how sentences write it (indicators.yml)


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    issuer: str
    doc_number: str | None
    date: dt.date | None
    jurisdiction: str
    level: str
    baseline_date: dt.date
    horizon: int
    source_file: str
    text_path: Path
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def end(self) -> dt.date:
        """The plan's last day in force: `valid_until` when its metadata (or an extension) names one, else 31 Dec
        of the horizon."""
        return _as_date(self.meta.get("valid_until")) or dt.date(self.horizon, 12, 31)

    @property
    def annual_years(self) -> list[int]:
        """The calendar years a 每年 target counts for: `annual_from` when the metadata names it, else the
        baseline year when the plan starts in its first half (a plan of 2022-08 counts from 2023), to the end year."""
        first = self.meta.get("annual_from")
        if first is None:
            first = self.baseline_date.year + (self.baseline_date.month > 6)
        return list(range(int(first), self.end.year + 1))


@dataclass(frozen=True)
class Target:
    id: str
    plan: str
    jurisdiction: str
    indicator: str
    kind: str
    period: str
    low: float
    high: float | None
    comparison: str
    unit: str
    aspirational: bool
    quote: str
    source: str
    measure: dict = field(default_factory=dict, compare=False, hash=False)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_progress(self) -> bool:
        return self.kind in PROGRESS_KINDS


@dataclass
class Catalog:
    plans: dict[str, Plan]
    indicators: dict[str, Indicator]
    targets: list[Target]
    _lookup: dict[str, Indicator] | None = field(default=None, repr=False)

    def indicator_by_name(self, name: str) -> Indicator | None:
        """The indicator a canonical name, alias or id denotes (as units write it in 指标填报)."""
        if self._lookup is None:
            self._lookup = _indicator_lookup(self)
        return self._lookup.get(str(name).strip())

    def find_indicator(self, text: str) -> Indicator:
        """The indicator a name, alias, id or short name (专精特新小巨人, 科技型) identifies; a short name that
        fits several is refused listing them (专精特新 → 专精特新中小企业 or 专精特新“小巨人”企业)."""
        key = str(text).strip()
        found = self.indicator_by_name(key)
        if found is not None:
            return found
        plain = _plain_name(key)
        hits = [
            ind for ind in self.indicators.values() if any(plain in _plain_name(n) for n in (ind.name, *ind.aliases))
        ]
        if len(hits) == 1:
            return hits[0]
        if hits:
            shown = "、".join(ind.name for ind in hits[:8]) + ("等" if len(hits) > 8 else "")
            raise UserError(f"“{text}”可指多个指标：{shown}；请写全称")
        raise UserError(
            f"未知指标“{text}”：不在指标目录（data/indicators.yml）中；可用 python -m analysis targets 查看指标名称"
        )

    def progress_targets(self) -> list[Target]:
        return [t for t in self.targets if t.is_progress]

    def to_frame(self, targets: list[Target] | None = None) -> pd.DataFrame:
        rows = [_target_row(t, self) for t in (self.targets if targets is None else targets)]
        frame = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
        # keep 8 as 8 and 3.5 as 3.5 (a float column would print 8.0)
        for col in ("low", "high"):
            frame[col] = pd.Series([_plain_number(v) for v in frame[col]], dtype=object, index=frame.index)
        return frame


CATALOG_COLUMNS = [
    "id",
    "plan",
    "jurisdiction",
    "indicator",
    "indicator_name",
    "kind",
    "period",
    "low",
    "high",
    "comparison",
    "unit",
    "aspirational",
    "quote",
    "source",
    "note",
]


def _plain_number(value):
    if value is None or pd.isna(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _target_row(t: Target, catalog: Catalog) -> dict:
    return {
        "id": t.id,
        "plan": t.plan,
        "jurisdiction": t.jurisdiction,
        "indicator": t.indicator,
        "indicator_name": catalog.indicators[t.indicator].name,
        "kind": t.kind,
        "period": t.period,
        "low": t.low,
        "high": t.high,
        "comparison": t.comparison,
        "unit": t.unit,
        "aspirational": t.aspirational,
        "quote": t.quote,
        "source": t.source,
        "note": t.extra.get("note", ""),
    }


def _plain_name(text: str) -> str:
    """A name without quotation marks and spaces, for matching what analysts type (专精特新小巨人)."""
    return "".join(ch for ch in str(text) if ch not in "“”\"'‘’「」 　")


def _indicator_lookup(catalog: Catalog) -> dict[str, Indicator]:
    lookup = {}
    for ind in catalog.indicators.values():
        for key in (ind.id, ind.name, *ind.aliases):
            lookup[key] = ind
    return lookup


# --- loading ---------------------------------------------------------------


def load_indicators(path: Path = paths.INDICATORS_FILE) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {}
    seen_names: dict[str, str] = {}
    for i, node in enumerate(load_yaml(path).get("indicators") or [], start=1):
        where = f"{path.name} 第{i}个指标"
        for key in ("id", "name", "unit", "measure"):
            if not node.get(key):
                raise DataFileError(f"{where}缺少字段“{key}”")
        ind = Indicator(
            node["id"],
            node["name"],
            str(node["unit"]),
            dict(node["measure"]),
            tuple(node.get("aliases") or ()),
            dict(node.get("sentence") or {}),
        )
        if ind.id in out:
            raise DataFileError(f"{where}：指标代码“{ind.id}”重复")
        for name in (ind.name, *ind.aliases):
            if name in seen_names and seen_names[name] != ind.id:
                raise DataFileError(f"{where}：名称“{name}”同时属于指标“{seen_names[name]}”和“{ind.id}”")
            seen_names[name] = ind.id
        out[ind.id] = ind
    return out


def load_plan(meta_path: Path) -> Plan:
    meta = load_yaml(meta_path)
    missing = [k for k in _PLAN_META_REQUIRED if meta.get(k) in (None, "")]
    if missing:
        raise DataFileError(f"{meta_path.name}：缺少字段 {', '.join(missing)}")
    if meta["level"] not in PLAN_LEVELS:
        raise DataFileError(f"{meta_path.name}：level “{meta['level']}”无效，应为 {', '.join(PLAN_LEVELS)}")
    text_path = meta_path.parent / meta["source_file"]
    if not text_path.is_file():
        raise DataFileError(f"{meta_path.name}：原文文件 {meta['source_file']} 不存在")
    return Plan(
        id=meta["id"],
        title=meta["title"],
        issuer=meta["issuer"],
        doc_number=meta.get("doc_number"),
        date=_as_date(meta.get("date")),
        jurisdiction=meta["jurisdiction"],
        level=meta["level"],
        baseline_date=_date(meta["baseline_date"]),  # required: checked above
        horizon=int(meta["horizon"]),
        source_file=meta["source_file"],
        text_path=text_path,
        meta=meta,
    )


def _as_date(value) -> dt.date | None:
    return None if value is None else _date(value)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _check_target_fields(node: dict, where: str) -> None:
    unknown = sorted(set(node) - set(_TARGET_SCHEMA))
    if unknown:
        raise DataFileError(f"{where}：未知字段 {', '.join(unknown)}")
    for name, (types, required) in _TARGET_SCHEMA.items():
        if name not in node:
            if required:
                raise DataFileError(f"{where}：缺少必填字段“{name}”")
            continue
        value = node[name]
        # bool is an int subclass: a True in `low` is a typo, not a number
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise DataFileError(f"{where}：字段“{name}”的值 {value!r} 类型不对")


def _check_target_values(t: Target, node: dict, where: str, indicators: dict, regions) -> None:
    checks = [
        (t.kind in KINDS, f"kind “{t.kind}”无效，应为 {', '.join(KINDS)}"),
        (
            t.period == "annual" or (t.period.isdigit() and len(t.period) == 4),
            f"period “{t.period}”无效，应为年份（如 {', '.join(PERIODS[:2])}）或 annual",
        ),
        (t.comparison in COMPARISONS, f"comparison “{t.comparison}”无效，应为 {' '.join(COMPARISONS)}"),
        (t.indicator in indicators, f"未知指标“{t.indicator}”（不在 data/indicators.yml 中）"),
        (regions.resolve(t.jurisdiction) is not None, f"未知地区“{t.jurisdiction}”"),
        (t.high is None or t.high >= t.low, f"high {t.high} 小于 low {t.low}"),
        (t.kind != "threshold" or bool(node.get("rung")), "认定条件（threshold）须写明 rung（对应的资质）"),
        (
            t.kind != "share" or regions.resolve(node.get("share_of", "")) is not None,
            "占比（share）须写明已知的 share_of 上级地区",
        ),
        (t.comparison != "between" or t.high is not None, "区间（between）须同时给出 low 和 high"),
    ]
    for ok, message in checks:
        if not ok:
            raise DataFileError(f"{where}：{message}")


def load_targets_file(path: Path, plans: dict[str, Plan], indicators: dict[str, Indicator]) -> list[Target]:
    data = load_yaml(path)
    plan_id = data.get("plan")
    if plan_id not in plans:
        raise DataFileError(f"{path.name}：plan “{plan_id}”没有对应的 data/policies/{plan_id}.meta.yml")
    regions = load_regions()
    out = []
    for i, node in enumerate(data.get("targets") or [], start=1):
        where = f"{path.name} 第{i}条目标（{node.get('id', '无 id')}）"
        if not isinstance(node, dict):
            raise DataFileError(f"{where}：应为映射")
        _check_target_fields(node, where)
        jurisdiction = node.get("jurisdiction", data.get("jurisdiction"))
        indicator = indicators.get(node["indicator"])
        measure = {**(indicator.measure if indicator else {}), **(node.get("measure") or {})}
        extra = {k: v for k, v in node.items() if k not in _CORE_FIELDS}
        t = Target(
            id=node["id"],
            plan=plan_id,
            jurisdiction=str(jurisdiction),
            indicator=node["indicator"],
            kind=node["kind"],
            period=str(node["period"]),
            low=node["low"],
            high=node.get("high"),
            comparison=node["comparison"],
            unit=str(node["unit"]),
            aspirational=node["aspirational"],
            quote=node["quote"],
            source=plans[plan_id].source_file,
            measure=measure,
            extra=extra,
        )
        _check_target_values(t, node, where, indicators, regions)
        out.append(t)
    return out


_CORE_FIELDS = {
    "id",
    "indicator",
    "kind",
    "period",
    "low",
    "high",
    "comparison",
    "unit",
    "aspirational",
    "quote",
    "jurisdiction",
    "measure",
}


@lru_cache(maxsize=2)
def load_catalog(data_dir: Path = paths.DATA_DIR) -> Catalog:
    """Plans, indicators and targets, validated; ids unique across the catalog."""
    indicators = load_indicators(data_dir / "indicators.yml")
    plans = {p.id: p for p in (load_plan(f) for f in sorted((data_dir / "policies").glob("*.meta.yml")))}
    targets: list[Target] = []
    for path in sorted((data_dir / "targets").glob("*.yml")):
        targets.extend(load_targets_file(path, plans, indicators))
    seen: set[str] = set()
    for t in targets:
        if t.id in seen:
            raise DataFileError(f"目标 id “{t.id}”重复")
        seen.add(t.id)
    return Catalog(plans, indicators, targets)


def check_quotes(catalog: Catalog) -> list[str]:
    """Chinese descriptions of quotes not found verbatim in their plan's text (empty when all are)."""
    texts = {p.id: p.text_path.read_text(encoding="utf-8") for p in catalog.plans.values()}
    return [
        f"目标 {t.id} 的原文引文在 {t.source} 中找不到：{t.quote}"
        for t in catalog.targets
        if t.quote not in texts[t.plan]
    ]


def select(catalog: Catalog, plan: str | None = None, region: str | None = None, kinds=None) -> list[Target]:
    """Targets of a plan and/or of a region and the regions under it."""
    targets = catalog.targets
    if plan:
        if plan not in catalog.plans:
            known = "、".join(catalog.plans)
            raise UserError(f"未知方案“{plan}”，可选：{known}")
        targets = [t for t in targets if t.plan == plan]
    if region:
        regions = load_regions()
        wanted = regions.get(region).name
        targets = [
            t
            for t in targets
            if t.jurisdiction == wanted or wanted in {a.name for a in regions.ancestors(t.jurisdiction)}
        ]
    if kinds:
        targets = [t for t in targets if t.kind in kinds]
    return targets
