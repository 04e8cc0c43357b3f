"""Atomic file output: a stopped process never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside `target`; on success rename it over `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real suffix last: tools such as papermill look at it
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; reports are meant to be shared
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def process_alive(pid: int) -> bool:
    """A process with this id exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(target: Path, text: str) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def check_output_dir(path, what: str = "输出目录") -> Path:
    """A folder to write into: refused before any work starts when it is an existing file."""
    from analysis.errors import UserError

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserError(f"{what}“{path}”是一个已有文件，不是文件夹；请指定一个文件夹")
    return path


def check_output_file(path, force: bool = False, what: str = "输出文件") -> Path:
    """A file to write: refused when it is a folder, or when it exists and `force` is not given."""
    from analysis.errors import UserError

    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what}“{path}”是一个文件夹；请指定文件名，如 {path / '后备培育库.xlsx'}")
    if path.exists() and not force:
        raise UserError(f"{what}“{path}”已存在；如需覆盖请加 --force")
    return path
