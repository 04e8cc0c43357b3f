"""Ingest submission files into the store: find files, read + validate each, store it.

Each file is one submission (a CSV file holds one sheet and is a submission of
its own: the store replaces per unit, sheet and period, so the CSV files of one
unit and period complement each other instead of correcting each other). Files
are taken folder by folder in sheet-dependency order (集群名录 before 企业名录
before 资质认定 …) so that references between CSV files resolve through the store.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import UserError
from analysis.store.history import AddResult, Store

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# Sheets referenced by others come first (clusters, then enterprises, then what cites them).
SHEET_ORDER = ("集群名录", "企业名录", "资质认定", "企业年度财务", "集群月度", "指标填报", "情况说明")
DEBUG_ENV = "WORKBOOK_DEBUG"  # set to see the traceback of a file the reader cannot handle
STATUS_ZH = {
    "checked": "检查通过（未提交）",
    "added": "已入库",
    "correction": "已入库（更正）",
    "restored": "已入库（恢复）",
    "duplicate": "重复，跳过（已入库）",
    "rejected": "拒收",
}


@dataclass
class Outcome:
    """What happened to one file."""

    path: Path
    status: str  # added | correction | duplicate | rejected
    result: AddResult | None = None
    problems: list[str] = field(default_factory=list)  # Chinese lines, for rejections
    notes: list[str] = field(default_factory=list)  # Chinese lines the user must see (a former name resolved …)
    moves: int = 0  # enterprises the file moved from another unit (企业迁移)
    omitted: int = 0  # problems found beyond those listed (the reader lists at most limits.Limits.problems)

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"


RECEIVED_FROM_FILE = "mtime"  # --received-on mtime: each file's modification time is when it was received


def check_received_on(text: str | None) -> str | None:
    """--received-on as given: None (not known), "mtime", or a local date or time 'YYYY-MM-DD[ HH:MM[:SS]]',
    normalised; a time in the future is refused (nothing can have been received then)."""
    from datetime import datetime

    if text is None or not text.strip():
        return None
    text = text.strip()
    if text.lower() == RECEIVED_FROM_FILE:
        return RECEIVED_FROM_FILE
    for form, shown in (("%Y-%m-%d", "%Y-%m-%d"), ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:00"), ("%Y-%m-%d %H:%M:%S", None)):
        try:
            when = datetime.strptime(text.replace("T", " "), form)
        except ValueError:
            continue
        if when > datetime.now():
            raise UserError(f"--received-on {text} 晚于当前时间：接收时间不能在将来")
        return when.strftime(shown or "%Y-%m-%d %H:%M:%S")
    raise UserError(
        f"--received-on 的值“{text}”无法识别：应为接收日期（如 2025-10-08）、日期和时间（如 2025-10-08 14:30），"
        f"或 {RECEIVED_FROM_FILE}（取各文件的修改时间）"
    )


def received_time(path: Path, received_on: str | None) -> str | None:
    """When `path` reached the bureau, by --received-on (checked): its mtime in local time, the given time, or None."""
    from datetime import datetime

    if received_on == RECEIVED_FROM_FILE:
        return datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
    return received_on


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
    rank = next((i for i, s in enumerate(SHEET_ORDER) if path.stem.endswith(s)), -1)
    return (str(path.parent), rank, path.name)


def ingest_file(store: Store, path: Path, period: str | None, known: dict, received_at: str | None = None) -> Outcome:
    """Read, validate and store one file (received at `received_at`, if known); a rejected file leaves the store
    untouched."""
    return _ingest_one(store, path, period, known, received_at)[0]


def _ingest_one(
    store: Store, path: Path, period: str | None, known: dict, received_at: str | None = None
) -> tuple[Outcome, dict]:
    """ingest_file, plus the enterprises and clusters the file defined (empty unless stored)."""
    from analysis.store.staging import prepare_checked
    from analysis.submissions.validate import SubmissionRejected, read_checked

    try:
        checked = read_checked(path, period, known_enterprises=known["enterprises"], known_clusters=known["clusters"])
    except SubmissionRejected as err:
        return _rejected(path, err), _NOTHING
    except UserError as err:
        return Outcome(path, "rejected", problems=[str(err)]), _NOTHING
    except Exception as err:  # noqa: BLE001 - a file the reader chokes on must not stop the batch
        if os.environ.get(DEBUG_ENV):
            raise
        return Outcome(
            path,
            "rejected",
            problems=[f"无法读取该文件（{type(err).__name__}: {err}）；如确认文件无误，请将其发给维护人员"],
        ), _NOTHING
    defined, names = defined_names(checked.tables), enterprise_names(checked.tables)
    return _store(store, path, prepare_checked(checked), defined, known, names, received_at)


_NOTHING: dict = {"enterprises": {}, "clusters": {}}


def _rejected(path: Path, err: UserError) -> Outcome:
    """The Outcome of a file the reader refused (SubmissionRejected: its problems, listed and counted)."""
    problems = [str(p) for p in getattr(err, "problems", ())] or [str(err)]
    return Outcome(path, "rejected", problems=problems, omitted=getattr(err, "omitted", 0))


def defined_names(tables: dict) -> dict[str, dict]:
    """The enterprises (credit code -> 地区) and clusters (name -> 地区) a submission defines
    (`tables`: a Submission's DataFrames or a CheckedSubmission's CheckedTables)."""
    out = {}
    for name, sheet, key in (("enterprises", "企业名录", "统一社会信用代码"), ("clusters", "集群名录", "集群名称")):
        table = tables.get(sheet)
        out[name] = (
            dict(zip(table[key].tolist(), table["地区"].tolist(), strict=True))
            if table is not None and key in table
            else {}
        )
    return out


def enterprise_names(tables: dict) -> dict[str, str]:
    """Credit code -> 企业名称 of the enterprises a submission lists (for the 企业迁移 notes)."""
    table = tables.get("企业名录")
    if table is None or "企业名称" not in table:
        return {}
    return dict(zip(table["统一社会信用代码"].tolist(), table["企业名称"].tolist(), strict=True))


def _store(
    store: Store,
    path: Path,
    submission,
    defined: dict,
    known: dict,
    names: dict[str, str],
    received_at: str | None = None,
) -> tuple[Outcome, dict]:
    """Store a validated submission and make what it defines known to the files after it
    (`names`: enterprise_names of the file, for its 企业迁移 notes; `received_at`: when the file was received).

    Incremental (not re-read from the store) so a batch stays linear; an enterprise a
    correction dropped stays referable until the next run, which only loosens a check.
    """
    result = store.add(submission, known.get("sent"), received_at)
    notes = list(getattr(submission, "notes", None) or [])
    if result.status == "duplicate":  # what it defines is current in the store: known, as to a run after it
        for name, names_ in defined.items():
            known[name].update(names_)
        return Outcome(path, result.status, result, notes=notes), _NOTHING
    known["state"] = store.state()
    moves = moved_enterprises(defined["enterprises"], known["enterprises"])
    notes += migration_notes(moves, names)
    for name, names in defined.items():
        known[name].update(names)
    return Outcome(path, result.status, result, notes=notes, moves=len(moves)), defined


MOVES_SHOWN = 10


def moved_enterprises(defined: dict[str, str], known: dict[str, str]) -> list[tuple[str, str, str]]:
    """(credit code, from unit, to unit) of each enterprise a file lists under another unit than the store did
    (both sides carry the registry's names: the validator wrote the file's, known_names resolved the store's)."""
    return [(code, known[code], unit) for code, unit in defined.items() if code in known and unit != known[code]]


def migration_notes(moves: list[tuple[str, str, str]], names: dict[str, str]) -> list[str]:
    """企业迁移 lines (`names`: credit code -> 企业名称): the enterprise now in its new unit's register; the old
    unit's rows are left as they are."""
    lines = [
        f"企业迁移：{names.get(code, '')}（{code}）由{old}迁至{new}；{old}已报送的其他内容不变，"
        f"请{old}在下次报送的企业名录中删去该企业"
        for code, old, new in moves[:MOVES_SHOWN]
    ]
    if len(moves) > MOVES_SHOWN:
        lines.append(f"另有 {len(moves) - MOVES_SHOWN} 家企业迁移，未逐一列出")
    return lines


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


def known_names(store: Store) -> dict:
    """The store's enterprises and clusters with their regions resolved, once per run."""
    from analysis.submissions.validate import known_names as resolved

    return {"enterprises": resolved(store.known_enterprises()), "clusters": resolved(store.known_clusters())}


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
    workers = _workers()
    with store.writing():
        outcomes: Iterator[Outcome]
        if workers < 2 or len(files) < PARALLEL_MIN_FILES:
            outcomes = (ingest_file(store, path, period, known, received_time(path, received_on)) for path in files)
        else:
            outcomes = _pipelined(store, files, period, known, workers, received_on)
        for outcome in outcomes:
            if outcome.rejected and _others_wrote(store, known):
                outcome = ingest_file(store, outcome.path, period, known)
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


# --- reading, validating and staging ahead in worker processes ----------------------
#
# Workers validate files ahead against the enterprises and clusters the store knew at
# the start, convert them for the store and stage their rows in scratch SQLite files;
# the main process stores them in order (one INSERT … SELECT per sheet). A file is
# validated again, in the main process and with everything learnt so far, when the
# worker refused it or when it refers to an enterprise or cluster learnt during this
# run, so the outcome is exactly that of ingesting the files one after another.

_WORKER_KNOWN: dict = {}
_WORKER_ARCHIVE: Path | None = None  # an SQLite store's archive folder: workers put the files they read there
# Smaller files come back in memory: for them a scratch file costs more than it saves. Above, the copy
# from a scratch file takes the one writer less time than binding the rows (the writer paces the run).
STAGE_MIN_ROWS = 500


@dataclass
class _Ahead:
    """A file a worker validated and staged."""

    prepared: object  # store.PreparedSubmission, staged when large
    defines: dict[str, dict]  # defined_names() of the file
    refers: tuple[set, set]  # enterprises and clusters it refers to without defining them
    names: dict[str, str]  # enterprise_names() of the file


def _init_worker(known: dict, parent: int | None = None, archive: Path | None = None) -> None:
    global _WORKER_KNOWN, _WORKER_ARCHIVE
    _WORKER_KNOWN, _WORKER_ARCHIVE = known, archive
    _die_with_parent(parent)


def _die_with_parent(parent: int | None) -> None:
    """A worker ends when the ingest that started it dies (SIGKILL included), instead of lingering under PID 1.

    Linux's parent-death signal (prctl PR_SET_PDEATHSIG); the parent's own SIGTERM handler (inherited by fork)
    is reset so that the signal ends the worker quietly."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still applies
        return
    if parent is not None and os.getppid() != parent:  # the parent died before the signal was set
        os._exit(1)


@dataclass
class _Refused:
    """A file a worker refused: reported as it is when the refusal cannot depend on names learnt during the
    run (the file could not be read; or nothing was learnt before it), instead of reading it a second time."""

    outcome: Outcome
    by_names: bool  # the validator refused it: an enterprise or cluster stored by an earlier file may change that


def _validate_ahead(path: Path, period: str | None, stage_path: Path) -> _Ahead | _Refused | None:
    from analysis.store.staging import prepare_checked, stage
    from analysis.submissions.validate import SubmissionRejected, read_checked

    try:
        checked = read_checked(
            path, period, known_enterprises=_WORKER_KNOWN["enterprises"], known_clusters=_WORKER_KNOWN["clusters"]
        )
        prepared = _archive_ahead(prepare_checked(checked))
        if sum(sum(sheet.unit_rows.values()) for sheet in prepared.sheets) >= STAGE_MIN_ROWS:
            prepared = stage(prepared, stage_path)
        tables = checked.tables
        return _Ahead(prepared, defined_names(tables), _references(tables), enterprise_names(tables))
    except UserError as err:
        return _Refused(_rejected(path, err), isinstance(err, SubmissionRejected))
    except Exception:  # noqa: BLE001 - the main process redoes the file and reports it exactly
        return None


def _archive_ahead(prepared):
    """Put the file's bytes in an SQLite store's archive from the worker (the writer then only finds them there):
    the archive's fsyncs overlap with other files' reading instead of pacing the writer. Only the bytes that were
    read: a file changed since is left to the writer, which refuses it."""
    import hashlib

    from analysis.store.archive import FolderArchive

    if _WORKER_ARCHIVE is None or prepared.source is None:
        return prepared
    try:
        content = Path(prepared.source).read_bytes()
        if hashlib.sha256(content).hexdigest() == prepared.sha256:
            FolderArchive(_WORKER_ARCHIVE).put(None, prepared.sha256, content)
            prepared.archived = True
    except OSError:  # a full disk, say: the writer tries again and reports it
        pass
    return prepared


def _references(tables: dict) -> tuple[set, set]:
    """Enterprises and clusters a submission refers to without defining them itself."""
    own_codes = set(tables["企业名录"]["统一社会信用代码"]) if "企业名录" in tables else set()
    codes = set()
    for sheet in ("资质认定", "企业年度财务"):
        if sheet in tables:
            codes |= set(tables[sheet]["统一社会信用代码"])
    own_clusters = set(tables["集群名录"]["集群名称"]) if "集群名录" in tables else set()
    clusters = set(tables["集群月度"]["集群名称"]) if "集群月度" in tables else set()
    if "企业名录" in tables and "所属集群" in tables["企业名录"]:
        clusters |= {c for c in tables["企业名录"]["所属集群"].tolist() if isinstance(c, str)}
    return codes - own_codes, clusters - own_clusters


def _pipelined(
    store: Store, files: list[Path], period: str | None, known: dict, workers: int, received_on: str | None = None
) -> Iterator[Outcome]:
    import tempfile

    from analysis.submissions.validate import load_award_types, load_indicator_names, load_regions

    for load in (load_regions, load_award_types, load_indicator_names):  # once, before the workers fork
        load()
    learnt: dict[str, set[str]] = {"enterprises": set(), "clusters": set()}
    with tempfile.TemporaryDirectory(prefix="workbook-ingest-") as scratch:
        stages = [Path(scratch) / f"{i:05d}.sqlite" for i in range(len(files))]
        ahead = _ReadAhead(files, stages, period, {k: copy.copy(v) for k, v in known.items()}, workers)
        try:
            for index, (path, stage_path) in enumerate(zip(files, stages, strict=True)):
                done = ahead.result(index)
                received = received_time(path, received_on)
                if done is _CRASHED:
                    outcome, defined = Outcome(path, "rejected", problems=[CRASH_MESSAGE]), _NOTHING
                elif isinstance(done, _Refused) and not (done.by_names and any(learnt.values())):
                    outcome, defined = done.outcome, _NOTHING
                elif done is None or isinstance(done, _Refused) or _depends_on(done.refers, learnt):
                    outcome, defined = _ingest_one(store, path, period, known, received)
                else:
                    outcome, defined = _store(store, path, done.prepared, done.defines, known, done.names, received)
                stage_path.unlink(missing_ok=True)
                for name, names in defined.items():
                    learnt[name] |= names.keys()
                yield outcome
        finally:  # stopped early (an error, a closed generator): do not read the files left
            ahead.close()


_CRASHED = object()
READ_AHEAD = 4  # files a worker may have read ahead of the one being stored
CRASH_MESSAGE = (
    "读取该文件时读取程序异常退出（文件可能已损坏或结构异常），未入库；请用 Excel 或 WPS 打开、另存为 .xlsx 后重新报送"
)


class _ReadAhead:
    """Worker processes validating `files` ahead, in order of need.

    A file that kills its worker (a native crash in a reader) breaks the whole pool:
    the file needed then is retried alone in a fresh process, reported as crashed if
    it kills that one too, and a new pool takes the files after it. Workers validate
    against the names known when the run started (see _pipelined).
    """

    def __init__(self, files: list[Path], stages: list[Path], period: str | None, known: dict, workers: int):
        self.files, self.stages, self.period, self.known, self.workers = files, stages, period, known, workers
        self.archive = known.get("archive")  # where workers put the files they read (SQLite stores)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[int, Future] = {}
        self.next = 0
        self._start(0)

    def _start(self, first: int) -> None:
        self.pool = self._new_pool(self.workers)
        self.futures, self.next = {}, first
        self._fill()

    def _fill(self) -> None:
        """At most READ_AHEAD files per worker are read ahead of the writer: results waiting in memory (and
        scratch files on disk) stay bounded however many files the folder holds."""
        assert self.pool is not None  # _start made it
        while self.next < len(self.files) and len(self.futures) < READ_AHEAD * self.workers:
            i = self.next
            self.futures[i] = self.pool.submit(_validate_ahead, self.files[i], self.period, self.stages[i])
            self.next += 1

    def _new_pool(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_worker,
            initargs=(self.known, os.getpid(), self.archive),
        )

    def result(self, index: int):
        """The worker's _Ahead for file `index`, None (redo in order) or _CRASHED."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = self.futures.pop(index).result()
            self._fill()
            return done
        except BrokenProcessPool:
            self.close()
            done = self._alone(index)
            self._start(index + 1)
            return done

    def _alone(self, index: int):
        from concurrent.futures.process import BrokenProcessPool

        solo = self._new_pool(1)
        try:
            return solo.submit(_validate_ahead, self.files[index], self.period, self.stages[index]).result()
        except BrokenProcessPool:
            return _CRASHED
        finally:
            solo.shutdown(wait=True)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)  # files not yet started are not read


def _depends_on(refers: tuple[set, set], learnt: dict) -> bool:
    codes, clusters = refers
    return bool(codes & learnt["enterprises"] or clusters & learnt["clusters"])


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
