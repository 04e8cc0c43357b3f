"""Hostile submission files, made at test time (never committed), and a measure of what a command costs.

Used by tests/test_hostile_files.py and benchmarks/hostile.py (the files of issue 23):
- `row_bomb`: a ~1.25 MB .xlsx whose 企业名录 sheet inflates to ~370 MB of rows written without cell references;
- `enterprise_csv`: a 企业名录 CSV of a million rows, valid or with a wrong check digit in every row;
- `measure`: run a command, polling /proc for the peak memory of its whole process tree (workers included).
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from analysis.submissions import creditcode

SHEET_PART = "xl/worksheets/sheet1.xml"
ENTERPRISE_HEADER = ["统一社会信用代码", "企业名称", "所属地区"]
MB = 1 << 20


def _row(values: list[str]) -> bytes:
    """A row whose cells carry no r attribute (calamine and Excel place each after the previous one)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
    return f"<row>{cells}</row>".encode()


def row_bomb(path: Path, unzipped_mb: int = 370) -> Path:
    """An .xlsx of 新乐市 whose 企业名录 sheet holds `unzipped_mb` MB of one enterprise's row repeated, without
    cell references (a 1.25 MB file for the default 370 MB). Written by streaming: the XML is never in memory."""
    book = Workbook(write_only=True)
    book.create_sheet("企业名录").append(ENTERPRISE_HEADER)
    base = io.BytesIO()
    book.save(base)
    code = creditcode.generate(random.Random(1), "130184")
    chunk = _row([code, "新乐市甲电缆有限公司", "新乐市"]) * 20_000
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.'
        b'org/spreadsheetml/2006/main"><sheetData>' + _row(ENTERPRISE_HEADER)
    )
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != SHEET_PART:
                out.writestr(info, source.read(info.filename))
                continue
            part = zipfile.ZipInfo(SHEET_PART, date_time=info.date_time)
            part.compress_type = zipfile.ZIP_DEFLATED
            with out.open(part, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(unzipped_mb * MB // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return path


def credit_codes(n: int, division: str = "130184") -> list[str]:
    """`n` distinct valid credit codes of enterprises registered in `division` (numbered: 91 + division + nine
    digits + check character), computed column-wise: a million take about a second."""
    import numpy as np

    weights = [pow(3, i, 31) for i in range(17)]
    prefix = "91" + division
    fixed = sum(creditcode.CHARSET.index(c) * w for c, w in zip(prefix, weights, strict=False))
    numbers = np.arange(n, dtype=np.int64)
    total = np.full(n, fixed, dtype=np.int64)
    for position in range(8, 17):  # the nine digits, most significant first
        total += (numbers // 10 ** (16 - position)) % 10 * weights[position]
    checks = np.array(list(creditcode.CHARSET))[(31 - total % 31) % 31]
    return [f"{prefix}{i:09d}{c}" for i, c in zip(range(n), checks.tolist(), strict=True)]


def enterprise_csv(path: Path, rows: int, broken: bool) -> Path:
    """A 企业名录 CSV of `rows` distinct enterprises of 新乐市; `broken`: each code has a wrong check character."""
    codes = credit_codes(rows)
    if broken:
        codes = [c[:-1] + ("1" if c[-1] == "0" else "0") for c in codes]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(ENTERPRISE_HEADER) + "\r\n")
        out.writelines(f"{code},新乐企业{i},新乐市\r\n" for i, code in enumerate(codes))
    return path


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float  # user + system time of the process and the descendants it waited for
    peak_tree: int  # bytes: the largest sum of resident memory over the process and its descendants at one poll
    peak_process: int  # bytes: the largest peak resident memory (VmHWM) of any one process of the tree
    processes: int  # processes seen in the tree
    returncode: int
    stdout: str
    stderr: str


def measure(argv: list[str], env: dict | None = None, cwd: Path | None = None, poll: float = 0.01) -> Measured:
    """Run `argv`, polling /proc every `poll` seconds for the memory of its process tree (Linux only)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}, cwd=cwd
    )
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [_drain(proc.stdout, out_chunks), _drain(proc.stderr, err_chunks)]
    peak_tree, hwm = 0, dict[int, int]()
    while proc.poll() is None:
        tree = _tree(proc.pid)
        total = 0
        for pid in tree:
            rss, peak = _memory(pid)
            total += rss
            hwm[pid] = max(hwm.get(pid, 0), peak)
        peak_tree = max(peak_tree, total)
        time.sleep(poll)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    for reader in readers:
        reader.join()
    return Measured(
        seconds,
        cpu,
        peak_tree,
        max(hwm.values(), default=0),
        len(hwm),
        proc.returncode,
        b"".join(out_chunks).decode("utf-8", "replace"),
        b"".join(err_chunks).decode("utf-8", "replace"),
    )


def _drain(stream, chunks: list[bytes]):
    import threading

    thread = threading.Thread(target=lambda: chunks.append(stream.read()), daemon=True)
    thread.start()
    return thread


def _tree(pid: int) -> list[int]:
    """`pid` and its living descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:  # it ended meanwhile
            continue
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(resident now, peak resident) of a process, in bytes; (0, 0) when it has ended."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return 0, 0
    kb = [int(fields.get(k, "0 kB").split()[0]) for k in ("VmRSS", "VmHWM")]
    return kb[0] * 1024, kb[1] * 1024
