"""情况说明: explanations that units write for lagging indicators, month by month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.demo.base import _mi, _rng, _ym
from analysis.demo.regions import Unit

PROBLEMS = {
    "award": [
        "后备企业储备不足，部分企业研发投入、知识产权等指标达不到认定条件",
        "企业对梯度培育政策了解不够，申报积极性不高",
        "受市场需求偏弱影响，部分企业营业收入下滑，不再符合申报条件",
        "部分企业财务核算不规范，研发费用归集不完整，影响申报",
        "本年度批次认定结果尚未公布，部分已申报企业未计入",
    ],
    "rate": [
        "中小企业数字化改造投入大、见效慢，改造意愿不强",
        "部分企业缺乏专业技术人员，数字化工具应用不充分",
        "服务商资源不足，诊断和改造服务覆盖面有限",
    ],
    "cluster": [
        "受原材料价格上涨和订单减少影响，部分骨干企业产值下降",
        "新建项目尚未达产，对集群营业收入的拉动作用尚未显现",
        "食品加工企业受季节性因素影响，上半年产销偏弱",
    ],
}
MEASURES = {
    "award": [
        "建立后备企业培育库，实行一企一策精准辅导",
        "组织专题政策宣讲和申报培训，逐企业开展申报辅导",
        "加强与省、市主管部门沟通，争取更多企业纳入推荐名单",
        "联合第三方服务机构帮助企业规范研发费用归集和知识产权管理",
    ],
    "rate": [
        "组织数字化转型诊断服务进企业，推广可复制的改造方案",
        "用好技改资金，支持企业上云用云和数字化工具应用",
        "开展数字化转型典型案例观摩交流活动",
    ],
    "cluster": [
        "落实领导包联帮扶机制，逐户解决骨干企业生产经营困难",
        "加快在建项目建设进度，推动早投产、早达效",
        "组织企业参加产需对接活动，帮助企业开拓市场",
    ],
}
# annual quotas the units were given (任务分解): group totals spread by planned share
QUOTAS: dict[str, tuple[str, dict[str, float]]] = {
    "专精特新中小企业": ("专精特新中小企业", {"sjz": 80, "lutai": 5, "xining": 12}),
    "专精特新“小巨人”企业": ("专精特新小巨人", {"sjz": 12, "lutai": 1.5, "xining": 2}),
    "高新技术企业": ("高新技术企业", {"sjz": 20, "lutai": 5, "xining": 35}),
    "创新型中小企业": ("创新型中小企业", {"sjz": 500}),
}
RATE_TARGETS = {
    "数字化研发设计工具普及率": (76, 78),
    "经营管理数字化普及率": (78, 80),
    "工业云平台普及率": (50, 60),
    "工业电子商务应用率": (70, 80),
    "工业诊断服务覆盖率": (100, 100),
}
FIRST_NOTE = _mi(2022, 9)  # the first month with 情况说明


def _notes(
    seed: int, units: list[Unit], horizon: int, awards: pd.DataFrame, ind: pd.DataFrame, cm: pd.DataFrame
) -> pd.DataFrame:
    """情况说明 rows for the months an indicator lags (from 2022-09); some lagging indicators stay unexplained."""
    rows = []
    by_group: dict[str, list[Unit]] = {}
    for u in units:
        by_group.setdefault(u.group, []).append(u)
    first = awards.groupby(["unit", "资质类型", "ent"])["grant_day"].min().reset_index()
    gd = pd.to_datetime(first["grant_day"], unit="D")
    first["mi"] = gd.dt.year * 12 + gd.dt.month - 1
    first_by = dict(tuple(first.groupby(["unit", "资质类型"], sort=False)))
    ind_by = dict(tuple(ind.groupby(["unit", "指标"], sort=False)))
    for u in units:
        members = by_group.get(u.group, [u])
        share = u.strength / sum(x.strength for x in members)
        checks = _award_checks(u, share, first_by)  # (indicator, kind, fn(mi) -> (progress text, lagging))
        if u.group in ("sjz", "hebei"):  # 河北省's other units report the same rates
            checks += _rate_checks(u, ind_by)
        if u.name == "新乐市":
            checks.append(_cluster_check(u, cm))
        rows += _note_rows(_rng(seed, "notes", u.index), u, checks, horizon)
    return pd.DataFrame(rows, columns=["unit", "mi", "地区", "指标", "进展情况", "存在问题", "下步措施"])


def _award_checks(u: Unit, share: float, first_by: dict) -> list:
    """Checks of the unit's award quotas: first-time grants this year against the pro-rata quota."""
    checks = []
    for label, (atype, quotas) in QUOTAS.items():
        if u.group not in quotas:
            continue
        quota = max(1.0, quotas[u.group] * share) if u.group != "lutai" else quotas[u.group]
        f = first_by.get((u.name, atype))
        f_mi = np.sort(f["mi"].to_numpy()) if f is not None else np.array([], dtype=np.int64)
        checks.append((label, "award", _award_check(f_mi, quota, label)))
    return checks


def _award_check(f_mi: np.ndarray, quota: float, label: str):
    """fn(mi) -> (progress text, lagging) of one award quota."""

    def fn(mi):
        y, m = _ym(mi)
        got = int(np.searchsorted(f_mi, mi, side="right") - np.searchsorted(f_mi, _mi(y, 1)))
        expected = quota * m / 12
        pct = got / max(1, round(quota)) * 100
        lag = got < expected * 0.75 and m >= 3
        gap = m / 12 * 100 - pct
        text = (
            f"截至{m}月底，本年新认定{label}{got}家，完成年度任务{max(1, round(quota))}家的{pct:.0f}%，"
            f"低于序时进度{gap:.0f}个百分点。"
        )
        return text, lag

    return fn


def _rate_checks(u: Unit, ind_by: dict) -> list:
    """Checks of the unit's rates against the plan's 2023 and 2025 targets."""
    checks = []
    for name, (t23, t25) in RATE_TARGETS.items():
        frame = ind_by.get((u.name, name))
        s = dict(zip(frame["mi"], frame["数值"], strict=True)) if frame is not None else {}
        checks.append((name, "rate", _rate_check(u, s, name, t23, t25)))
    return checks


def _rate_check(u: Unit, s: dict, name: str, t23: float, t25: float):
    """fn(mi) -> (progress text, lagging) of one rate: behind the path to its target by over a point."""

    def fn(mi):
        if mi not in s:
            return "", False
        v = float(str(s[mi]).rstrip("%"))
        target = t23 if mi <= _mi(2023, 12) else t25
        base_mi, end_mi = (_mi(2022, 1), _mi(2023, 12)) if mi <= _mi(2023, 12) else (_mi(2023, 12), _mi(2025, 12))
        expect = (
            70 + (target - 70) * min(1, (mi - base_mi) / (end_mi - base_mi))
            if name != "工业云平台普及率"
            else target - 8 * (1 - min(1, (mi - base_mi) / (end_mi - base_mi)))
        )
        lag = v < min(target, expect) - 1.0 and mi <= _mi(2025, 12)
        text = (
            f"截至{_ym(mi)[1]}月底，全{u.name[-1]}{name}为{v:.1f}%，"
            f"距{_ym(end_mi)[0]}年目标{target}%还差{target - v:.1f}个百分点。"
        )
        return text, lag

    return fn


def _cluster_check(u: Unit, cm: pd.DataFrame) -> tuple:
    """新乐市's 2023 cluster revenue growth against its 12% target."""
    c = cm[cm["unit"] == u.name].groupby("mi")["本年累计营业收入(万元)"].sum().to_dict()

    def fn(mi):
        y, m = _ym(mi)
        if mi - 12 not in c or y != 2023:
            return "", False
        g = (c[mi] / c[mi - 12] - 1) * 100
        text = (
            f"1—{m}月，全市县域特色产业集群累计实现营业收入{c[mi] / 10000:.2f}亿元，"
            f"同比增长{g:.1f}%，低于全年12%的目标。"
        )
        return text, g < 12

    return "县域特色产业集群营业收入增速", "cluster", fn


def _note_rows(rng: np.random.Generator, u: Unit, checks: list, horizon: int) -> list[tuple]:
    """One 情况说明 row per lagging month of each explained check; wording changes every quarter."""
    rows = []
    for label, kind, fn in checks:
        explains = rng.random() < 0.75  # some lagging indicators are deliberately left unexplained
        p_i, m_i = int(rng.integers(0, 99)), int(rng.integers(0, 99))
        if not explains:
            continue
        for mi in range(FIRST_NOTE, _mi(horizon, 12) + 1):
            text, lag = fn(mi)
            if not lag:
                continue
            probs, meas = PROBLEMS[kind], MEASURES[kind]
            k = (mi // 3) % 2  # wording changes every quarter
            rows.append(
                (
                    u.name,
                    mi,
                    u.name,
                    label,
                    text,
                    probs[(p_i + k) % len(probs)],
                    meas[(m_i + k) % len(meas)] + "；" + meas[(m_i + k + 1) % len(meas)] + "。",
                )
            )
    return rows
