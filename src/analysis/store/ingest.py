"""Ingest submission files into the store: find files, read + validate each, store it.

Each file is one submission (a CSV file holds one sheet and is a submission of
its own: the store replaces per unit, sheet and period, so the CSV files of one
unit and period complement each other instead of correcting each other). Files
are taken folder by folder in sheet-dependency order (集群名录 before 企业名录
before 资质认定 …) so that references between CSV files resolve through the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from analysis.errors import UserError

# One file into the store (filing) and the workers that read ahead (readahead); the names the callers of
# ingest have always imported from here stay importable from here.
from analysis.store.filing import (
    DEBUG_ENV,
    MOVES_SHOWN,
    RECEIVED_FROM_FILE,
    Outcome,
    _rejected,
    _store,
    check_received_on,
    defined_names,
    enterprise_names,
    ingest_file,
    known_names,
    migration_notes,
    moved_enterprises,
    received_time,
)
from analysis.store.history import Store
from analysis.store.layout import sheet_in_name
from analysis.store.readahead import CRASH_MESSAGE, READ_AHEAD, STAGE_MIN_ROWS, pipelined

__all__ = [
    "CRASH_MESSAGE",
    "DEBUG_ENV",
    "MOVES_SHOWN",
    "READ_AHEAD",
    "RECEIVED_FROM_FILE",
    "STAGE_MIN_ROWS",
    "Outcome",
    "check_period",
    "check_received_on",
    "collect_files",
    "defined_names",
    "describe",
    "enterprise_names",
    "ingest",
    "ingest_bytes",
    "ingest_file",
    "ingest_files",
    "known_names",
    "migration_notes",
    "moved_enterprises",
    "received_time",
    "summary",
]

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# Sheets referenced by others come first (clusters, then enterprises, then what cites them).
SHEET_ORDER = ("集群名录", "企业名录", "资质认定", "企业年度财务", "集群月度", "指标填报", "情况说明")
STATUS_ZH = {
    "checked": "检查通过（未提交）",
    "added": "已入库",
    "correction": "已入库（更正）",
    "restored": "已入库（恢复）",
    "duplicate": "重复，跳过（已入库）",
    "rejected": "拒收",
}


def check_period(period: str | None) -> str | None:
    """--period as a month, by the one parser every argument uses (2023-06, 2023/6, 2023年6月)."""
    from analysis.periods import parse_month

    return parse_month(period, "填报期") if period is not None else None


def collect_files(paths: Iterable[str | Path]) -> list[Path]:
    """Submission files among `paths` (folders searched recursively), in ingest order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and _is_submission_file(p)]
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise UserError(f"不支持的文件类型：{path}（只接受 .xlsx、.xlsm、.xls、.csv）")
            found.append(path)
        else:
            raise UserError(f"找不到文件或文件夹：{path}")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return sorted(unique, key=_order_key)


def _is_submission_file(path: Path) -> bool:
    # Skip Excel/WPS lock files (~$x.xlsx) and hidden files.
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(("~$", "."))


def _order_key(path: Path) -> tuple:
    named = sheet_in_name(path.stem)  # the reader's rule: 企业名录-202306.csv is a 企业名录 too
    rank = SHEET_ORDER.index(named[0]) if named and named[0] in SHEET_ORDER else -1
    return (str(path.parent), rank, path.name)


def ingest(
    paths: Iterable[str | Path],
    period: str | None = None,
    store: Store | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    received_on: str | None = None,
) -> list[Outcome]:
    """Ingest every submission file under `paths`; returns one Outcome per file (`received_on`: as
    check_received_on reads --received-on)."""
    store = store or Store()
    files, received = collect_files(paths), check_received_on(received_on)
    return list(ingest_files(store, files, check_period(period), on_outcome, received_on=received))


def ingest_bytes(
    store: Store,
    file_name: str,
    content: bytes,
    period: str | None = None,
    *,
    account: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Validate and store one uploaded file (the 报送平台), exactly as `ingest` would the same file.

    `file_name`: the name it was sent under (the submitter and period may be read from it; only its last part is
    used); `account`: the uploading account's region (who may submit for whom: submissions.submitter), None from
    the command line; `dry_run`: validate only (status 'checked', nothing stored). The Outcome is the receipt:
    `status` ('added' | 'correction' | 'restored' | 'duplicate' | 'rejected' | 'checked'), `result.submission_id`
    (报送号), `result.sha256`, `result.rows` {sheet: rows}, `result.ingested_at`; or `problems` (Chinese lines
    文件｜工作表｜行｜列｜值：原因) and `notes`. One transaction; on PostgreSQL any number of these may run at once."""
    import tempfile

    name = Path(str(file_name).replace("\\", "/")).name
    if not name or name in (".", ".."):
        raise UserError("上传的文件没有文件名；请按“地区-年月.xlsx”命名后重新上传")
    with tempfile.TemporaryDirectory(prefix="workbook-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        with store.ingest_lock():
            known = known_names(store)
            known["sent"], known["state"] = _RunDigests([path]), store.state()
            outcome = _upload(store, path, period, known, account, dry_run)
    outcome.path = Path(name)
    return outcome


def _upload(store: Store, path: Path, period: str | None, known: dict, account: str | None, dry_run: bool) -> Outcome:
    from analysis.store.staging import prepare_checked
    from analysis.submissions.validate import SubmissionRejected, read_checked

    try:
        checked = read_checked(
            path, period, known_enterprises=known["enterprises"], known_clusters=known["clusters"], account=account
        )
    except SubmissionRejected as err:
        return _rejected(path, err)
    except UserError as err:
        return Outcome(path, "rejected", problems=[str(err)])
    if dry_run:
        return Outcome(path, "checked", notes=list(checked.notes or []))
    tables = checked.tables
    return _store(store, path, prepare_checked(checked), defined_names(tables), known, enterprise_names(tables))[0]


WORKERS_ENV = "WORKBOOK_INGEST_WORKERS"
PARALLEL_MIN_FILES = 8


def _workers() -> int:
    wanted = os.environ.get(WORKERS_ENV)
    return int(wanted) if wanted and wanted.isdigit() else min(os.cpu_count() or 1, 4)


def ingest_files(
    store: Store,
    files: list[Path],
    period: str | None,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_wait: Callable[[], None] | None = None,
    received_on: str | None = None,
) -> Iterator[Outcome]:
    """Ingest `files` in the order given (see collect_files), yielding each Outcome in turn;
    with PARALLEL_MIN_FILES files or more, workers read and validate ahead. Concurrent ingests into one store
    queue behind each other (`on_wait` is called when this one has to wait). `received_on` (checked by
    check_received_on): when the files were received; None: not known."""
    with store.ingest_lock(on_wait):
        yield from _ingest_locked(store, files, period, on_outcome, received_on)


def _ingest_locked(
    store: Store,
    files: list[Path],
    period: str | None,
    on_outcome: Callable[[Outcome], None] | None,
    received_on: str | None = None,
) -> Iterator[Outcome]:
    known = known_names(store)
    known["sent"] = _RunDigests(files)
    known["state"] = store.state()
    known["archive"] = store.archive_folder()
    known["form"] = store.backend.ahead_form
    workers = _workers()
    with store.writing():
        outcomes: Iterator[Outcome]
        if workers < 2 or len(files) < PARALLEL_MIN_FILES:
            outcomes = (ingest_file(store, path, period, known, received_time(path, received_on)) for path in files)
        else:
            outcomes = pipelined(store, files, period, known, workers, received_on)
        for outcome in outcomes:
            if outcome.rejected and _others_wrote(store, known):
                outcome = ingest_file(store, outcome.path, period, known, received_time(outcome.path, received_on))
            if on_outcome:
                on_outcome(outcome)
            yield outcome


def _others_wrote(store: Store, known: dict) -> bool:
    """Another ingest stored files since this run read the store's names (PostgreSQL: runs go side by side).
    Then the names are read again, and a refused file is validated again against them: the outcome is that of
    the runs one after another. Once so, every later refusal of the run is checked again too (the workers that
    read ahead knew only the names of the run's start)."""
    if store.state() != known["state"]:
        fresh = known_names(store)
        for name in ("enterprises", "clusters"):
            known[name].update(fresh[name])
        known["state"], known["refreshed"] = store.state(), True
    return bool(known.get("refreshed"))


class _RunDigests:
    """The sha256 of every file of the run, read only when a file turns out to be a superseded one (a restore
    is not made when its correction comes along in the same run): the common run never reads its files twice."""

    def __init__(self, files: list[Path]):
        self.files = files
        self._digests: frozenset[str] | None = None

    def __call__(self) -> frozenset[str]:
        import hashlib

        if self._digests is None:
            digests = set()
            for path in self.files:
                with open(path, "rb") as handle:
                    digests.add(hashlib.file_digest(handle, "sha256").hexdigest())
            self._digests = frozenset(digests)
        return self._digests


PROBLEMS_SHOWN = 200  # a file with thousands of problems is listed up to here


def describe(outcome: Outcome, base: Path | None = None) -> list[str]:
    """Chinese lines reporting one file's outcome."""
    name = _shown(outcome.path, base)
    label = STATUS_ZH[outcome.status]
    if outcome.rejected:
        shown = outcome.problems[:PROBLEMS_SHOWN]
        total = len(outcome.problems) + outcome.omitted
        lines = [f"{label}：{name}（{total} 个问题）", *(f"    {p}" for p in shown)]
        if total > len(shown):
            lines.append(f"    ……另有 {total - len(shown)} 个问题未列出（多为同类问题，请先修改以上各处后重新报送）")
        return lines
    if outcome.status == "checked":
        return [f"{label}：{name}", *(f"    注：{note}" for note in outcome.notes)]
    r = outcome.result
    assert r is not None  # every outcome but a rejection has its AddResult
    detail = f"填报期 {r.period}，{'、'.join(r.units)}"
    notes = [f"    注：{note}" for note in outcome.notes]
    if outcome.status == "duplicate":
        return [f"{label}：{name}（与第 {r.submission_id} 号报送内容相同，{detail}）", *notes]
    rows = "，".join(f"{sheet} {n} 行" for sheet, n in r.rows.items())
    line = f"{label}：{name}（第 {r.submission_id} 号报送，{detail}；{rows}）"
    if r.restored is not None:
        line += f"，恢复第 {r.restored} 号报送（与之内容相同，此前已被更正替换）"
    if r.superseded:
        line += f"，替换第 {'、'.join(map(str, r.superseded))} 号报送的相应内容"
    return [line, *notes]


def summary(outcomes: list[Outcome]) -> str:
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUS_ZH}
    restored = f"，恢复 {counts['restored']}" if counts["restored"] else ""
    moves = sum(o.moves for o in outcomes)
    moved = f"；企业迁移 {moves} 家（见各文件下的注）" if moves else ""
    return (
        f"共 {len(outcomes)} 个文件：入库 {counts['added']}，更正 {counts['correction']}{restored}，"
        f"重复跳过 {counts['duplicate']}，拒收 {counts['rejected']}{moved}"
    )


def _shown(path: Path, base: Path | None) -> str:
    try:
        return str(path.relative_to(base)) if base else str(path)
    except ValueError:
        return str(path)
