"""The simulated world: units, their enterprise registers and clusters, and every generated table
(awards, finance, cluster months, indicators, notes) to the horizon."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analysis.demo.awards import _allocate, _unit_awards
from analysis.demo.base import FIRST_MONTH, HORIZON_YEAR, _day, _rng, _ym
from analysis.demo.finance import _cluster_months, _finance
from analysis.demo.indicators import _indicators
from analysis.demo.notes import _notes
from analysis.demo.plans import AWARD_PLANS
from analysis.demo.regions import (
    CLUSTERS,
    DEFAULT_CLUSTERS,
    DEMO_PLACES,
    INDUSTRIES,
    TRADE_CHARS,
    XINING_CLUSTER_SUFFIX,
    Unit,
    _units,
    other_clusters,
)
from analysis.errors import UserError
from analysis.submissions import creditcode

REGISTER_MARGIN = 12  # enterprises a register holds beyond 1.35 times its longest award list


@dataclass
class DemoWorld:
    """Every generated table (all units, whole horizon); files are monthly cuts of it."""

    seed: int
    size: str
    units: list[Unit]
    enterprises: pd.DataFrame  # ent, unit, 统一社会信用代码, 企业名称, 所属集群, 行业代码, q, size, entry_day
    awards: pd.DataFrame  # ent, unit, 资质类型, 级别, grant_day, expiry_day, written_expiry, revoke_day, 批次文号
    finance: pd.DataFrame  # ent, unit, 年度 + the contract columns
    clusters: pd.DataFrame  # 集群名称, 所属地区, 主导产业, 集群级别
    cluster_months: pd.DataFrame  # 集群名称, unit, mi, 本年累计营业收入(万元)
    indicators: pd.DataFrame  # unit (reporter), mi, 地区, 指标, 数值, 单位, 备注
    notes: pd.DataFrame  # unit, mi, 地区, 指标, 进展情况, 存在问题, 下步措施

    def valid_at(self, award_type: str, when: date, units: list[str] | None = None, level: str | None = None) -> int:
        """Distinct enterprises holding a valid award of the type at `when` (the contract's rule)."""
        a = self.awards
        d = _day(when)
        m = (a["资质类型"] == award_type) & (a["grant_day"] <= d) & (a["expiry_day"] >= d)
        m &= ~(a["revoke_day"] <= d)
        if level:
            m &= a["级别"] == level
        if units is not None:
            m &= a["unit"].isin(units)
        return int(a.loc[m, "ent"].nunique())

    def first_granted(self, award_type: str, year: int, units: list[str] | None = None) -> int:
        """Enterprises first granted the type in `year`."""
        a = self.awards[self.awards["资质类型"] == award_type]
        if units is not None:
            a = a[a["unit"].isin(units)]
        first = a.groupby("ent")["grant_day"].min()
        lo, hi = _day(date(year, 1, 1)), _day(date(year, 12, 31))
        return int(((first >= lo) & (first <= hi)).sum())


def build_world(seed: int = 0, size: str = "small", until: int | None = None) -> DemoWorld:
    """Simulate the whole world to the horizon (deterministic in `seed`, `size` and the horizon).

    small: the plans' units (石家庄市's, 芦台经济开发区, 西宁市's); province: every county-level unit
    of the registry, the plans' units first and unchanged, the others sized by city and kind.
    """
    if size not in ("small", "province"):
        raise UserError(f"规模“{size}”无效，应为 small 或 province")
    horizon = max(HORIZON_YEAR, _ym(until)[0] if until is not None else HORIZON_YEAR)
    units = _units(seed, size)
    alloc = _allocate(seed, units, horizon)
    days = (_day(date(*FIRST_MONTH, 1)), _day(date(horizon, 12, 31)))  # first day, horizon day
    ent_frames, award_frames, cluster_rows = [], [], []
    code_rng = random.Random(seed * 1_000_003 + 17)
    taken: tuple[set[str], set[str]] = (set(), set())  # credit codes, names
    sizes = _register_sizes(alloc)
    for u in units:
        specs, cl_names, rows = _clusters(seed, u)
        cluster_rows += rows
        ent = _register(seed, u, specs, cl_names, sizes.get(u.index, REGISTER_MARGIN), days, code_rng, taken)
        ent_frames.append(ent)
        award_frames += _unit_awards(seed, u, alloc, ent, horizon, days[1])
    enterprises = pd.concat(ent_frames, ignore_index=True)
    enterprises.insert(0, "ent", np.arange(len(enterprises)))
    awards = _number_awards(award_frames, units, ent_frames)
    places = [u.name for u in units if u.group in DEMO_PLACES.values()]
    finance = _finance(seed, enterprises, horizon, ~enterprises["unit"].isin(places).to_numpy())
    clusters = pd.DataFrame(cluster_rows)
    cluster_months = _cluster_months(seed, clusters, enterprises, finance, units, horizon)
    indicators = _indicators(seed, units, horizon, awards)
    world = DemoWorld(
        seed,
        size,
        units,
        enterprises,
        awards,
        finance,
        clusters.drop(columns=["unit", "ind"]),
        cluster_months,
        indicators,
        pd.DataFrame(),
    )
    world.notes = _notes(world, cluster_months)  # notes follow the targets issued from the world's awards
    return world


def _clusters(seed: int, u: Unit) -> tuple[list, list[str], list[dict]]:
    """The unit's cluster specs, cluster names and 集群名录 rows (with helper columns unit, ind)."""
    specs = CLUSTERS.get(u.name, DEFAULT_CLUSTERS) if u.group in DEMO_PLACES.values() else other_clusters(seed, u)
    suffix = XINING_CLUSTER_SUFFIX if u.group == "xining" else "产业集群"
    cl_names = [f"{u.name}{part}{suffix}" for part, _, _ in specs]
    rows = [
        {
            "集群名称": cname,
            "所属地区": u.name,
            "主导产业": INDUSTRIES[ind][0],
            "集群级别": level,
            "unit": u.name,
            "ind": ind,
        }
        for (part, ind, level), cname in zip(specs, cl_names, strict=True)
    ]
    return specs, cl_names, rows


def _register_sizes(alloc: dict) -> dict[int, int]:
    """Unit index -> register size: a margin over the unit's largest award list."""
    need: dict[int, dict[str, int]] = {}
    for (ui, p_i, _year), per_batch in alloc.items():
        per_type = need.setdefault(ui, {})
        per_type[AWARD_PLANS[p_i].type] = per_type.get(AWARD_PLANS[p_i].type, 0) + int(per_batch.sum())
    return {
        ui: int(math.ceil(1.35 * max(per_type.values(), default=0) + REGISTER_MARGIN)) for ui, per_type in need.items()
    }


def _register(
    seed: int,
    u: Unit,
    specs: list,
    cl_names: list[str],
    n: int,
    days: tuple[int, int],
    code_rng: random.Random,
    taken: tuple[set[str], set[str]],
) -> pd.DataFrame:
    """The unit's n enterprises: quality q, size, entry day, cluster, industry code, name and credit code."""
    start_day, horizon_day = days
    rng = _rng(seed, "unit", u.index)
    q = rng.random(n)
    log_size = 8.0 + 1.2 * q + rng.normal(0, 0.9, n)  # ln(revenue 万元): median ~ 3,000–10,000
    late = rng.random(n) < 0.15
    entry = np.where(late, rng.integers(start_day + 31, horizon_day - 200, n), 0)
    cw = np.array([3.0] + [1.5] * (len(specs) - 1))
    cl_idx = rng.choice(len(specs), n, p=cw / cw.sum())
    no_cluster = rng.random(n) < 0.1
    ind_keys = [specs[i][1] for i in cl_idx]
    inds = np.array(
        [INDUSTRIES[k][1][j % len(INDUSTRIES[k][1])] for k, j in zip(ind_keys, rng.integers(0, 99, n), strict=True)]
    )
    names = _names(rng, u, ind_keys, taken[1])
    codes = _codes(code_rng, u.division, n, taken[0])
    return pd.DataFrame(
        {
            "unit": u.name,
            "统一社会信用代码": codes,
            "企业名称": names,
            "所属集群": _none_where(no_cluster, np.array(cl_names, dtype=object)[cl_idx]),
            "行业代码": inds,
            "q": q,
            "log_size": log_size,
            "entry_day": entry,
        }
    )


def _none_where(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` (an object array, a copy) with None where `mask` holds: np.where(mask, None, values)."""
    out = values.copy()
    out[mask] = None
    return out


def _codes(code_rng: random.Random, division: str, n: int, taken: set[str]) -> list[str]:
    """n credit codes of the division, unique across the whole world."""
    codes = []
    for _ in range(n):
        c = creditcode.generate(code_rng, division)
        while c in taken:
            c = creditcode.generate(code_rng, division)
        taken.add(c)
        codes.append(c)
    return codes


def _city_short(city: str) -> str:
    """A city's name as used inside enterprise names (承德市 -> 承德, 海西蒙古族藏族自治州 -> 海西)."""
    if city.endswith("自治州"):
        return city[:2]
    return city[:-1] if city.endswith("市") else city


def _short(unit: str) -> str:
    """The unit's name as used inside enterprise names (鹿泉区 -> 鹿泉, 大通回族土族自治县 -> 大通)."""
    if unit.endswith("自治县"):
        return unit[:2]
    if unit.endswith("经济开发区"):
        return unit[:-5]
    return unit[:-1] if len(unit) > 2 and unit[-1] in "市区县" else unit


def _names(rng: np.random.Generator, unit: Unit, ind_keys: list[str], taken: set[str]) -> list[str]:
    """地名 + 字号 + 行业 + 有限公司 names, unique across the whole world."""
    province_short = unit.province[:2] if unit.province else "河北"
    city_short = (
        {"sjz": "石家庄", "lutai": "唐山", "xining": "西宁"}.get(unit.group) or _city_short(unit.city) or province_short
    )
    short = _short(unit.short_name or unit.name)
    prefixes = [province_short, city_short, short]
    if unit.group == "xining":
        prefixes = ["青海", "西宁", "青海", short]
    if unit.name.endswith("市") and unit.group == "sjz":
        prefixes.append(unit.name)
    suffixes = ["有限公司"] * 14 + ["股份有限公司"] * 3 + ["有限责任公司"] * 3
    nc = len(TRADE_CHARS)
    out = []
    for key in ind_keys:
        words = INDUSTRIES[key][2]
        while True:
            a, b, p, w, x = rng.integers(0, 1 << 30, 5)
            if a % nc == b % nc:
                continue
            name = (
                f"{prefixes[p % len(prefixes)]}{TRADE_CHARS[a % nc]}{TRADE_CHARS[b % nc]}"
                f"{words[w % len(words)]}{suffixes[x % len(suffixes)]}"
            )
            if name not in taken:
                taken.add(name)
                out.append(name)
                break
    return out


def _number_awards(award_frames: list[pd.DataFrame], units: list[Unit], ent_frames: list[pd.DataFrame]) -> pd.DataFrame:
    """All award rows with global enterprise ids, ordered by unit, grant day, plan and enterprise."""
    offsets = {}
    pos = 0
    for u, frame in zip(units, ent_frames, strict=True):
        offsets[u.name] = pos
        pos += len(frame)
    awards = pd.concat(award_frames, ignore_index=True)
    awards["ent"] = awards["local"] + awards["unit"].map(offsets).astype(np.int64)
    return (
        awards.drop(columns="local")
        .sort_values(["unit", "grant_day", "type_order", "ent"], kind="stable")
        .reset_index(drop=True)
    )
