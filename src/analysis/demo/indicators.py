"""Reported indicators (指标填报): each plan's rates, flows and stocks month by month, and the
province reporters' totals, shaped so that every plan tells its story."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import paths
from analysis.demo.base import FIRST_MONTH, _day, _mi, _month_end, _rng, _ym
from analysis.demo.finance import SEASON
from analysis.demo.regions import Unit
from analysis.yamlio import load_yaml

PERCENT_TEXT_UNITS = {"灵寿县"}  # rates written as text with a % sign
# the stocks the provinces report themselves: (indicator, award type)
PROVINCE_TOTALS = (("专精特新中小企业", "专精特新中小企业"), ("专精特新“小巨人”企业", "专精特新小巨人"))

# rate indicators of the Shijiazhuang plan (and Hebei's): (name, start mean, start sd, yearly rise, cap)
RATES = [
    ("数字化研发设计工具普及率", 71.0, 3.5, 2.2, 92.0),
    ("经营管理数字化普及率", 74.0, 3.5, 2.0, 93.0),
    ("工业云平台普及率", 44.0, 5.0, 4.0, 85.0),
    ("工业电子商务应用率", 63.0, 4.5, 3.4, 90.0),
    ("工业诊断服务覆盖率", 58.0, 12.0, 24.0, 100.0),
]
# flows: (name, yearly group total, months in which they happen (None: any))
SJZ_FLOWS = [
    ("新增发明专利", 100, None),
    ("对接活动场次", 10, None),
    ("开展节能诊断企业", 20, None),
    ("工业设计赋能新产品", 10, None),
    ("开展品牌提升企业", 10, None),
    ("新增主导或参与制修订标准", 6, None),
    ("申报首台(套)重大技术装备评定企业", 5, (4, 5, 9, 10)),
    ("选派科技特派服务团", 2, (3,)),
    ("选派科技特派员", 100, (3, 4)),
]
XINLE_FLOWS = [  # yearly totals; 2023 pinned to straddle the plan
    ("中小企业服务活动场次", 6, 6),
    ("中小企业服务企业家次", 110, 92),
    ("建立和完善质量管理体系企业", 1, 1),
    ("加强全面质量管理企业", 2, 1),
    ("省级以上科技创新平台", 1, 1),
    ("产业技术创新战略联盟", 1, 0),
]


_IND_UNITS: dict[str, str] | None = None


def indicator_unit(name: str) -> str:
    """The unit (单位) of an indicator in the indicator catalog."""
    global _IND_UNITS
    if _IND_UNITS is None:
        _IND_UNITS = {n["name"]: str(n.get("unit") or "") for n in load_yaml(paths.INDICATORS_FILE)["indicators"]}
    return _IND_UNITS.get(name, "")


def _indicators(seed: int, units: list[Unit], horizon: int, awards: pd.DataFrame) -> pd.DataFrame:
    """Every reported indicator row: (reporter, mi, 地区, 指标, 数值, 单位, 备注)."""
    months = np.arange(_mi(*FIRST_MONTH), _mi(horizon, 12) + 1)
    t = (months - months[0]) / 12.0
    rows = []

    def add(reporter, region, mi, name, value, note=""):
        rows.append((reporter, int(mi), region, name, value, indicator_unit(name), note))

    sjz = [u for u in units if u.group == "sjz"]
    sjz_total = sum(u.strength for u in sjz)
    for u in units:
        rng = _rng(seed, "ind", u.index)
        if u.group in ("sjz", "hebei"):  # 河北省's other units report like a 石家庄 unit of their strength
            rel = u.strength / (sjz_total / len(sjz)) if sjz else 1.0
            share = u.strength / sjz_total if sjz else 1 / 22
            _rates(add, rng, u, months, t, rel)
            _flows(add, rng, u, months, share)
        if u.name == "新乐市":
            _xinle(add, rng, u, horizon)
        if u.group == "lutai":
            _lutai(add, rng, u, months, t)
        if u.group == "xining":
            _xining(add, rng, u, months)
        if u.group == "qinghai":
            for mi in months:
                add(u.name, u.name, mi, "新增发明专利", int(rng.poisson(2.0 * u.strength)), "当月数")
    hebei = [u.name for u in units if u.province == "河北省"]
    _hebei(
        add,
        _rng(seed, "province"),
        months,
        t,
        {name: _held(awards, hebei, atype, months) for name, atype in PROVINCE_TOTALS},
    )
    _qinghai(add, units, awards, months, t)
    return pd.DataFrame(rows, columns=["unit", "mi", "地区", "指标", "数值", "单位", "备注"])


def _rates(add, rng: np.random.Generator, u: Unit, months: np.ndarray, t: np.ndarray, rel: float) -> None:
    """The plan's rates of a Shijiazhuang unit: rising from a start level, capped (诊断覆盖率 never falls)."""
    for name, mean, sd, rise, cap in RATES:
        r0 = rng.normal(mean + 1.2 * (min(rel, 2) - 1), sd)
        slope = max(0.2, rng.normal(rise, rise * 0.3))
        vals = np.minimum(cap, r0 + slope * t + rng.normal(0, 0.25, len(t)))
        vals = np.round(np.maximum.accumulate(vals) if name == "工业诊断服务覆盖率" else vals, 1)
        for mi, v in zip(months, vals, strict=True):
            add(u.name, u.name, mi, name, f"{v:.1f}%" if u.name in PERCENT_TEXT_UNITS else float(v))


def _flows(add, rng: np.random.Generator, u: Unit, months: np.ndarray, share: float) -> None:
    """The plan's monthly flows of a Shijiazhuang unit (its share of the group's totals) and its listing pool."""
    for name, total, when in SJZ_FLOWS:
        for mi in months:
            y, m = _ym(mi)
            if when is not None and m not in when:
                continue
            lam = total * share * max(0.2, 1 + u.trend * (y - 2022)) / (12 if when is None else len(when))
            add(u.name, u.name, mi, name, int(rng.poisson(lam)), "当月数")
    pool = max(1, int(round(50 * share * rng.uniform(0.7, 1.3))))
    for mi in months:
        y, m = _ym(mi)
        pool_now = pool + int((mi - months[0]) // 6 * rng.uniform(0, 0.6))
        if m in (3, 6, 9, 12):
            add(u.name, u.name, mi, "上市培育库入库企业", pool_now, "库内企业数")


def _xinle(add, rng: np.random.Generator, u: Unit, horizon: int) -> None:
    """新乐市's own flows: yearly totals (2023 pinned) spread over the season."""
    for name, yearly, pinned in XINLE_FLOWS:
        for y in range(2022, horizon + 1):
            n = pinned if y == 2023 else int(rng.poisson(yearly))
            per = rng.multinomial(n, SEASON / SEASON.sum()) if n else np.zeros(12, int)
            for m in range(12):
                add(u.name, u.name, _mi(y, m + 1), name, int(per[m]), "当月数")


def _lutai(add, rng: np.random.Generator, u: Unit, months: np.ndarray, t: np.ndarray) -> None:
    """芦台's plan: the high-tech share of value added and new invention patents."""
    r0, slope = 36.5, 3.3
    vals = np.round(np.minimum(70, r0 + slope * t + rng.normal(0, 0.4, len(t))), 1)
    for mi, v in zip(months, vals, strict=True):
        add(u.name, u.name, mi, "高新技术产业增加值占规上工业增加值比重", float(v), "1—本月累计")
    for mi in months:
        add(u.name, u.name, mi, "新增发明专利", int(rng.poisson(1.6)), "当月数")


def _xining(add, rng: np.random.Generator, u: Unit, months: np.ndarray) -> None:
    """Xining's units: recognised characteristic clusters (quarterly) and new invention patents."""
    recognised = {"城北区": _mi(2024, 12), "城东区": _mi(2025, 11)}.get(u.name)
    for mi in months:
        if mi % 3 == 2:
            add(
                u.name,
                u.name,
                mi,
                "中小企业特色产业集群",
                int(recognised is not None and mi >= recognised),
                "累计认定数",
            )
        add(u.name, u.name, mi, "新增发明专利", int(rng.poisson(2.0 * u.strength)), "当月数")


def _step(months: np.ndarray, points: list[tuple[int, int, float]]) -> np.ndarray:
    """Linear interpolation through (year, month, value) points."""
    return np.interp(months, [_mi(y, m) for y, m, _ in points], [v for _, _, v in points])


def _held(awards: pd.DataFrame, units: list[str], atype: str, months: np.ndarray) -> np.ndarray:
    """Distinct enterprises of `units` holding a valid award of the type at each month's end."""
    a = awards[(awards["资质类型"] == atype) & awards["unit"].isin(units)]
    grant, expiry, revoke = (a[c].to_numpy() for c in ("grant_day", "expiry_day", "revoke_day"))
    ent = a["ent"].to_numpy()
    out = np.zeros(len(months), dtype=np.int64)
    for k, mi in enumerate(months):
        d = _day(_month_end(mi))
        out[k] = len(np.unique(ent[(grant <= d) & (expiry >= d) & ~(revoke <= d)]))
    return out


def _hebei(add, rng: np.random.Generator, months: np.ndarray, t: np.ndarray, held: dict[str, np.ndarray]) -> None:
    """河北省's province-wide totals, flows and rates. The totals follow the province's own curve, never
    below what the simulated units hold (`held`: indicator -> distinct holders per month)."""
    hb_srdi = _step(
        months,
        [(2022, 1, 2650), (2022, 12, 3150), (2023, 12, 3620), (2024, 12, 4300), (2025, 12, 4870), (2027, 12, 5800)],
    )
    hb_lg = np.array(
        [
            175
            + sum(
                inc
                for (yy, inc) in ((2022, 68), (2023, 47), (2024, 95), (2025, 125), (2026, 80), (2027, 70))
                if mi >= _mi(yy, 7)
            )
            for mi in months
        ]
    )
    hb_rates = {
        "数字化研发设计工具普及率": (72.5, 1.9),
        "经营管理数字化普及率": (75.8, 1.6),
        "工业诊断服务覆盖率": (70, 18),
    }
    for k, mi in enumerate(months):
        y, m = _ym(mi)
        srdi = int(round(hb_srdi[k] / 10) * 10 + (rng.integers(-3, 4) if m in (3, 7, 11) else 0))
        add(
            "河北省",
            "河北省",
            mi,
            "专精特新中小企业",
            max(srdi, int(held["专精特新中小企业"][k])),
            "全省有效期内企业数",
        )
        add(
            "河北省",
            "河北省",
            mi,
            "专精特新“小巨人”企业",
            max(int(hb_lg[k]), int(held["专精特新“小巨人”企业"][k])),
            "全省有效期内企业数",
        )
        add("河北省", "河北省", mi, "新增发明专利", int(rng.normal(88, 12)), "当月数")
        add("河北省", "河北省", mi, "对接活动场次", int(rng.poisson(8.5)), "当月数")
        add("河北省", "河北省", mi, "认定首台(套)重大技术装备和核心零部件", int(rng.poisson(2.5)), "当月数")
        for name, (r0, rise) in hb_rates.items():
            add("河北省", "河北省", mi, name, float(round(min(100.0, r0 + rise * t[k]), 1)))


def _qinghai(add, units: list[Unit], awards: pd.DataFrame, months: np.ndarray, t: np.ndarray) -> None:
    """青海省's totals, derived from Xining's simulated stock so its shares sit near 65% / 50%, and
    above what all of the province's simulated units hold."""
    xn_units = [u.name for u in units if u.group == "xining"]
    qh_units = [u.name for u in units if u.province == "青海省"]
    held = {
        name: (_held(awards, xn_units, atype, months), _held(awards, qh_units, atype, months))
        for name, atype in PROVINCE_TOTALS
    }
    for k, mi in enumerate(months):
        share_srdi = 0.58 + 0.09 * min(1.0, t[k] / 4)
        share_lg = 0.44 + 0.08 * min(1.0, t[k] / 4)
        for name, share in (("专精特新中小企业", share_srdi), ("专精特新“小巨人”企业", share_lg)):
            xn, everyone = (int(x[k]) for x in held[name])
            add("青海省", "青海省", mi, name, int(max(everyone + 1, round(xn / share))), "全省有效期内企业数")
