"""Reports as a set, and a batch that goes on: a render that fails midway leaves the old files; a unit that fails
(a full disk, the time limit) is recorded and the next one renders; nothing truncated or temporary is left."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.batch import run as batch
from analysis.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
ALL = ("ipynb", "html", "pdf", "xlsx")


@pytest.fixture(scope="module")
def store_dir(demo_store):
    return demo_store


def _disk_full(path):
    return OSError(errno.ENOSPC, "No space left on device", str(path))


def _leftovers(out: Path) -> list[Path]:
    """Temporary files or folders a run must not leave behind."""
    return [
        p
        for p in out.rglob("*")
        if ".part" in p.name or p.name.endswith(".tmp") or p.name in (batch.TMP_DIR, ".render-tmp")
    ]


def test_a_render_that_fails_midway_leaves_the_previous_set_untouched(store_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "reports"
    args = [
        "render",
        "monthly",
        "--period",
        "2025-09",
        "--region",
        "井陉县",
        "--store",
        str(store_dir),
        "--out",
        str(out),
    ]
    assert main(args) == 0
    folder = out / "2025-09" / "monthly"
    old = {fmt: (folder / f"井陉县.{fmt}") for fmt in ALL}
    for fmt, path in old.items():
        path.write_bytes(f"上一版 {fmt}".encode())
    capsys.readouterr()

    def full(markup, target, **kwargs):
        Path(target).write_bytes(b"%PDF-1.7 half")  # what a full disk leaves: a piece of the file
        raise _disk_full(target)

    monkeypatch.setattr("analysis.reports.pdf.html_to_pdf", full)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：磁盘空间不足") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert {fmt: path.read_bytes() for fmt, path in old.items()} == {fmt: f"上一版 {fmt}".encode() for fmt in ALL}
    assert not _leftovers(out)


def test_a_batch_records_a_unit_that_ran_out_of_space_and_renders_the_next(store_dir, tmp_path, monkeypatch):
    from analysis.reports import render

    real = render.produce_formats

    def produce(scratch, ipynb, markup, tables, formats):
        if ipynb.stem == "井陉县":
            (scratch / "page.html").write_text(markup[:100], encoding="utf-8")
            raise _disk_full(scratch / "page.html")
        return real(scratch, ipynb, markup, tables, formats)

    monkeypatch.setattr(render, "produce_formats", produce)
    out = tmp_path / "reports"
    result = batch.run_batch(
        "monthly",
        "2025-09",
        "井陉县,正定县",
        workers=1,
        store=store_dir,
        out=out,
        formats=("html", "xlsx"),
        progress=False,
    )
    status = {j.region: (j.status, j.error) for j in result.jobs}
    assert status["正定县"] == ("ok", "")
    assert status["井陉县"][0] == "failed" and status["井陉县"][1].startswith("磁盘空间不足")
    folder = out / "2025-09" / "monthly"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("井陉县")) == []
    assert (folder / "正定县.html").is_file() and (folder / "正定县.xlsx").is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["reports"]
    assert manifest["井陉县"]["status"] == "failed" and manifest["正定县"]["status"] == "ok"
    assert not _leftovers(out)


def test_a_batch_on_a_disk_that_is_full_fails_each_unit_cleanly_and_leaves_only_whole_files(store_dir, tmp_path):
    from support.mounts import tmpfs

    with tmpfs(tmp_path / "disk", "300k") as disk:
        if disk is None:
            pytest.skip("a real full disk needs root (the simulated one is the test above)")
        out = disk / "reports"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "analysis",
                "batch",
                "--kind",
                "monthly",
                "--period",
                "2025-09",
                "--regions",
                "井陉县,正定县,新乐市",
                "--workers",
                "1",
                "--store",
                str(store_dir),
                "--out",
                str(out),
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
        )
        assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert {
            region for region in ("井陉县", "正定县", "新乐市") if any(line.startswith(region) for line in lines)
        } == {"井陉县", "正定县", "新乐市"}  # every unit was attempted
        assert "磁盘空间不足" in result.stdout
        assert not _leftovers(out)
        for path in out.rglob("*"):  # whatever is there is whole
            if path.suffix == ".ipynb":
                nbformat.read(str(path), as_version=4)
            elif path.suffix == ".pdf":
                assert path.read_bytes().rstrip().endswith(b"%%EOF")
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))


def test_a_report_past_its_time_limit_is_stopped_and_the_batch_goes_on(store_dir, tmp_path):
    out = tmp_path / "reports"
    slow = batch.run_batch(
        "monthly",
        "2025-09",
        "井陉县,正定县",
        workers=1,
        store=store_dir,
        out=out,
        formats=("html",),
        progress=False,
        time_limit=0.5,
    )
    assert [(j.region, j.status) for j in slow.jobs] == [("井陉县", "failed"), ("正定县", "failed")]
    # the message names the limit; how long stopping took is the machine's load, not the behaviour (no wall clock)
    assert all(j.error.startswith("超过单份报告时限（0.5 秒）") for j in slow.jobs), [j.error for j in slow.jobs]
    assert not _leftovers(out)
    # the same process renders normally afterwards (a fresh kernel, no alarm left behind)
    again = batch.run_batch(
        "monthly", "2025-09", "井陉县,正定县", workers=1, store=store_dir, out=out, formats=("html",), progress=False
    )
    assert [j.status for j in again.jobs] == ["ok", "ok"]


def test_time_limit_must_be_positive(capsys):
    assert main(["batch", "--kind", "monthly", "--period", "2025-09", "--time-limit", "0"]) == 2
    assert "--time-limit 应为正数" in capsys.readouterr().err


def test_a_fault_that_is_not_the_users_is_one_line_and_the_traceback_comes_with_debug(monkeypatch, capsys):
    import analysis.cli.regions as regions_cli

    def broken(args):
        raise KeyError("意外")

    monkeypatch.setattr(regions_cli, "run", broken, raising=False)
    parser_args = ["regions", "--under", "河北省"]
    from analysis.cli import main as cli_main

    real_build = cli_main.build_parser

    def build():
        parser = real_build()
        parser._subparsers._group_actions[0].choices["regions"].set_defaults(func=broken)
        return parser

    monkeypatch.setattr(cli_main, "build_parser", build)
    assert main(parser_args) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：程序内部出错（KeyError") and "--debug" in err and "Traceback" not in err
    monkeypatch.setenv("WORKBOOK_DEBUG", "")
    with pytest.raises(KeyError):
        main(["--debug", *parser_args])


def test_a_period_before_every_plan_is_refused_before_anything_runs(capsys, tmp_path):
    assert main(["render", "monthly", "--period", "2019-05", "--region", "石家庄市", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：2019年5月早于最早方案的基期（2022年1月）") and not any(tmp_path.iterdir())
    assert main(["render", "quarterly", "--period", "2021Q4", "--region", "石家庄市", "--draft"]) == 2
    assert "2021年第四季度早于最早方案的基期" in capsys.readouterr().err
