"""Progress for every target and unit of the province-size demo store, on SQLite and on PostgreSQL side by side,
and what verifying the store costs against a report's time.

    .venv/bin/python benchmarks/progress.py [--keep DIR] [--postgres URL | --no-postgres] [--no-render]

Builds the province-size demo (one month, every county-level unit of Hebei and Qinghai) and ingests it into an
SQLite store and into a PostgreSQL database (the server at --postgres, else a private one started for the run,
fsync on). Then times, in the same process, for each backend: reading the store's facts (the baseline: what any
computation must pay), compute_progress for every target and every jurisdiction with and without the previous
month (环比); a whole-store verification (paid by the first read after a change the reader did not make itself)
and the check a read pays while that verification is remembered; and one monthly report rendered (石家庄市,
every format), the time that verification is weighed against (goal: under 10%). Each time but the report's is
the median of three runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from analysis.demo.generate import generate_demo  # noqa: E402
from analysis.progress import facts as facts_module  # noqa: E402
from analysis.progress.engine import compute_progress  # noqa: E402
from analysis.store.history import Store  # noqa: E402


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ingest_into(location: str, files: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", str(files), "--store", location],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )


def _every_table(facts):
    """Facts read their tables when first asked for: the baseline asks for every one."""
    for name in facts_module.Facts._READERS:
        getattr(facts, name)
    return facts


def measure(location: str) -> dict:
    store = Store(location)
    period = store.latest_period()
    as_of = f"{period}-28"
    # the baseline reads the store every time: load_facts remembers its result, so timing it would print 0.00
    t_facts, facts = timed(lambda: _every_table(facts_module._read_facts(store, period)))

    def cold(**kwargs):
        facts_module._MEMO.clear()  # every run pays the read, as a report of a new period does
        return compute_progress(store, as_of, **kwargs)

    t_now, frame = timed(lambda: cold(with_previous=False))
    t_full, _ = timed(lambda: cold())
    t_verify, _ = timed(lambda: Store(location).check())  # each reads the whole store: nothing is remembered
    start = time.perf_counter()
    for _ in range(100):
        store.verify()
    t_remembered = (time.perf_counter() - start) / 100
    return {
        "facts": t_facts,
        "now": t_now,
        "full": t_full,
        "verify": t_verify,
        "remembered": t_remembered,
        "rows": len(frame),
        "jurisdictions": frame["jurisdiction"].nunique(),
        "awards": len(facts.awards),
        "enterprises": len(facts.enterprises),
    }


def render_seconds(location: str, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "analysis", "render", "monthly", "--period", "latest", "--region", "石家庄市",
         "--store", location, "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="folder to keep the demo files and the SQLite store in")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (default: a private one for the run)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-render", action="store_true", help="do not render the monthly report")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-progress-"))
    with ExitStack() as stack:
        if not (work / "in").is_dir():
            print(generate_demo(work / "in", seed=0, size="province").text())
        locations = {"SQLite": str(work / "store")}
        if not (work / "store" / "workbook.sqlite").exists():
            ingest_into(locations["SQLite"], work / "in")
        # SQLite is measured (and its report rendered) before PostgreSQL's load: the autovacuum that follows a
        # load would slow both
        results = {"SQLite": measure(locations["SQLite"])}
        seconds = {} if args.no_render else {"SQLite": render_seconds(locations["SQLite"], work / "reports-SQLite")}
        if not args.no_postgres:
            from support.postgres import drop_database, find_bin_dir, new_database, private_cluster

            server = args.postgres
            if server is None and find_bin_dir() is not None:
                server = stack.enter_context(private_cluster(durable=True))
            if server is not None:
                url = new_database(server)
                stack.callback(drop_database, server, url)
                ingest_into(url, work / "in")
                locations["PostgreSQL"] = url
        results.update({name: measure(location) for name, location in locations.items() if name not in results})
        first = results["SQLite"]
        print(f"数据：{first['awards']:,} 条资质，{first['enterprises']:,} 家企业；{first['rows']:,} 行进度，"
              f"{first['jurisdictions']} 个地区")  # fmt: skip
        names = list(results)
        print(
            f"{'步骤':<30}"
            + "".join(f"{n + '(秒)':>16}" for n in names)
            + ("    PostgreSQL/SQLite" if len(names) > 1 else "")
        )
        steps = [
            ("读取事实表（基线）", "facts"),
            ("全部目标×全部地区进度（不含环比）", "now"),
            ("全部目标×全部地区进度（含环比）", "full"),
            ("全库核对（写入后首次读取）", "verify"),
            ("已记住的核对（每次读取）", "remembered"),
        ]
        for label, key in steps:
            values = [results[n][key] for n in names]
            ratio = f"{values[1] / values[0]:>12.2f}×" if len(values) > 1 else ""
            print(f"{label:<26}" + "".join(f"{v:>16.4f}" for v in values) + ratio)
        if not args.no_render:
            seconds.update(
                {n: render_seconds(loc, work / f"reports-{n}") for n, loc in locations.items() if n not in seconds}
            )
            print(f"{'一份月调度报告（石家庄市，全部格式）':<22}" + "".join(f"{seconds[n]:>16.2f}" for n in names))
            for n in names:
                share = results[n]["verify"] / seconds[n]
                print(f"核对占报告用时（{n}）：全库核对 {share:.1%}（目标 < 10%；只有他人改动之后的第一次读取付这笔），"
                      f"已记住时每次读取 {1000 * results[n]['remembered']:.2f} 毫秒")  # fmt: skip


if __name__ == "__main__":
    main()
