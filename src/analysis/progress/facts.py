"""Tidy facts from the store for one reporting period, ready for counting.

Everything the progress engine counts comes from here, read once per period:
awards with their effective validity, enterprise finances, cluster revenue,
reported aggregate indicators, the units' own explanations, and the region
hierarchy flattened to (unit, jurisdiction) pairs for roll-ups.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.catalog.awards import load_award_types
from analysis.catalog.regions import load_regions
from analysis.catalog.targets import load_catalog
from analysis.store.history import Store

NEVER = pd.Timestamp("2262-04-11")  # the latest Timestamp: an award without expiry


class Facts:
    """The store's tables as of one period, each read from the store the first time it is asked for (a final
    term judged at its deadline needs the registers of that month, not its finances or notes).

    awards: code, unit, award, level, granted, valid_until, revoked
    finance: code, unit, year, revenue, main_revenue, rd, staff, rd_staff, tertiary, patents
    cluster_months: cluster, unit, month, ytd_revenue
    reported: region, month, indicator, value
    notes: region, month, indicator, progress, problems, next_steps
    enterprises: code, name, unit, cluster
    data_months: unit -> newest period the unit has submitted (<= period)
    """

    _READERS: dict = {}  # table name -> reader(store, period), filled below

    def __init__(self, store: Store | None, period: str, **tables):
        self.period = period  # 'YYYY-MM' the snapshot stands for
        self._store = store
        self._tables: dict = dict(tables)
        self.covered: pd.Index | None = None  # jurisdictions with register data (measures.covered fills it)
        self.by_award: dict | None = None  # award type -> its rows (measures.award_rows fills it)
        self.memo: dict = {}  # what measures derive once per snapshot (first grants per measure)

    def __getattr__(self, name: str):
        readers = type(self)._READERS
        if name not in readers:
            raise AttributeError(name)
        tables = self.__dict__["_tables"]
        if name not in tables:
            tables[name] = readers[name](self.__dict__["_store"], self.__dict__["period"])
        return tables[name]

    def __getstate__(self) -> dict:
        """A pickled snapshot (the batch's cache) holds every table and no store (a store's connections and
        engine do not pickle, and whoever loads it may not reach that store)."""
        for name in type(self)._READERS:
            getattr(self, name)
        return {**self.__dict__, "_store": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


@lru_cache(maxsize=1)
def jurisdiction_map() -> pd.DataFrame:
    """(unit, jurisdiction) for every registry region at or above each county-level unit."""
    regions = load_regions()
    rows = [(u.name, j) for u in regions.units() for j in [u.name, *(a.name for a in regions.ancestors(u.name))]]
    return pd.DataFrame(rows, columns=["unit", "jurisdiction"])


@lru_cache(maxsize=1)
def _unit_links() -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """jurisdiction_map as arrays: the units, where each unit's jurisdictions start and how many, and all of them."""
    jmap = jurisdiction_map()
    units = pd.Index(jmap["unit"].drop_duplicates())
    counts = jmap.groupby("unit", sort=False).size().reindex(units).to_numpy()
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return units, starts, counts, jmap["jurisdiction"].to_numpy()


def with_jurisdictions(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (with a `unit` column) with one row per jurisdiction its unit belongs to: exactly
    `frame.merge(jurisdiction_map(), on="unit")` (same rows, same order), without a hash join each time."""
    units, starts, counts, jurisdictions = _unit_links()
    where = units.get_indexer(pd.Index(frame["unit"]))
    keep = where >= 0
    frame, where = frame[keep], where[keep]
    repeat = counts[where]
    offsets = np.arange(repeat.sum()) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    out = frame.iloc[np.repeat(np.arange(len(frame)), repeat)].reset_index(drop=True)
    out["jurisdiction"] = jurisdictions[np.repeat(starts[where], repeat) + offsets]
    return out


def _effective_validity(awards: pd.DataFrame) -> pd.Series:
    """有效期至, else 认定日期 + the type's default validity − 1 day, else never."""
    years = awards["award"].map({n: t.default_validity_years for n, t in load_award_types().items()})
    default = pd.Series(NEVER, index=awards.index, dtype="datetime64[ns]")
    has_default = years.notna() & awards["granted"].notna()
    if has_default.any():
        granted = awards.loc[has_default, "granted"]
        # same day n years on (29 Feb → 1 Mar), minus one day; vectorised over the whole register
        later = pd.to_datetime(
            pd.DataFrame(
                {
                    "year": granted.dt.year + years[has_default].astype(int),
                    "month": granted.dt.month,
                    "day": granted.dt.day,
                }
            ),
            errors="coerce",
        )
        leap = later.isna()
        if leap.any():
            later[leap] = pd.to_datetime(
                pd.DataFrame(
                    {"year": granted[leap].dt.year + years[has_default][leap].astype(int), "month": 3, "day": 1}
                )
            )
        default.loc[has_default] = (later - pd.Timedelta(days=1)).astype("datetime64[ns]")
    return awards["valid_until"].fillna(default)


def _awards(store: Store, period: str) -> pd.DataFrame:
    raw = store.snapshot("资质认定", period, columns=AWARD_COLUMNS, provenance=False)
    frame = pd.DataFrame(
        {
            "code": raw["统一社会信用代码"].astype(str),
            "unit": raw["地区"],
            "award": raw["资质类型"],
            "level": raw.get("级别", pd.Series(pd.NA, index=raw.index)).astype("string"),
            "granted": pd.to_datetime(raw["认定日期"]),
            "valid_until": pd.to_datetime(raw.get("有效期至", pd.Series(pd.NaT, index=raw.index))),
            "revoked": pd.to_datetime(raw.get("撤销日期", pd.Series(pd.NaT, index=raw.index))),
        }
    )
    frame["valid_until"] = _effective_validity(frame)
    frame["revoked"] = frame["revoked"].fillna(NEVER)
    # an award with one level (专精特新小巨人: 国家级) may be sent with 级别 empty: it means that level
    single = {name: kind.single_level for name, kind in load_award_types().items() if kind.single_level}
    frame["level"] = frame["level"].fillna(frame["award"].map(single).astype("string"))
    return frame.reset_index(drop=True)


AWARD_COLUMNS = ("统一社会信用代码", "资质类型", "级别", "认定日期", "有效期至", "撤销日期")
_FINANCE_COLUMNS = {
    "统一社会信用代码": "code",
    "地区": "unit",
    "年度": "year",
    "营业收入(万元)": "revenue",
    "主营业务收入(万元)": "main_revenue",
    "研发费用(万元)": "rd",
    "职工人数": "staff",
    "研发人员数": "rd_staff",
    "大专以上学历人数": "tertiary",
    "有效发明专利数": "patents",
}


def _finance(store: Store, period: str) -> pd.DataFrame:
    """Every enterprise year any register gave up to the period, the latest submission's figures winning: a
    register lists its latest years only, and an earlier year it no longer lists has not gone away."""
    raw = store.snapshot("企业年度财务", period, latest_per="年度", columns=_FINANCE_COLUMNS, provenance=False)
    frame = pd.DataFrame({new: raw.get(old, pd.NA) for old, new in _FINANCE_COLUMNS.items()})
    frame["code"] = frame["code"].astype(str)
    for col in ("revenue", "main_revenue", "rd", "staff", "rd_staff", "tertiary", "patents"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    return frame


def _cluster_months(store: Store, period: str) -> pd.DataFrame:
    raw = store.snapshot("集群月度", period, provenance=False)
    return pd.DataFrame(
        {
            "cluster": raw["集群名称"],
            "unit": raw["地区"],
            "month": raw["年月"].astype(str).str[:7],
            "ytd_revenue": pd.to_numeric(raw["本年累计营业收入(万元)"], errors="coerce").astype("float64"),
        }
    )


def _indicator_ids(names: pd.Series) -> pd.Series:
    catalog = load_catalog()
    lookup = {name: (ind.id if (ind := catalog.indicator_by_name(name)) else None) for name in names.unique()}
    return names.map(lookup)


def _reported(store: Store, period: str) -> pd.DataFrame:
    raw = store.snapshot("指标填报", period, provenance=False)
    frame = pd.DataFrame(
        {
            "region": raw["地区"],
            "month": raw["年月"].astype(str).str[:7],
            "indicator": _indicator_ids(raw["指标"].astype(str)),
            "value": pd.to_numeric(raw["数值"], errors="coerce").astype("float64"),
        }
    )
    return frame.dropna(subset=["indicator", "value"]).reset_index(drop=True)


def _notes(store: Store, period: str) -> pd.DataFrame:
    raw = store.snapshot("情况说明", period, provenance=False)
    text = lambda col: raw[col].astype("string").fillna("") if col in raw else pd.Series("", index=raw.index)  # noqa: E731
    return pd.DataFrame(
        {
            "region": raw["地区"],
            "month": raw["年月"].astype(str).str[:7],
            "indicator": _indicator_ids(raw["指标"].astype(str)),
            "progress": text("进展情况"),
            "problems": text("存在问题"),
            "next_steps": text("下步措施"),
        }
    )


def _enterprises(store: Store, period: str) -> pd.DataFrame:
    raw = store.snapshot("企业名录", period, columns=("统一社会信用代码", "企业名称", "所属集群"), provenance=False)
    return pd.DataFrame(
        {
            "code": raw["统一社会信用代码"].astype(str),
            "name": raw["企业名称"],
            "unit": raw["地区"],
            "cluster": raw.get("所属集群", pd.NA),
        }
    )


def data_months(store: Store, period: str) -> pd.Series:
    """Unit -> the newest period it has submitted, up to `period`."""
    parts = store.parts()
    parts = parts[parts["period"] <= period]
    return parts.groupby("unit")["period"].max()


def _store_state(store: Store) -> tuple:
    """What identifies the store's contents (its files' size and time, or its write counter)."""
    return store.state()


_MEMO: dict = {}
_MEMO_SIZE = 8  # a run reads the as-of period and each final term's judging period


def load_facts(store: Store, period: str) -> Facts:
    """The store's picture of every unit as of `period` ('YYYY-MM').

    Remembered while the store's files are unchanged: one report asks for the same
    period several times (progress, new awards, explanations, trend lines).
    """
    key = (store.identity, _store_state(store), period)
    if key not in _MEMO:
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = _read_facts(store, period)
    return _MEMO[key]


def _read_facts(store: Store, period: str) -> Facts:
    return Facts(store, period)


Facts._READERS = {
    "awards": _awards,
    "finance": _finance,
    "cluster_months": _cluster_months,
    "reported": _reported,
    "notes": _notes,
    "enterprises": _enterprises,
    "data_months": data_months,
}
