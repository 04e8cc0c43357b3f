"""Defects the type checker found (issue 27): each test fails on the code as it was before its fix."""

from __future__ import annotations

import datetime as dt

from analysis import periods
from analysis.batch import run as batch
from analysis.cli.main import main


def test_batch_final_all_before_any_plan_ends_says_so(monkeypatch, tmp_path, capsys):
    """An empty list of ended plans was taken for "no plan given": 未知方案“None” (mypy: None for a str)."""
    monkeypatch.setattr(periods, "today", lambda: dt.date(2022, 1, 1))
    argv = ["batch", "--kind", "final", "--plan", "all", "--store", str(tmp_path / "store"), "--out", str(tmp_path)]
    code = main([*argv, "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "没有已到期的方案" in out
    assert "None" not in out + err
    assert not (tmp_path / "final").exists()


def test_batch_final_with_no_plan_name_names_the_mistake(tmp_path, capsys):
    code = main(["batch", "--kind", "final", "--plan", "，", "--store", str(tmp_path / "store"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--plan 应为方案编号" in err and "None" not in err


def test_run_batch_without_a_time_limit_renders(demo_store, tmp_path):
    """time_limit=None (no limit, as the signature allows) failed every report: int(None) for the cell timeout."""
    out = tmp_path / "reports"
    result = batch.run_batch(
        "monthly",
        "2025-09",
        "井陉县",
        workers=1,
        store=demo_store,
        out=out,
        formats=("ipynb",),
        progress=False,
        index=False,
        time_limit=None,
    )
    assert [(job.region, job.status, job.error) for job in result.jobs] == [("井陉县", "ok", "")]
    assert (out / "2025-09" / "monthly" / "井陉县.ipynb").is_file()
