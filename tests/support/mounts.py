"""A small tmpfs for disk-full and read-only tests: real faults when the tests run as root (CI does), and
`None` otherwise, so a test can fall back to a simulated fault."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextmanager
def tmpfs(path: Path, size: str):
    """Mount a tmpfs of `size` (e.g. "512k") at `path`; yields the path, or None when mounting is not possible."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    try:
        yield path if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount_read_only(path: Path) -> bool:
    return _mount("-o", "remount,ro", str(path))
