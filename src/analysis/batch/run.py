"""Rendering many reports at once: a pool of worker processes, each keeping one notebook kernel.

Every report still runs its notebook with papermill (the executed .ipynb is the
audit trail). What a batch shares: the province-wide progress frame (computed once,
see `progress_cache`), the imports and the kernel of each worker (a notebook's
variables are cleared before the next one runs) and the HTML/PDF converters.

Outputs: `<out>/<period>/<kind>/<region>.<ext>` as `render.render_report` writes
them, plus `manifest.json` in each such folder (what was rendered from which
inputs) and `<region>.failed.ipynb` for a report whose notebook failed. Every file
is written in `<out>/.batch-tmp/` first and renamed into place, so a killed batch
leaves no partial file among the reports; the next batch clears `.batch-tmp`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
import traceback
from collections.abc import Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analysis import paths
from analysis.errors import UserError, os_error_text
from analysis.fsutil import current_umask

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager

MANIFEST = "manifest.json"
TMP_DIR = ".batch-tmp"
CACHE_DIR = ".cache/progress"
LOCK = ".batch.lock"
MANIFEST_VERSION = 1
SETUP_CELL_TAG = "batch-setup"
REPORT_TIME_LIMIT_S = 300  # per report, in batch and run-due (--time-limit)


@dataclass
class Job:
    kind: str
    period: str
    region: str
    key: str = ""
    status: str = "pending"  # ok | skipped | failed
    seconds: float = 0.0
    error: str = ""
    files: dict[str, str] = field(default_factory=dict)


# --- planning ---------------------------------------------------------------------


def select_regions(spec: str | list[str] | None, store=None) -> list[str]:
    """`all` (or nothing): every region with data — the units that submitted to `store` and the regions above
    them (every region of the registry when no store is given) — county-level units first, then cities,
    then provinces. The registry holds the whole of two provinces; most of it may never report."""
    from analysis.catalog.regions import load_regions

    registry = load_regions()
    if spec is None or spec == "all" or spec == ["all"]:
        order = {"county": 0, "zone": 0, "city": 1, "province": 2}
        regions = sorted(registry, key=lambda r: order[r.level])
        if store is not None:
            reporting = {r for u in set(store.parts()["unit"]) if (r := registry.resolve(u)) is not None}
            wanted = {r.name for r in reporting} | {a.name for r in reporting for a in registry.ancestors(r.name)}
            regions = [r for r in regions if r.name in wanted]
        return [r.name for r in regions]
    names = spec if isinstance(spec, list) else [spec]
    out: list[str] = []
    for item in names:
        for name in str(item).replace("，", ",").split(","):
            if name.strip():
                region = registry.get(name.strip()).name
                if region not in out:
                    out.append(region)
    return out


def last_month(kind: str, period: str) -> str | None:
    """The last month a report reads (a final assessment: everything the store holds)."""
    from analysis.periods import quarter_months

    if kind == "final":
        return None
    return period if kind == "monthly" else quarter_months(period)[-1]


def _file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_key(store, kind: str, period: str, region: str, formats=None) -> str:
    """What a report depends on: the store's data for its units up to the period, the notebook, the parameters.
    Not the formats (`formats` is ignored): which files a report has is the manifest's `files` (see report_state)."""
    from analysis.batch.cache import code_and_settings_hash
    from analysis.catalog.regions import load_regions
    from analysis.reports.notebooks import notebook_path
    from analysis.reports.render import NOTEBOOKS

    units = [u.name for u in load_regions().units_under(region)]
    # a roll-up region's own submissions (e.g. a province's indicator returns) count too
    parts = {
        "store": store.fingerprint(sorted({*units, region}), last_month(kind, period)),
        "notebook": _file_hash(notebook_path(NOTEBOOKS[kind])),
        "settings": code_and_settings_hash(),
        "params": [kind, period, region],
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": MANIFEST_VERSION, "reports": {}}
    data.setdefault("reports", {})
    return data


def _write_manifest(out: Path, folder: Path, data: dict) -> None:
    _place_text(out, folder / MANIFEST, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True))


def report_state(out: Path, job: Job, formats) -> str | None:
    """Why the report must be rendered (None: it is up to date). The one judge for batch, due and run-due:
    up to date means rendered from exactly these inputs, with a file for every format asked for."""
    from analysis.reports.render import output_dir

    folder = output_dir(out, job.kind, job.period)
    entry = read_manifest(folder)["reports"].get(job.region)
    if not entry:
        return "未生成"
    if entry.get("status") != "ok":
        return "上次生成失败"
    if entry.get("key") != job.key:
        return "数据或笔记本已更新"
    files = entry.get("files", {})
    missing = [fmt for fmt in formats if fmt not in files or not (folder / files[fmt]).is_file()]
    return f"缺少格式：{'、'.join(missing)}" if missing else None


def is_current(out: Path, job: Job, formats=("ipynb", "html", "pdf", "xlsx")) -> bool:
    return report_state(out, job, formats) is None


# --- atomic placement through <out>/.batch-tmp ----------------------------------------


def _place_text(out: Path, target: Path, text: str) -> Path:
    """Write a text file through the scratch folder and rename it into place (same file system: atomic)."""
    scratch = Path(out) / TMP_DIR
    scratch.mkdir(parents=True, exist_ok=True)
    tmp = scratch / f"{os.getpid()}-{time.monotonic_ns()}.part"
    try:
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o666 & ~current_umask())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


@contextmanager
def batch_lock(out: Path):
    """One batch at a time per output folder; the holder clears what a killed batch left in .batch-tmp."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"另一个批量生成任务正在向 {out} 输出，请等待其结束后再试") from None
        shutil.rmtree(out / TMP_DIR, ignore_errors=True)
        try:
            yield
        finally:
            shutil.rmtree(out / TMP_DIR, ignore_errors=True)


# --- the worker -------------------------------------------------------------------------


class Worker:
    """One process: a kernel kept between notebooks, converters loaded once."""

    def __init__(
        self, out: Path, store: str | None, formats, cache_dir: Path, time_limit: float | None = REPORT_TIME_LIMIT_S
    ):
        self.out, self.store, self.formats, self.cache_dir = Path(out), store, tuple(formats), Path(cache_dir)
        self.time_limit = time_limit
        self.km: AsyncKernelManager | None = None

    def _kernel(self):
        if self.km is None or not self.km.has_kernel or not _alive(self.km):
            from jupyter_client.manager import AsyncKernelManager
            from jupyter_core.utils import run_sync

            from analysis.reports.notebooks import (
                KERNEL_NAME,
                kernel_arguments,
                kernel_config,
                kernel_connection_file,
                kernel_streams,
            )

            self.close()
            self.km = AsyncKernelManager(
                kernel_name=KERNEL_NAME, config=kernel_config(), connection_file=kernel_connection_file()
            )
            run_sync(self.km.start_kernel)(
                cwd=str(paths.NOTEBOOKS_DIR), extra_arguments=kernel_arguments(), **kernel_streams()
            )
        return self.km

    def close(self):
        if self.km is not None and self.km.has_kernel:
            from jupyter_core.utils import run_sync

            with suppress(Exception):  # a dead kernel is gone either way
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km = None

    def abandon(self) -> None:
        """Kill the kernel at once and remove its connection file (a stopped worker has no time for a shutdown)."""
        km, self.km = self.km, None
        if km is None:
            return
        with suppress(Exception):
            getattr(km.provisioner, "process", None).kill()  # type: ignore[union-attr]  # None: nothing to kill
        with suppress(Exception):
            km.cleanup_connection_file()

    def notebook(self, kind: str):
        import nbformat

        from analysis.reports.notebooks import notebook_path
        from analysis.reports.render import NOTEBOOKS

        nb = nbformat.read(str(notebook_path(NOTEBOOKS[kind])), as_version=4)
        setup = nbformat.v4.new_code_cell(
            "# 批量生成：清空上一份报告留下的变量；全省进度表从本批共用的缓存读取（与逐份计算结果相同）\n"
            "get_ipython().run_line_magic('reset', '-f')\n"
            f"import analysis.batch.cache as _progress_cache; _progress_cache.install({str(self.cache_dir)!r})"
        )
        setup.metadata["tags"] = [SETUP_CELL_TAG]
        nb.cells.insert(0, setup)
        return nb

    def render(self, job: Job) -> Job:
        """Render one report into a scratch folder, then place its files as a set; any failure (a notebook error,
        a full disk, the time limit) is this report's, recorded in `job`, and the next report goes on."""
        from analysis.reports.render import report_scratch

        start = time.monotonic()
        try:
            with time_limit(self.time_limit), report_scratch(self.out, TMP_DIR) as scratch:
                self._render_into(job, scratch)
        except ReportTimeout:
            job.status, job.error = (
                "failed",
                f"超过单份报告时限（{self.time_limit:g} 秒），已停止；可用 --time-limit 放宽",
            )
            self.close()  # the kernel may still be running the cell
        except Exception as err:  # noqa: BLE001 - any failure is this report's, not the batch's
            job.status, job.error = "failed", _error_text(err)
        finally:
            job.seconds = time.monotonic() - start
        return job

    def _render_into(self, job: Job, scratch: Path) -> None:
        import nbformat
        import papermill as pm

        from analysis.reports.notebooks import CELL_TIMEOUT_S, KERNEL_NAME, html_body, page
        from analysis.reports.render import (
            KIND_ZH,
            _title,
            keep_failed,
            notebook_params,
            output_dir,
            place_set,
            produce_formats,
        )

        target, region = output_dir(self.out, job.kind, job.period), job.region
        params = notebook_params(
            job.kind,
            job.period,
            region,
            self.store,
            str(scratch / "facts.json"),
            str(scratch / "tables.xlsx") if "xlsx" in self.formats else None,
            reports_dir=self.out,  # the 发文字号 registry of the batch's reports folder
        )
        ipynb = scratch / f"{region}.ipynb"
        try:
            pm.execute_notebook(
                self.notebook(job.kind),
                str(ipynb),
                parameters=params,
                kernel_name=KERNEL_NAME,
                cwd=str(paths.NOTEBOOKS_DIR),
                progress_bar=False,
                execution_timeout=CELL_TIMEOUT_S
                if not self.time_limit
                else min(CELL_TIMEOUT_S, int(self.time_limit) + 1),
                km=self._kernel(),
            )
        except Exception as err:  # noqa: BLE001 - the notebook failed: keep its run for the analyst
            job.status, job.error = "failed", _error_text(err)
            if keep_failed(ipynb, target / f"{region}.failed.ipynb"):
                job.files["failed"] = f"{region}.failed.ipynb"
            self.close()  # a fresh kernel for the next report
            return
        nb = nbformat.read(str(ipynb), as_version=4)
        markup = page(_title(nb) or f"{region}{KIND_ZH[job.kind]}（{job.period}）", html_body(nb))
        produced = produce_formats(scratch, ipynb, markup, scratch / "tables.xlsx", self.formats)
        placed = place_set(produced, target, region)
        job.files = {fmt: path.name for fmt, path in placed.items()}
        job.status = "ok"


class ReportTimeout(BaseException):
    """A report ran past its time limit (a BaseException, so no library's `except Exception` swallows it)."""


@contextmanager
def time_limit(seconds: float | None):
    """Interrupt the block after `seconds` (SIGALRM; only in a process's main thread, else no limit)."""
    import signal
    import threading

    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise ReportTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _alive(km) -> bool:
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def _error_text(err: BaseException) -> str:
    """One Chinese line for a report's failure (papermill's message ends with the failing cell's Python line)."""
    import re

    from analysis.reports.notebooks import USER_ERRORS

    if isinstance(err, OSError) and (os_text := os_error_text(err)):
        return os_text
    name, value = getattr(err, "ename", None), getattr(err, "evalue", None)
    if name in USER_ERRORS and value:
        return str(value)[:500]
    text = str(err).strip() or type(err).__name__
    if found := re.search(r"\[Errno (\d+)\][^'\n]*(?:'([^'\n]+)')?", text):
        chinese = os_error_text(OSError(int(found[1]), "", found[2]))
        if chinese:
            return chinese
    lines = [line for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    python_line = re.match(r"([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b:?\s*(.*)", last)
    han = re.compile(r"[\u4e00-\u9fff]")
    if not python_line and han.search(last):  # a line of ours
        return last[:500]
    name = name or (python_line[1] if python_line else type(err).__name__)
    value = str(value) if value else (python_line[2] if python_line else "")
    if han.search(value):  # the notebook's own words (an analyst's raise)
        return f"笔记本运行出错（{name}：{value}）"[:500]
    return f"笔记本运行出错（{name}），详见该报告失败的笔记本"


_WORKER: Worker | None = None


def _init_worker(out, store, formats, cache_dir, time_limit=REPORT_TIME_LIMIT_S, ignore_sigint=True):
    global _WORKER
    import atexit
    import signal

    if ignore_sigint:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
        # a pool worker told to stop (the batch was stopped) kills its kernel and removes its connection file (it
        # holds the kernel's keys) on the way out: nothing outlives the batch
        signal.signal(signal.SIGTERM, _stop_worker)
    _WORKER = Worker(out, store, formats, cache_dir, time_limit)
    atexit.register(_WORKER.close)


def _stop_worker(signum, frame) -> None:
    if _WORKER is not None:
        _WORKER.abandon()
    os._exit(143)


def _run_job(job: Job) -> Job:
    try:
        assert _WORKER is not None  # _init_worker ran in this process
        return _WORKER.render(job)
    except BaseException as err:  # noqa: BLE001 - report, never kill the pool
        job.status, job.error = "failed", _error_text(err)
        if os.environ.get("WORKBOOK_DEBUG"):  # the traceback is for maintainers (--debug)
            job.error += "\n" + traceback.format_exc(limit=3)
        return job


# --- the batch ----------------------------------------------------------------------


@dataclass
class BatchResult:
    jobs: list[Job]
    seconds: float
    index: Path | None = None
    problems: list[str] = field(default_factory=list)  # what went wrong beside the reports (the index)

    @property
    def failed(self) -> list[Job]:
        return [j for j in self.jobs if j.status == "failed"]


RegionSpec = str | list[str] | None  # `all` (or None), one name, names separated by commas, or a list of names


def run_batch(
    kind: str | None,
    period: str | None,
    regions: RegionSpec = None,
    *,
    workers: int | None = None,
    store=None,
    out=None,
    formats=("ipynb", "html", "pdf", "xlsx"),
    force: bool = False,
    progress: bool = True,
    index: bool = True,
    plan: Sequence[tuple[str, str, RegionSpec]] | None = None,
    time_limit: float | None = REPORT_TIME_LIMIT_S,
) -> BatchResult:
    """Render `kind` for `period` and `regions` (or several (kind, period, regions) groups with `plan`)."""
    import multiprocessing as mp

    from tqdm import tqdm

    from analysis.reports.render import normalise_period, reserve_number
    from analysis.store.history import Store

    out = Path(out or paths.REPORTS_DIR)
    db = Store(store)
    if plan is None:
        if kind is None or period is None:
            raise ValueError("run_batch needs a kind and a period, or a plan")
        plan = [(kind, period, regions)]
    jobs: list[Job] = []
    for g_kind, g_period, g_regions in plan:  # an empty plan: nothing to render
        if g_kind == "final":
            g_regions = _final_regions(db, g_period, g_regions)
        else:
            g_period = normalise_period(g_kind, g_period, store)
        for region in select_regions(g_regions, db):
            jobs.append(Job(g_kind, g_period, region, input_key(db, g_kind, g_period, region, formats)))
    start = time.monotonic()
    with batch_lock(out):
        todo = []
        for job in jobs:
            if not force and is_current(out, job, formats):
                job.status = "skipped"
                _clear_failure(out, job)
            else:
                todo.append(job)
        for job in todo:  # 发文字号 in job order, before any render: whichever finishes first takes no other number
            reserve_number(job.kind, job.period, job.region, out, store)
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
        bar = tqdm(
            total=len(jobs),
            initial=len(jobs) - len(todo),
            desc="生成报告",
            unit="份",
            file=sys.stderr,
            disable=None if progress else True,
            dynamic_ncols=True,
        )  # None: drawn on a terminal only
        cache_dir = out / CACHE_DIR
        if todo and workers == 1:
            # one worker: render in this process (no pool to start)
            _init_worker(out, str(store) if store else None, tuple(formats), cache_dir, time_limit, ignore_sigint=False)
            try:
                for job in todo:
                    _run_job(job)
                    _record(out, job)
                    bar.update(1)
                    bar.set_postfix_str(f"{job.region}：{'完成' if job.status == 'ok' else '失败'}")
            finally:
                if _WORKER is not None:
                    _WORKER.close()
        elif todo:
            context = mp.get_context("spawn")
            with context.Pool(
                workers,
                initializer=_init_worker,
                initargs=(out, str(store) if store else None, tuple(formats), cache_dir, time_limit),
            ) as pool:
                by_name = {(j.kind, j.period, j.region): j for j in todo}
                for done in pool.imap_unordered(_run_job, todo):
                    original = by_name[(done.kind, done.period, done.region)]
                    original.__dict__.update(done.__dict__)
                    _record(out, original)
                    bar.update(1)
                    bar.set_postfix_str(f"{original.region}：{'完成' if original.status == 'ok' else '失败'}")
                pool.close()
                pool.join()
        bar.close()
        _prune_cache(cache_dir)
        result = BatchResult(jobs, time.monotonic() - start)
        if index:
            from analysis.batch.index import write_index

            try:
                result.index = write_index(out)
            except OSError as err:  # a full disk: the reports stand, the index is the previous one
                result.problems.append(f"报告索引未能更新：{os_error_text(err) or err}")
    return result


def _clear_failure(out: Path, job: Job) -> None:
    """A report that is up to date has no failure: a failed notebook left by an earlier run whose failure could
    not be recorded (a full disk) would show it as 生成失败 in the index."""
    from analysis.reports.render import output_dir

    (output_dir(out, job.kind, job.period) / f"{job.region}.failed.ipynb").unlink(missing_ok=True)


def _final_regions(db, plan_id: str, regions) -> list[str]:
    """A final assessment's regions: the ones asked for, or (all) the plan's jurisdiction and its issued units."""
    from analysis.reports.final import final_regions, find_plan

    if regions not in (None, "all", ["all"]):
        return regions
    return final_regions(db, find_plan(plan_id))


def _record(out: Path, job: Job) -> None:
    """Note the job in its folder's manifest; a manifest that cannot be written (a full disk) fails the report,
    never the batch."""
    try:
        _write_record(out, job)
    except OSError as err:
        job.status = "failed"
        job.error = (job.error + "；" if job.error else "") + f"清单未能写入（{os_error_text(err) or err}）"


def _write_record(out: Path, job: Job) -> None:
    from analysis.reports.render import output_dir

    folder = output_dir(out, job.kind, job.period)
    data = read_manifest(folder)
    data["version"] = MANIFEST_VERSION
    entry = {
        "status": job.status,
        "key": job.key,
        "files": job.files,
        "seconds": round(job.seconds, 2),
        "rendered_at": dt.datetime.now().isoformat(timespec="seconds"),
        "kind": job.kind,
        "period": job.period,
    }
    if job.error:
        entry["error"] = job.error
    data["reports"][job.region] = entry
    _write_manifest(out, folder, data)


def _prune_cache(cache_dir: Path, keep_days: int = 7) -> None:
    """Cached progress frames older than a week are not worth their disk space."""
    if not cache_dir.is_dir():
        return
    limit = time.time() - keep_days * 86400
    for path in cache_dir.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def summary_lines(result: BatchResult) -> list[str]:
    from analysis.reports.render import KIND_ZH

    lines = [f"{'地区':<12}\t{'类型':<4}\t{'期别':<8}\t{'结果':<4}\t{'用时(秒)':>8}\t说明"]
    label = {"ok": "完成", "skipped": "跳过", "failed": "失败", "pending": "未运行"}
    for job in result.jobs:
        note = (
            job.error if job.status == "failed" else ("输入未变，沿用已生成的报告" if job.status == "skipped" else "")
        )
        lines.append(
            f"{job.region:<12}\t{KIND_ZH[job.kind]}\t{job.period:<8}\t{label[job.status]}\t{job.seconds:8.1f}\t{note}"
        )
    counts = {s: sum(j.status == s for j in result.jobs) for s in ("ok", "skipped", "failed")}
    lines.append(
        f"共 {len(result.jobs)} 份：生成 {counts['ok']}，跳过 {counts['skipped']}，失败 {counts['failed']}；"
        f"用时 {result.seconds:.1f} 秒"
    )
    for job in result.failed:
        if job.files.get("failed"):
            lines.append(f"失败报告的已执行笔记本：{job.kind}/{job.period}/{job.files['failed']}")
    if result.index:
        lines.append(f"报告索引：{result.index}")
    lines += result.problems
    return lines
