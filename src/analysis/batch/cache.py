"""A file cache of the province-wide progress frame, shared by the reports of one batch.

`compute_progress(store, as_of)` is the same for every region of a period; a batch
of 35 reports would otherwise compute it 35 times (twice each for the 月调度). The
cache key holds everything the frame depends on: the store's contents up to the
as-of month (`Store.fingerprint` over every unit), the as-of date, the settings and
target files under data/ and the analysis source code. A hit returns exactly what a
fresh computation would.

`install(cache_dir)` replaces the functions `analysis.reports.content` calls with cached
ones; the batch renderer runs it in the notebook kernel (a visible cell, so the
executed notebook records it). The cleaner long-term wiring is for
`analysis.reports.content` to call `cached_progress` itself when $WORKBOOK_PROGRESS_CACHE
is set.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path

from analysis import paths

ENV_VAR = "WORKBOOK_PROGRESS_CACHE"
_STAND_INS: set = set()  # the cached stand-ins install() puts in place (so that it is idempotent)
FORMAT_VERSION = 1


@lru_cache(maxsize=1)
def code_and_settings_hash() -> str:
    """A hash of the analysis source and the data files (settings, targets, regions), not the store."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    source = Path(__file__).resolve().parents[1]
    files = sorted(source.rglob("*.py"))
    files += sorted(
        p
        for p in paths.DATA_DIR.rglob("*")
        if p.is_file() and p.suffix in (".yml", ".yaml", ".csv") and paths.DEFAULT_STORE_DIR not in p.parents
    )
    for path in files:
        name = path.relative_to(source if source in path.parents else paths.DATA_DIR)
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _all_units() -> list[str]:
    from analysis.catalog.regions import load_regions

    return [r.name for r in load_regions()]


def _key(store, what: str, period: str, extra: str = "") -> str:
    text = "|".join(
        [
            what,
            str(Path(store.dir).resolve()),
            period,
            extra,
            code_and_settings_hash(),
            store.fingerprint(_all_units(), period),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _cached(cache_dir: Path, key: str, compute):
    """Load `key` from the cache, or compute it once (other processes wait on a lock) and store it."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{key}.pkl"
    if path.exists():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    with open(cache_dir / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            with open(path, "rb") as fh:
                return pickle.load(fh)
        value = compute()
        tmp = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written (a full disk) only costs time: the value is still right
        finally:
            tmp.unlink(missing_ok=True)
    return value


def cached_progress(store, as_of, cache_dir: str | os.PathLike | None = None, targets=None, with_previous: bool = True):
    """`progress.compute_progress(store, as_of)`, from the cache when the inputs are unchanged."""
    import pandas as pd

    from analysis.progress.engine import compute_progress

    cache_dir = cache_dir or os.environ.get(ENV_VAR)
    if not cache_dir or targets is not None:
        return compute_progress(store, as_of, targets, with_previous)
    stamp = pd.Timestamp(as_of)
    key = _key(store, "progress", stamp.strftime("%Y-%m"), f"{stamp.date().isoformat()}|{with_previous}")
    return _cached(Path(cache_dir), key, lambda: compute_progress(store, as_of, None, with_previous))


def cached_facts(store, period: str, cache_dir: str | os.PathLike | None = None):
    """`facts.load_facts(store, period)`, from the cache when the inputs are unchanged."""
    from analysis.progress.facts import load_facts

    cache_dir = cache_dir or os.environ.get(ENV_VAR)
    if not cache_dir:
        return load_facts(store, period)
    return _cached(Path(cache_dir), _key(store, "facts", period), lambda: load_facts(store, period))


def install(cache_dir: str | os.PathLike) -> None:
    """Make `analysis.reports.content` (and `analysis.progress.engine`) use the cache in `cache_dir`."""
    from analysis.progress import engine as progress
    from analysis.reports import content as reports

    os.environ[ENV_VAR] = str(cache_dir)
    if reports.compute_progress not in _STAND_INS:

        def compute(store, as_of, targets=None, with_previous=True):
            return cached_progress(store, as_of, None, targets, with_previous)

        def facts(store, period):
            return cached_facts(store, period)

        _STAND_INS.update((compute, facts))
        # Stand-ins with the arguments content.py and the engine pass (store, as_of / store, period).
        reports.compute_progress = compute  # type: ignore[assignment]  # narrower signature, see above
        reports.load_facts = facts
        progress.load_facts = facts
