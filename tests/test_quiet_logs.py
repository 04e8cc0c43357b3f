"""What lands in a log: progress bars only on a terminal, no kernel transport warning when rendering."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import nbformat

from analysis import paths
from analysis.reports.notebooks import execute

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}
BAR_TRACES = ("\r", "写入", "导入", "it/s", "份/s", "个文件/s", "%|")


def _cli(*args: str, stderr) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        env=ENV,
        cwd=paths.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        timeout=300,
    )


def _on_terminal(*args: str) -> str:
    """Run the command with stderr on a pseudo-terminal; what it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new pty is 0 columns wide
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", *args],
        env=ENV,
        cwd=paths.PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=300)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8", "replace")


def test_no_progress_bars_when_stderr_is_not_a_terminal(tmp_path):
    demo = _cli("demo", "--out", str(tmp_path / "demo"), "--until", "2022-02", "--months", "1", stderr=subprocess.PIPE)
    assert demo.returncode == 0 and "已生成演示报送数据" in demo.stdout.decode()
    assert demo.stderr == b""
    files = len(list((tmp_path / "demo").iterdir()))
    assert files >= 10  # enough for ingest's bar
    log = tmp_path / "ingest.log"
    with log.open("wb") as err:  # as make demo or cron would: stderr to a file
        ingest = _cli("ingest", str(tmp_path / "demo"), "--store", str(tmp_path / "store"), stderr=err)
    assert ingest.returncode == 0
    out = ingest.stdout.decode()
    assert f"共 {files} 个文件" in out and "拒收 0" in out and "\r" not in out
    text = log.read_text(encoding="utf-8")
    assert not any(t in text for t in BAR_TRACES), text[:300]
    assert text == ""


def test_progress_bars_on_a_terminal(tmp_path):
    drawn = _on_terminal("demo", "--out", str(tmp_path / "demo"), "--until", "2022-02", "--months", "1")
    assert "写入" in drawn and "\r" in drawn
    files = len(list((tmp_path / "demo").iterdir()))
    drawn = _on_terminal("ingest", str(tmp_path / "demo"), "--store", str(tmp_path / "store"))
    assert "导入" in drawn and f"{files}/{files}" in drawn


def _tiny_notebook(folder: Path, *lines: str) -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("\n".join(lines)),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    nbformat.write(nb, str(folder / "tiny.ipynb"))


def test_rendering_starts_the_kernel_without_the_transport_warning(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("WORKBOOK_DEBUG", "1")  # (otherwise nothing of the kernel's own stderr reaches ours)
    # the kernel's own stderr goes to the same descriptor as its start-up warnings
    _tiny_notebook(tmp_path / "nb", "import os", "os.write(2, b'kernel-stderr-seen\\n')", "print(x + 1)")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", tmp_path / "nb")
    out = execute("tiny", tmp_path / "out" / "tiny.ipynb", {"x": 41})
    done = nbformat.read(str(out), as_version=4)
    assert "42" in "".join(o.get("text", "") for c in done.cells for o in c.get("outputs", []))
    err = capfd.readouterr().err
    assert "kernel-stderr-seen" in err  # the kernel's stderr is captured here
    # (under --debug the kernel logs at its usual level: an interrupt at shutdown may be logged, a warning is not)
    assert "without encryption" not in err


def test_what_a_kernel_process_writes_as_it_ends_stays_off_the_users_terminal(tmp_path, monkeypatch, capfd):
    # like libzmq's "Assertion failed: pfd.revents & POLLIN (src/signaler.cpp)" when a kernel is torn down
    _tiny_notebook(
        tmp_path / "nb",
        "import atexit, os",
        "atexit.register(os.write, 2, b'Assertion failed: kernel-dying-noise\\n')",
        "print(x + 1)",
    )
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", tmp_path / "nb")
    out = execute("tiny", tmp_path / "out" / "tiny.ipynb", {"x": 41})
    done = nbformat.read(str(out), as_version=4)
    assert "42" in "".join(o.get("text", "") for c in done.cells for o in c.get("outputs", []))
    assert "kernel-dying-noise" not in capfd.readouterr().err
