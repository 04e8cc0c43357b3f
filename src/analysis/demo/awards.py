"""Awards: how many first-time grants each unit gets per plan and year, which enterprises get
them, and the chains of renewals, expiries, revocations and 批次文号 that follow."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.demo.base import HIST_START, _day, _rng
from analysis.demo.plans import AWARD_PLANS, PINNED, REST_INTENSITY, VALIDITY, AwardPlan
from analysis.demo.regions import BASE_GROUP, Unit

NEVER = np.iinfo(np.int64).max  # "not yet" in first-grant arrays
FAR = NEVER // 2  # expiry / revocation day of awards that never expire / are never revoked


def _schedule(plan: AwardPlan, group: str, year: int, factor: float = 1.0) -> int:
    """A group's first-time grants of a plan in a year (the last scheduled year carries on); a
    province's other units (BASE_GROUP) follow their base group's schedule times `factor`."""
    sched = plan.schedule.get(BASE_GROUP.get(group, group))
    if not sched:
        return 0
    if year in sched:
        n = sched[year]
    elif year > max(sched):
        n = sched[max(sched)]
    else:
        n = 0
    return int(round(n * factor))


def rest_factor(plan: AwardPlan, group: str, groups: dict[str, list[Unit]]) -> float:
    """A province group's grants against its base group's: the plan's intensity per unit of strength
    (REST_INTENSITY) times the group's strength over the base group's; 0 for a city's own list."""
    base = BASE_GROUP[group]
    levels = plan.levels.get(base)
    if not levels or set(levels) == {"市级"}:
        return 0.0
    intensity = REST_INTENSITY.get(group, {}).get(plan.type, 0.0)
    base_strength = sum(u.strength for u in groups.get(base, [])) or 1.0
    return intensity * sum(u.strength for u in groups[group]) / base_strength


def _allocate(seed: int, units: list[Unit], horizon: int) -> dict[tuple[int, int, int], np.ndarray]:
    """(unit index, plan index, year) -> first-time grants per batch month (array over 1..12)."""
    out: dict[tuple[int, int, int], np.ndarray] = {}
    groups: dict[str, list[Unit]] = {}
    for u in units:
        groups.setdefault(u.group, []).append(u)
    for p_i, plan in enumerate(AWARD_PLANS):
        bw = np.zeros(12)
        for m, w in plan.batches.items():
            bw[m - 1] = w
        bw /= bw.sum()
        for group, members in groups.items():
            factor = rest_factor(plan, group, groups) if group in BASE_GROUP else 1.0
            if (group not in plan.levels and group not in BASE_GROUP) or not factor:
                continue
            rng = _rng(seed, "alloc", p_i, group)
            noise = rng.lognormal(0, 0.25, len(members))
            for year in range(HIST_START, horizon + 1):
                totals = _year_totals(rng, plan, group, members, noise, year, factor)
                for ui, n in totals.items():
                    if n:
                        out[(ui, p_i, year)] = rng.multinomial(n, bw)
    return out


def _year_totals(
    rng: np.random.Generator,
    plan: AwardPlan,
    group: str,
    members: list[Unit],
    noise: np.ndarray,
    year: int,
    factor: float = 1.0,
) -> dict[int, int]:
    """Unit index -> first-time grants of a plan in a year: the group's total spread by strength and trend."""
    total = _schedule(plan, group, year, factor)
    pinned = {u.index: PINNED[(u.name, plan.type, year)] for u in members if (u.name, plan.type, year) in PINNED}
    free = [u for u in members if u.index not in pinned]
    rest = max(0, total - sum(pinned.values()))
    w = np.array([u.strength * max(0.15, 1 + u.trend * (year - 2022)) for u in free])
    w = w * noise[[members.index(u) for u in free]]
    counts = rng.multinomial(rest, w / w.sum()) if free and rest else np.zeros(len(free), int)
    return {**pinned, **{u.index: int(c) for u, c in zip(free, counts, strict=True)}}


def _unit_awards(
    seed: int, u: Unit, alloc: dict, ent: pd.DataFrame, horizon: int, horizon_day: int
) -> list[pd.DataFrame]:
    """Award rows of one unit: per plan, first-time grants in chronological batches, then their chains."""
    q, log_size, entry = ent["q"].to_numpy(), ent["log_size"].to_numpy(), ent["entry_day"].to_numpy()
    n = len(ent)
    first_grant: dict[str, np.ndarray] = {}
    frames = []
    for p_i, plan in enumerate(AWARD_PLANS):
        score = (log_size - log_size.mean()) / (log_size.std() + 1e-9) / 3 + 0.5 if plan.by_size else q
        first_grant.setdefault(plan.type, np.full(n, NEVER, dtype=np.int64))
        grants = _first_grants(seed, u, p_i, plan, alloc, score, entry, first_grant, horizon)
        if grants is None:
            continue
        frame = _chains(seed, u, p_i, plan, *grants, horizon_day)
        # a province's other units share their base group's batch documents (one provincial list a batch)
        frame["批次文号"] = _doc_numbers(
            seed, p_i, plan, BASE_GROUP.get(u.group, u.group), frame["grant_day"].to_numpy()
        )
        frames.append(frame)
    return frames


def _first_grants(
    seed: int,
    u: Unit,
    p_i: int,
    plan: AwardPlan,
    alloc: dict,
    score: np.ndarray,
    entry: np.ndarray,
    first_grant: dict[str, np.ndarray],
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(enterprise, day, level) arrays of a plan's first-time grants; the best-scoring eligible
    enterprises (Gumbel noise on `plan.beta * score`) win each batch. Marks them in `first_grant`."""
    entered = first_grant[plan.type]
    n = len(entered)
    levels = plan.levels.get(u.group) or plan.levels.get(BASE_GROUP.get(u.group, "")) or {"": 1.0}
    lv_names, lv_w = list(levels), np.array(list(levels.values()))
    brng = _rng(seed, "batch", u.index, p_i)
    rows_e, rows_d, rows_lv = [], [], []
    for year in range(HIST_START, horizon + 1):
        per_batch = alloc.get((u.index, p_i, year))
        if per_batch is None:
            continue
        for m in range(1, 13):
            k = int(per_batch[m - 1])
            if not k:
                continue
            d = _batch_day(seed, p_i, year, m)
            ok = (entered == NEVER) & (entry <= d)
            if plan.prereq:
                ok &= first_grant.get(plan.prereq, np.full(n, NEVER)) <= d
            cand = np.flatnonzero(ok)
            if not len(cand):
                continue
            key = plan.beta * score[cand] + brng.gumbel(size=len(cand))
            chosen = cand[np.argsort(-key, kind="stable")[:k]]
            entered[chosen] = d
            rows_e.append(chosen)
            rows_d.append(np.full(len(chosen), d))
            rows_lv += list(
                np.array(lv_names, dtype=object)[brng.choice(len(lv_names), len(chosen), p=lv_w / lv_w.sum())]
            )
    if not rows_e:
        return None
    return np.concatenate(rows_e), np.concatenate(rows_d), np.array(rows_lv, dtype=object)


@lru_cache(maxsize=8192)
def _batch_day(seed: int, p_i: int, year: int, m: int) -> int:
    """The day (since 1970-01-01) of a plan's batch in a month: the same for every unit."""
    return _day(date(year, m, int(_rng(seed, "day", p_i, year, m).integers(5, 29))))


def _chains(
    seed, u: Unit, p_i: int, plan: AwardPlan, ent: np.ndarray, day: np.ndarray, lv: np.ndarray, horizon_day: int
) -> pd.DataFrame:
    """Award rows: first grants plus renewals of 3-year awards, expiries and revocations."""
    rng = _rng(seed, "chain", u.index, p_i)
    validity = VALIDITY.get(plan.type)
    es, ds, lvs = [ent], [day], [lv]
    if validity:
        cur_e, cur_d, cur_lv = ent, day, lv
        while len(cur_e):
            keep = rng.random(len(cur_e)) < plan.renew
            nd = _add_years(cur_d[keep], validity)
            inside = nd <= horizon_day
            cur_e, cur_d, cur_lv = cur_e[keep][inside], nd[inside], cur_lv[keep][inside]
            es.append(cur_e)
            ds.append(cur_d)
            lvs.append(cur_lv)
    e, d = np.concatenate(es), np.concatenate(ds)
    out = pd.DataFrame(
        {
            "local": e,
            "unit": u.name,
            "资质类型": plan.type,
            "级别": np.array([x or None for x in np.concatenate(lvs)], dtype=object),
            "grant_day": d,
        }
    )
    if validity:
        out["expiry_day"] = _add_years(d, validity) - 1
        out["written_expiry"] = rng.random(len(out)) < plan.explicit_expiry
    else:
        out["expiry_day"] = FAR
        out["written_expiry"] = False
    # revocations: a yearly hazard over the time the award runs (to its expiry or the horizon)
    end = np.minimum(out["expiry_day"].to_numpy(), horizon_day)
    years_run = np.maximum(end - d, 1) / 365.25
    revoked = rng.random(len(out)) < 1 - np.exp(-plan.hazard * years_run)
    when = d + (rng.random(len(out)) * (end - d)).astype(np.int64)
    out["revoke_day"] = np.where(revoked & (when > d + 30), when, FAR)
    if validity:  # a revoked award is not renewed: drop later rows of the same enterprise
        rv = out.loc[out["revoke_day"] < FAR, ["local", "revoke_day"]]
        first_rv = rv.groupby("local")["revoke_day"].min()
        cut = out["local"].map(first_rv)
        out = out[~(cut.notna() & (out["grant_day"] > cut))]
    out["type_order"] = p_i
    return out.reset_index(drop=True)


def _doc_numbers(seed: int, p_i: int, plan: AwardPlan, group: str, days: np.ndarray) -> list:
    """One 批次文号 per batch (type, group, year, month): every award of a batch shares it."""
    pattern = plan.doc.get(group, "")
    if not pattern:
        return [None] * len(days)
    dt = pd.to_datetime(days, unit="D")
    cache: dict[tuple[int, int], str] = {}
    out = []
    for y, m in zip(dt.year, dt.month, strict=True):
        if (y, m) not in cache:
            cache[(y, m)] = pattern.format(y=y, n=int(_rng(seed, "doc", p_i, group, y, m).integers(8, 260)))
        out.append(cache[(y, m)])
    return out


def _add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Days shifted by whole calendar years."""
    d = pd.to_datetime(days, unit="D")
    shifted = pd.DatetimeIndex(d) + pd.DateOffset(years=years)
    return ((shifted - pd.Timestamp("1970-01-01")).days).to_numpy().astype(np.int64)
