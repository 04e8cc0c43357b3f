"""Deterministic synthetic monthly submissions (月调度报送) for demos, tests and benchmarks.

`generate_demo(out_dir, seed=0, size="small", until=None)` simulates a world of
enterprises, awards, finances, clusters and reported indicators for the
county-level units of the region registry (small: the 30 units of the plans'
places, 石家庄市's, 芦台经济开发区 and 西宁市's; province: all 212 of 河北省 and
青海省), then writes one submission per unit and month following the input
contract (docs: /work/shared/spec/workbook-contract.md, analysis.submissions.contract).
Same seed and same `until` give byte-identical files: the world is always
simulated to a fixed horizon (end of 2027, or of `until`'s year if later) and
only truncated when written, xlsx metadata carries the submission date, zip
entries carry a fixed timestamp.

Nothing is dated after today (`base.today()`, the system clock). A month's files
arrive in the next month (on time the 3rd–9th), so a month is complete once its
last day has passed and the 10th of the next month has come
(`base.last_complete_month`): without `until` the data end with that month, and
a later `until` is refused. A late file or a correction that has not arrived by
today (its date is today or later) is not written either (`DemoSummary.pending`);
for a month whose files have all arrived the output does not depend on today.

What the files look like (and why):

- `{unit}-{YYYY-MM}.xlsx`: one workbook per unit and month with the sheets
  填报说明 (填报期（年月） = the period, 报送类型, 填报日期), 企业名录 (the full
  register every month), 资质认定 (every award held or once held: awards
  accumulate, revocations show from the month they happen), 企业年度财务 (the
  two latest years whose figures are out: year Y from the April submission of
  Y+1), 集群名录, 集群月度 (the month's 1–N月累计 row; a unit's first written
  file back-fills from January of the previous year so that 同比 can be
  computed), 指标填报 and, for lagging units, 情况说明.
- CSV units (CSV_UNITS): one file per sheet, `{unit}-{YYYY-MM}-{sheet}.csv`,
  no 填报说明 (the period is in the file name); 深泽县 saves GBK (Excel's
  "CSV (逗号分隔)" on Chinese Windows), 井陉矿区 UTF-8 with BOM, 湟源县 plain UTF-8.
- Province files `河北省-{YYYY-MM}.xlsx` and `青海省-{YYYY-MM}.xlsx`: the
  provincial departments of industry report province-wide totals that no
  county register carries (专精特新中小企业, 专精特新“小巨人”企业 in effect;
  for 河北省 also flows and rates of the provincial plan) in 指标填报 with
  地区 = the province. 青海省's totals are derived from 西宁市's simulated
  stock so that 西宁市's shares sit near its 65% / 50% targets; 河北省's follow
  the province's own curve. Neither falls below what the province's simulated
  units hold (which matters at --size province).
- `石家庄市-{YYYY-MM}-目标分解.csv` and `河北省-{YYYY-MM}-目标分解.csv` (2023-02,
  2024-02, 2025-02): the targets the city issues its counties and the province its
  13 reporting units (11 cities, 定州市, 辛集市), whole numbers with a 文号
  (analysis.demo.allocations); in the small demo the province's table has rows
  only for the reporting units that have simulated units.
- Late submissions: 填报说明's 报送类型 is “逾期报送”, 填报日期 is after the
  10th of the following month (the deadline), and the file's mtime is that
  date (normal files: the 3rd–9th of the following month, Beijing time).
  Missing months: a few units skip a few months (no file at all).
- One correction: `新乐市-2023-06（更正）.xlsx` (the unit's 2023-06, or its
  first written month when 2023-06 is not written): a full resubmission with
  changed values (报送类型 “更正”, later mtime). The name sorts after the
  original in plain code-point order (“（” > “.”), which is the order
  analysis.store.ingest takes files in; `-更正` would sort before it.
- Flow indicators in 指标填报 (新增发明专利, 对接活动场次, …) are the month's
  own figure (备注 “当月数”); stocks (库内企业数, 全省有效期内企业数) and rates
  are the level at the end of the month.
- Units whose registry code is null (development zones) issue credit codes
  with the nearest ancestor's division code (芦台经济开发区: 唐山市 130200).

`--size province` simulates every county-level unit of the registry at the
plans' real magnitudes (about 40,000 enterprises and 55,000 award rows in a
month's files): the plans' 30 units exactly as in the small demo, every other
unit sized by its city and kind (市辖区 > 县级市 > 县 > 自治县) and a seeded
factor (analysis.demo.regions), its awards following the plans of its
province's base group (analysis.demo.plans.REST_INTENSITY) so that the
province's totals sit near the Hebei plan's figures and below the provinces'
reported totals. It writes only the latest month by default.

The generator's modules: base (settings, month indices, seeded generators), regions (the units and
their profiles), plans (the award plans), awards, finance, indicators and notes (how each plan's
story unfolds), world (`build_world`), writer (monthly sheets, CSV) and xlsx (the workbook writer);
this module schedules the files and writes them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from analysis.demo import base
from analysis.demo.allocations import write_allocations
from analysis.demo.base import (
    BEIJING,
    CORRECTION,
    CORRECTION_DELAY,
    CSV_UNITS,
    FIRST_MONTH,
    HORIZON_YEAR,
    LATE_DAYS,
    ON_TIME_DAYS,
    PROVINCE_REPORTERS,
    _mi,
    _period,
    _rng,
    _ym,
    last_complete_month,
    parse_month,
    submission_deadline,
)
from analysis.demo.regions import Unit
from analysis.demo.world import DemoWorld, build_world
from analysis.demo.writer import _Writer
from analysis.errors import UserError


@dataclass
class DemoSummary:
    """What `generate_demo` wrote."""

    out_dir: Path
    seed: int
    size: str
    first_period: str
    last_period: str
    files: list[Path] = field(default_factory=list)
    units: int = 0
    enterprises: int = 0  # distinct enterprises in the written registers
    awards: int = 0  # distinct award rows in the written files
    csv_files: int = 0
    gbk_files: list[Path] = field(default_factory=list)
    late: list[Path] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (unit, period) with no file
    corrections: list[Path] = field(default_factory=list)
    pending: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, period, 报送类型) not arrived by today
    as_of: date | None = None  # the day nothing written is dated after
    seconds: float = 0.0
    world: DemoWorld | None = None

    def text(self) -> str:
        """A one-paragraph Chinese summary for the command line."""
        return (
            f"已生成演示报送数据：{len(self.files)} 个文件"
            f"（其中 CSV {self.csv_files} 个，GBK 编码 {len(self.gbk_files)} 个），"
            f"{self.units} 个县级单位及 2 个省级报送单位，填报期 {self.first_period} 至 {self.last_period}；"
            f"企业 {self.enterprises:,} 家，资质认定 {self.awards:,} 条；逾期报送 {len(self.late)} 份，"
            f"缺报 {len(self.missing)} 个单位月份，更正 {len(self.corrections)} 份"
            + (f"；截至 {self.as_of:%Y-%m-%d} 尚未送达 {len(self.pending)} 份" if self.pending and self.as_of else "")
            + f"；用时 {self.seconds:.1f} 秒。\n"
            f"输出目录：{self.out_dir}"
        )


def _schedule_files(seed: int, units: list[Unit], all_months: list[int]):
    """Per (unit, mi): submission datetime and 报送类型; and the (unit, mi) that are never sent.

    Drawn over the whole horizon so that a shorter run gives the same calendar for its months.
    """
    rng = _rng(seed, "calendar")
    missing: set[tuple[str, int]] = set()
    candidates = [u for u in units if u.name not in ("新乐市",) and u.name not in CSV_UNITS]
    order = rng.permutation(len(candidates))
    for j in order[: max(4, len(candidates) // 7)]:  # 4 of the plans' 26 units; one in seven of the province's
        u = candidates[j]
        k = int(rng.integers(1, 4))
        inner = [mi for mi in all_months[1:-1]]
        for mi in rng.choice(inner, k, replace=False) if len(inner) >= k else []:
            missing.add((u.name, int(mi)))
    info = {}
    for u in [*units, *[Unit(-1 - i, p, None, "", "province", p, 1.0, 0.0) for i, p in enumerate(PROVINCE_REPORTERS)]]:
        r = _rng(seed, "when", u.name)
        days = r.integers(*ON_TIME_DAYS, len(all_months))
        hours = r.integers(9, 18, len(all_months))
        mins = r.integers(0, 60, len(all_months))
        late = r.random(len(all_months)) < (0.03 if u.group != "province" else 0.0)
        late_days = r.integers(*LATE_DAYS, len(all_months))
        for k, mi in enumerate(all_months):
            y, m = _ym(mi + 1)
            day = int(late_days[k]) if late[k] else int(days[k])
            when = datetime(y, m, 1, int(hours[k]), int(mins[k]), tzinfo=BEIJING) + timedelta(days=day - 1)
            info[(u.name, mi)] = (when, "逾期报送" if late[k] else "正常报送")
    return info, missing


def generate_demo(
    out_dir: str | os.PathLike,
    seed: int = 0,
    size: str = "small",
    until: str | None = None,
    months: int | None = None,
    progress: bool = False,
) -> DemoSummary:
    """Write the demo submissions into `out_dir`; see the module docstring."""
    t0 = time.perf_counter()
    today = base.today()
    last = _last_month(until, today)
    first_all = _mi(*FIRST_MONTH)
    if last < first_all:
        raise UserError(f"截止年月不能早于 {_period(first_all)}")
    if months is None:
        months = 1 if size == "province" else None
    first = first_all if months is None else max(first_all, last - months + 1)
    world = build_world(seed, size, last)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written_months = list(range(first, last + 1))
    horizon = max(HORIZON_YEAR, _ym(last)[0])
    info, missing = _schedule_files(seed, world.units, list(range(first_all, _mi(horizon, 12) + 1)))
    corr_unit, corr_period = CORRECTION
    corr_mi = parse_month(corr_period)
    if corr_mi not in written_months:
        corr_mi = written_months[0]
    pending = _pending(info, written_months, missing, (corr_unit, corr_mi), today)
    jobs = _jobs(
        world.units,
        written_months,
        missing | {(u, mi) for u, mi, kind in pending if kind != "更正"},
        (corr_unit, corr_mi) if (corr_unit, corr_mi, "更正") not in pending else None,
    )
    writer = _Writer(world, out, info, (corr_unit, corr_mi))
    summary = DemoSummary(
        out,
        seed,
        size,
        _period(first),
        _period(last),
        units=len(world.units),
        world=world,
        as_of=today,
        pending=[(u, _period(mi), kind) for u, mi, kind in pending],
    )
    _write_all(writer, jobs, info, summary, progress)
    # the city's issued targets predate a short demo window: every issue up to the last month is written
    summary.files += write_allocations(world, out, [_period(mi) for mi in range(first_all, last + 1)])
    summary.missing = sorted((u, _period(mi)) for u, mi in missing if mi in written_months)
    summary.csv_files = sum(p.suffix == ".csv" for p in summary.files)
    summary.gbk_files = [
        p for p in summary.files if p.suffix == ".csv" and CSV_UNITS.get(p.name.split("-")[0]) == "gbk"
    ]
    summary.seconds = time.perf_counter() - t0
    return summary


def _last_month(until: str | None, today: date) -> int:
    """The last month to write: `until`, or the latest month complete today; a later `until` is refused."""
    complete = last_complete_month(today)
    if not until:
        return complete
    last = parse_month(until)
    if last > complete:
        raise UserError(
            f"截止年月 {_period(last)} 的报送尚未完成（报送截止日 {submission_deadline(last):%Y-%m-%d}，"
            f"今天是 {today:%Y-%m-%d}），演示数据最晚只能到 {_period(complete)}"
        )
    return last


def _pending(
    info: dict, written_months: list[int], missing: set, correction: tuple[str, int], today: date
) -> list[tuple]:
    """(unit, mi, 报送类型) of the files of the written months that have not arrived by today: late files
    and the correction whose date is today or later (so that no written date or mtime lies ahead)."""
    months = set(written_months)
    out = [
        (u, mi, kind)
        for (u, mi), (when, kind) in info.items()
        if mi in months and (u, mi) not in missing and when.date() >= today
    ]
    when, _ = info[correction]
    if (when + CORRECTION_DELAY).date() >= today:
        out.append((*correction, "更正"))
    return sorted(out, key=lambda x: (x[1], x[0], x[2]))


def _jobs(units: list[Unit], written_months: list[int], skip: set, correction: tuple[str, int] | None) -> list[tuple]:
    """(unit, mi, backfill, correction) per file: units in order, the correction right after its original,
    then the province reporters. `skip`: (unit, mi) without a file (never sent, or not arrived yet);
    `correction`: None when it has not arrived yet."""
    corr_unit, corr_mi = correction or (None, None)
    jobs = []
    for u in units:
        first_written = None
        for mi in written_months:
            if (u.name, mi) in skip:
                continue
            first_written = mi if first_written is None else first_written
            jobs.append((u.name, mi, first_written == mi, False))
            if u.name == corr_unit and mi == corr_mi:
                jobs.append((u.name, mi, first_written == mi, True))
    for p in PROVINCE_REPORTERS:
        jobs += [(p, mi, False, False) for mi in written_months if (p, mi) not in skip]
    return jobs


def _write_all(writer: _Writer, jobs: list[tuple], info: dict, summary: DemoSummary, progress: bool) -> None:
    """Write every job, recording files, late files, corrections and the distinct enterprises and awards."""
    ents, award_ids = set(), set()
    iterator: Iterable[tuple] = jobs
    if progress:
        try:
            from tqdm import tqdm

            # disable=None: a bar only when stderr is a terminal (not in a log file, a pipe or a notebook)
            iterator = tqdm(jobs, desc="写入", unit="份", leave=False, disable=None)
        except ImportError:  # pragma: no cover
            pass
    for unit, mi, backfill, correction in iterator:
        paths_, e_ids, a_ids = writer.write(unit, mi, backfill, correction)
        summary.files += paths_
        ents.update(e_ids)
        award_ids.update(a_ids)
        kind = info[(unit, mi)][1]
        if correction:
            summary.corrections += paths_
        elif kind == "逾期报送":
            summary.late += paths_
    summary.enterprises = len(ents)
    summary.awards = len(award_ids)
