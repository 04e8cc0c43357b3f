"""Reading, validating and staging files ahead of the writer in worker processes (an ingest of many files).

The outcome is exactly that of storing the files one after another (`filing`): see the comment below.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.errors import UserError
from analysis.store.filing import (
    _NOTHING,
    Outcome,
    _ingest_one,
    _rejected,
    _store,
    defined_names,
    enterprise_names,
    received_time,
)
from analysis.store.history import Store
from analysis.store.layout import sheet_in_name

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

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
_WORKER_FORM = "stage"  # how rows go to the writer: the backend's ahead_form
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


def _init_worker(known: dict, parent: int | None = None, archive: Path | None = None, form: str = "stage") -> None:
    global _WORKER_KNOWN, _WORKER_ARCHIVE, _WORKER_FORM
    _WORKER_KNOWN, _WORKER_ARCHIVE, _WORKER_FORM = known, archive, form
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
    from analysis.store.staging import copy_ready, prepare_checked, stage
    from analysis.submissions.validate import SubmissionRejected, read_checked

    try:
        checked = read_checked(
            path, period, known_enterprises=_WORKER_KNOWN["enterprises"], known_clusters=_WORKER_KNOWN["clusters"]
        )
        prepared = _archive_ahead(prepare_checked(checked))
        if _WORKER_FORM == "copy":
            prepared = copy_ready(prepared)
        elif sum(sum(sheet.unit_rows.values()) for sheet in prepared.sheets) >= STAGE_MIN_ROWS:
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


# Where a sheet names what another sheet lists: (sheet, column, the sheet listing those names, which names).
_REFERENCES = (
    ("资质认定", "统一社会信用代码", "企业名录", "enterprises"),
    ("企业年度财务", "统一社会信用代码", "企业名录", "enterprises"),
    ("集群月度", "集群名称", "集群名录", "clusters"),
    ("企业名录", "所属集群", "集群名录", "clusters"),
)
_LISTED_BY = {"enterprises": ("企业名录", "统一社会信用代码"), "clusters": ("集群名录", "集群名称")}


def _references(tables: dict) -> tuple[set, set]:
    """Enterprises and clusters a submission refers to without defining them itself."""
    named: dict[str, set] = {"enterprises": set(), "clusters": set()}
    for sheet, column, _, kind in _REFERENCES:
        if sheet in tables and column in tables[sheet]:
            named[kind] |= {v for v in tables[sheet][column].tolist() if isinstance(v, str)}
    for kind, (sheet, column) in _LISTED_BY.items():
        if sheet in tables:
            named[kind] -= set(tables[sheet][column].tolist())
    return named["enterprises"], named["clusters"]


def pipelined(
    store: Store, files: list[Path], period: str | None, known: dict, workers: int, received_on: str | None = None
) -> Iterator[Outcome]:
    import tempfile

    from analysis.submissions.validate import load_award_types, load_indicator_names, load_regions

    for load in (load_regions, load_award_types, load_indicator_names):  # once, before the workers fork
        load()
    learnt: dict[str, set[str]] = {"enterprises": set(), "clusters": set()}
    with tempfile.TemporaryDirectory(prefix="workbook-ingest-") as scratch:
        stages = [Path(scratch) / f"{i:05d}.sqlite" for i in range(len(files))]
        known_now = {k: copy.copy(v) for k, v in known.items()}
        ahead = _ReadAhead(files, stages, period, known_now, workers, in_order_only(files))
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
    against the names known when the run started (see pipelined).
    """

    def __init__(
        self,
        files: list[Path],
        stages: list[Path],
        period: str | None,
        known: dict,
        workers: int,
        in_order: set[int] | frozenset[int] = frozenset(),
    ):
        self.files, self.stages, self.period, self.known, self.workers = files, stages, period, known, workers
        self.in_order = in_order  # files the writer validates itself, in order (in_order_only): never sent ahead
        self.archive = known.get("archive")  # where workers put the files they read (SQLite stores)
        self.form = known.get("form", "stage")  # how workers hand the rows over (Backend.ahead_form)
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
            if i in self.in_order:
                self.futures[i] = Future()
                self.futures[i].set_result(None)  # None: validated and stored in order by the writer
            else:
                self.futures[i] = self.pool.submit(_validate_ahead, self.files[i], self.period, self.stages[i])
            self.next += 1

    def _new_pool(self, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_worker,
            initargs=(self.known, os.getpid(), self.archive, self.form),
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


def in_order_only(files: list[Path]) -> set[int]:
    """The indices of the CSV files (one sheet each) that name the enterprises or clusters an earlier CSV file of
    `files` (ingest order) lists, one of the same folder and name but for the sheet (unit and period: 深泽县-2026-10-).
    Such a file refers to names learnt during the run: it is validated again in order whatever a worker found,
    so the writer validates it once, itself."""
    refers_to = {sheet: lister for sheet, _, lister, _ in _REFERENCES}
    listed: set[tuple[Path, str, str]] = set()
    out = set()
    for index, path in enumerate(files):
        named = sheet_in_name(path.stem) if path.suffix.lower() == ".csv" else None
        if named is None:
            continue
        sheet, rest = named
        if (path.parent, rest, refers_to.get(sheet)) in listed:
            out.add(index)
        listed.add((path.parent, rest, sheet))
    return out


def _depends_on(refers: tuple[set, set], learnt: dict) -> bool:
    codes, clusters = refers
    return bool(codes & learnt["enterprises"] or clusters & learnt["clusters"])
