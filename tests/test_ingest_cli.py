"""`ingest`, `status` and `template` commands end to end, on real files and a real store."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from analysis.cli.main import main
from analysis.store.history import SLEEP_HOOK_ENV, Store
from analysis.store.ingest import PROBLEMS_SHOWN, STAGE_MIN_ROWS
from analysis.submissions import creditcode
from support.files import TEN_UNITS, indicator_csvs

SRC = Path(__file__).resolve().parents[1] / "src"
ENTERPRISE_HEADER = ["统一社会信用代码", "企业名称", "所属地区", "所属集群", "行业代码", "是否规上"]
INDICATOR_HEADER = ["地区", "年月", "指标", "数值", "单位", "备注"]


def codes(n: int, division: str = "130184", seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [creditcode.generate(rng, division) for _ in range(n)]


def write_xlsx(path: Path, sheets: dict[str, list[list]], period: str | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    if period:
        wb.create_sheet("填报说明").append(["填报期(年月)", period])
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def unit_file(path: Path, unit: str, period: str, credit_codes: list[str], cloud_rate: float = 76) -> Path:
    return write_xlsx(
        path,
        {
            "企业名录": [
                ENTERPRISE_HEADER,
                *([c, f"{unit}企业{i}", unit, None, "C13", "是"] for i, c in enumerate(credit_codes)),
            ],
            "指标填报": [INDICATOR_HEADER, [unit, period, "工业云平台普及率", cloud_rate, "%", None]],
        },
        period,
    )


def db_digest(store_dir: Path) -> str:
    """Hash of the store's logical content (every table, every row)."""
    db = store_dir / "workbook.sqlite"
    if not db.exists():
        return "absent"
    conn = sqlite3.connect(db)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_dir(tmp_path) -> Path:
    return tmp_path / "store"


def test_ingest_then_status_shows_real_values(tmp_path, store_dir, capsys):
    f = unit_file(tmp_path / "in" / "新乐市-6月.xlsx", "新乐市", "2023-06", codes(3))
    code, out, _ = run(capsys, "ingest", str(f), "--store", str(store_dir))
    assert code == 0
    assert "已入库：" in out and "第 1 号报送，填报期 2023-06，新乐市；企业名录 3 行，指标填报 1 行" in out
    assert Store(store_dir).snapshot("指标填报")["数值"].tolist() == [76.0]

    code, out, _ = run(capsys, "status", "--store", str(store_dir))
    assert code == 0
    line = next(text for text in out.splitlines() if "新乐市-6月.xlsx" in text)
    sha = hashlib.sha256(f.read_bytes()).hexdigest()
    assert line.split()[:5] == ["2023-06", "新乐市", "已报送", "1", "新乐市-6月.xlsx"]
    assert sha[:12] in line and line.split()[-2:] == ["3", "1"]
    assert "未报送的县级单位（核对范围：曾经报送过的县级单位）：无" in out


def test_same_file_twice_is_skipped_and_store_unchanged(tmp_path, store_dir, capsys):
    f = unit_file(tmp_path / "a.xlsx", "新乐市", "2023-06", codes(2))
    assert run(capsys, "ingest", str(f), "--store", str(store_dir))[0] == 0
    before, before_bytes = db_digest(store_dir), (store_dir / "workbook.sqlite").read_bytes()
    code, out, _ = run(capsys, "ingest", str(f), "--store", str(store_dir))
    assert code == 0 and "重复，跳过（已入库）" in out and "与第 1 号报送内容相同" in out
    assert db_digest(store_dir) == before
    assert (store_dir / "workbook.sqlite").read_bytes() == before_bytes


def test_rejected_file_lists_every_problem_and_changes_nothing(tmp_path, store_dir, capsys):
    good = unit_file(tmp_path / "good.xlsx", "新乐市", "2023-06", codes(2))
    run(capsys, "ingest", str(good), "--store", str(store_dir))
    before = db_digest(store_dir)
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        {
            "企业名录": [
                ENTERPRISE_HEADER,
                ["91130184MA0000000X", "坏代码企业", "新乐市", None, None, "是"],
                [codes(1, seed=9)[0], "地区不对", "火星县", None, None, "否"],
            ]
        },
        "2023-06",
    )
    code, out, err = run(capsys, "ingest", str(bad), "--store", str(store_dir))
    assert code == 1 and "Traceback" not in out + err
    assert "拒收：" in out and "（2 个问题）" in out
    assert "bad.xlsx｜工作表“企业名录”｜第2行｜列“统一社会信用代码”｜值“91130184MA0000000X”" in out
    assert "第3行｜列“所属地区”｜值“火星县”" in out
    assert db_digest(store_dir) == before


def test_file_without_period_is_refused(tmp_path, store_dir, capsys):
    f = unit_file(tmp_path / "新乐市.xlsx", "新乐市", "2023-06", codes(1))
    f2 = write_xlsx(
        tmp_path / "新乐市报送.xlsx",
        {"指标填报": [INDICATOR_HEADER, ["新乐市", "2023-06", "工业云平台普及率", 1, None, None]]},
    )
    code, out, _ = run(capsys, "ingest", str(f2), "--store", str(store_dir))
    assert code == 1 and "无法确定填报期" in out
    assert db_digest(store_dir) == "absent"
    # The same content with --period goes in.
    code, out, _ = run(capsys, "ingest", str(f2), "--period", "2023-06", "--store", str(store_dir))
    assert code == 0 and "已入库：" in out
    assert f.exists()


def test_bad_period_argument_and_missing_path_are_user_errors(tmp_path, store_dir, capsys):
    f = unit_file(tmp_path / "a.xlsx", "新乐市", "2023-06", codes(1))
    code, _, err = run(capsys, "ingest", str(f), "--period", "2023-13", "--store", str(store_dir))
    assert code == 2 and "填报期“2023-13”格式不对" in err
    code, _, err = run(capsys, "ingest", str(tmp_path / "nope"), "--store", str(store_dir))
    assert code == 2 and "找不到文件或文件夹" in err


def test_correction_reported_and_other_units_untouched(tmp_path, store_dir, capsys):
    a, b = codes(2, seed=1), codes(2, "130123", seed=2)
    run(capsys, "ingest", str(unit_file(tmp_path / "a1.xlsx", "新乐市", "2023-06", a)), "--store", str(store_dir))
    run(capsys, "ingest", str(unit_file(tmp_path / "b1.xlsx", "正定县", "2023-06", b)), "--store", str(store_dir))
    code, out, _ = run(
        capsys,
        "ingest",
        str(unit_file(tmp_path / "a2.xlsx", "新乐市", "2023-06", a[:1], 80)),
        "--store",
        str(store_dir),
    )
    assert code == 0 and "已入库（更正）" in out and "替换第 1 号报送的相应内容" in out
    store = Store(store_dir)
    snap = store.snapshot("企业名录")
    assert snap.groupby("地区")["统一社会信用代码"].apply(list).to_dict() == {"新乐市": a[:1], "正定县": b}
    assert store.snapshot("指标填报").set_index("地区")["数值"].to_dict() == {"新乐市": 80.0, "正定县": 76.0}
    code, out, _ = run(capsys, "status", "--all", "--store", str(store_dir))
    assert "已被第 3 号更正" in out


def test_folder_ingest_orders_csv_sheets_and_lists_missing_units(tmp_path, store_dir, capsys):
    folder = tmp_path / "6月" / "新乐市"
    folder.mkdir(parents=True)
    code = codes(1)[0]
    (folder / "新乐市-2023-06-集群名录.csv").write_text("集群名称,所属地区\n新乐食品集群,新乐市\n", encoding="gbk")
    (folder / "新乐市-2023-06-企业名录.csv").write_text(
        f"统一社会信用代码,企业名称,所属地区,所属集群\n{code},甲公司,新乐市,新乐食品集群\n", encoding="utf-8-sig"
    )
    (folder / "~$草稿.xlsx").write_bytes(b"lock file")
    unit_file(tmp_path / "5月" / "正定县.xlsx", "正定县", "2023-05", codes(1, "130123"))
    code_, out, _ = run(capsys, "ingest", str(tmp_path / "6月"), str(tmp_path / "5月"), "--store", str(store_dir))
    assert code_ == 0, out
    assert out.count("已入库：") == 3 and "更正" not in out.replace("更正 0", "")
    assert Store(store_dir).known_clusters() == {"新乐食品集群": "新乐市"}

    code_, out, _ = run(capsys, "status", "--store", str(store_dir))
    assert "最新填报期 2023-06 未报送的县级单位（核对范围：曾经报送过的县级单位）：1 个\n正定县" in out
    code_, out, _ = run(capsys, "status", "--region", "石家庄市", "--store", str(store_dir))
    assert (
        "石家庄市下全部县级单位）：20 个" in out and "新乐市" not in out.split("核对范围")[1]
    )  # 21 units, 新乐市 sent


def test_status_csv_has_bom_and_one_row_per_submission_and_missing_unit(tmp_path, store_dir, capsysbinary):
    run_bin = lambda *a: (main(list(a)), capsysbinary.readouterr())  # noqa: E731
    run_bin("ingest", str(unit_file(tmp_path / "a.xlsx", "新乐市", "2023-05", codes(2))), "--store", str(store_dir))
    run_bin(
        "ingest",
        str(unit_file(tmp_path / "b.xlsx", "正定县", "2023-06", codes(1, "130123"))),
        "--store",
        str(store_dir),
    )
    code, (out, _) = run_bin("status", "--format", "csv", "--store", str(store_dir))
    assert code == 0 and out.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"))))
    assert [(r["填报期"], r["地区"], r["状态"], r["企业名录"], r["指标填报"]) for r in rows] == [
        ("2023-05", "新乐市", "已报送", "2", "1"),
        ("2023-06", "正定县", "已报送", "1", "1"),
        ("2023-06", "新乐市", "未报送", "", ""),
    ]
    assert rows[0]["文件"] == "a.xlsx" and len(rows[0]["SHA256"]) == 64


def test_status_of_empty_store(store_dir, capsys):
    code, out, _ = run(capsys, "status", "--store", str(store_dir))
    assert code == 0 and "库中尚无报送记录" in out


def test_env_var_selects_store_and_flag_overrides_it(tmp_path, capsys, monkeypatch):
    f = unit_file(tmp_path / "a.xlsx", "新乐市", "2023-06", codes(1))
    monkeypatch.setenv("WORKBOOK_STORE", str(tmp_path / "env_store"))
    assert run(capsys, "ingest", str(f))[0] == 0
    assert (tmp_path / "env_store" / "workbook.sqlite").exists()
    assert run(capsys, "ingest", str(f), "--store", str(tmp_path / "flag_store"))[1].startswith("已入库：")
    assert Store(tmp_path / "flag_store").periods() == ["2023-06"]
    assert "已入库" not in run(capsys, "status", "--store", str(tmp_path / "nothing"))[1]


def test_progress_bar_for_many_files(tmp_path, store_dir, capsys, monkeypatch):
    # bars are drawn on a terminal only (tests/test_quiet_logs.py checks the other side)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    units = TEN_UNITS
    indicator_csvs(tmp_path / "in", units)
    code, out, err = run(capsys, "ingest", str(tmp_path / "in"), "--store", str(store_dir))
    assert code == 0 and out.count("已入库：") == 10
    assert "导入" in err and "10/10" in err
    assert Store(store_dir).submitted_units("2023-06") == set(units)


def test_sigkill_mid_ingest_leaves_store_as_before(tmp_path, store_dir, capsys):
    run(capsys, "ingest", str(unit_file(tmp_path / "a.xlsx", "新乐市", "2023-05", codes(2))), "--store", str(store_dir))
    before = db_digest(store_dir)
    victim = unit_file(tmp_path / "b.xlsx", "新乐市", "2023-06", codes(3, seed=5))
    env = {**os.environ, SLEEP_HOOK_ENV: "60", "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "ingest", str(victim), "--store", str(store_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr.readline().strip() == "store: inside transaction"
        # The ingest holds the write transaction now: nobody else can start one.
        other = sqlite3.connect(store_dir / "workbook.sqlite", timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert db_digest(store_dir) == before
    conn = sqlite3.connect(store_dir / "workbook.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # The store still works: the same file now goes in.
    code, out, _ = run(capsys, "ingest", str(victim), "--store", str(store_dir))
    assert code == 0 and "第 2 号报送" in out


def test_sigkill_while_storing_a_staged_file_leaves_store_as_before(tmp_path, store_dir, capsys):
    """The parallel path (workers stage rows in scratch files) is as safe as the plain one."""
    run(capsys, "ingest", str(unit_file(tmp_path / "a.xlsx", "新乐市", "2023-05", codes(2))), "--store", str(store_dir))
    before = db_digest(store_dir)
    units, folder = TEN_UNITS, tmp_path / "in"
    indicator_csvs(folder, units)
    # stored first (a register before indicators), and large enough to be staged
    big = [
        ",".join(ENTERPRISE_HEADER),
        *(f"{c},长安区企业{i},长安区,,C13,是" for i, c in enumerate(codes(STAGE_MIN_ROWS))),
    ]
    (folder / "长安区-2023-06-企业名录.csv").write_text("\n".join(big) + "\n", encoding="utf-8")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **os.environ,
        SLEEP_HOOK_ENV: "60",
        "PYTHONPATH": str(SRC),
        "WORKBOOK_INGEST_WORKERS": "2",
        "TMPDIR": str(scratch),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "ingest", str(folder), "--store", str(store_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        # the progress bar shares stderr (its lines end in \r): wait for the hook's line
        assert any(line.endswith("store: inside transaction\n") for line in proc.stderr)
        assert list(scratch.glob("workbook-ingest-*/*.sqlite"))  # the file being stored was staged
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert db_digest(store_dir) == before
    code, out, _ = run(capsys, "ingest", str(folder), "--store", str(store_dir))
    assert code == 0 and out.count("已入库：") == 11
    assert Store(store_dir).submitted_units("2023-06") == set(units)
    assert len(Store(store_dir).snapshot("企业名录", "2023-06", "长安区")) == STAGE_MIN_ROWS


def test_sigkill_during_first_ingest_leaves_no_data(tmp_path, store_dir):
    victim = unit_file(tmp_path / "a.xlsx", "新乐市", "2023-06", codes(2))
    env = {**os.environ, SLEEP_HOOK_ENV: "60", "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "ingest", str(victim), "--store", str(store_dir)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr.readline().strip() == "store: inside transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    conn = sqlite3.connect(store_dir / "workbook.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert Store(store_dir).periods() == []


def test_cli_subprocess_prints_chinese_error_without_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", str(tmp_path / "missing.xlsx"), "--store", str(tmp_path / "s")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("错误：找不到文件或文件夹") and "Traceback" not in done.stderr


def test_template_command_writes_files(tmp_path, capsys):
    pytest.importorskip("analysis.submissions.template")
    code, out, _ = run(capsys, "template", "--out", str(tmp_path / "tpl"))
    written = sorted(p.name for p in (tmp_path / "tpl").iterdir())
    assert code == 0 and written
    assert all(f"已生成：{tmp_path / 'tpl' / name}" in out for name in written)


def test_a_file_with_thousands_of_problems_lists_the_first_ones_and_counts_the_rest(tmp_path, store_dir, capsys):
    broken = [c[:-1] + ("1" if c[-1] == "0" else "0") for c in codes(PROBLEMS_SHOWN + 50)]  # wrong check digit
    rows = [",".join(ENTERPRISE_HEADER), *(f"{c},企业{i},新乐市,,C13,是" for i, c in enumerate(broken))]
    bad = tmp_path / "新乐市-2023-06-企业名录.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "ingest", str(bad), "--store", str(store_dir))
    assert code == 1 and f"（{PROBLEMS_SHOWN + 50} 个问题）" in out
    listed = [line for line in out.splitlines() if "｜列“统一社会信用代码”｜" in line]
    assert len(listed) == PROBLEMS_SHOWN and "第2行" in listed[0]
    assert "……另有 50 个问题未列出" in out


def test_status_narrows_to_a_region_and_a_period(tmp_path, store_dir, capsys):
    from support.builders import enterprise, submission

    store = Store(store_dir)
    for period, unit in (("2023-05", "新乐市"), ("2023-06", "新乐市"), ("2023-06", "鹿泉区")):
        store.add(submission(period, unit, 企业名录=[enterprise("91130184MA00000011", unit)]))
    code, out, _ = run(capsys, "status", "--store", str(store_dir), "--region", "鹿泉区", "--period", "2023-06")
    listed = [line for line in out.splitlines() if line.strip().startswith("2023-")]
    assert code == 0 and len(listed) == 1 and "鹿泉区" in listed[0] and "新乐市" not in out.split("未报送")[0]
    assert "填报期 2023-06 未报送的县级单位" in out


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _gone(pid: int, seconds: float = 10) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except OSError:
            return True
        if status == "Z":  # a zombie is dead; only its parent (pytest's init here) has not reaped it
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_ingest_leaves_no_worker_and_no_temporary_folder(tmp_path, store_dir, sig):
    folder = tmp_path / "in"
    indicator_csvs(folder, TEN_UNITS)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {
        **os.environ,
        SLEEP_HOOK_ENV: "60",
        "PYTHONPATH": str(SRC),
        "WORKBOOK_INGEST_WORKERS": "2",
        "TMPDIR": str(scratch),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "ingest", str(folder), "--store", str(store_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert any(line.endswith("store: inside transaction\n") for line in proc.stderr)
    workers = _children(proc.pid)
    assert workers  # the pool is running
    os.kill(proc.pid, sig)  # the ingest alone, not its process group
    try:
        rest = proc.communicate(timeout=30)[1]  # an orphaned worker would hold stderr open
    except subprocess.TimeoutExpired:
        rest = None
    finally:
        orphans = [w for w in workers if not _gone(w, 5)]
        for w in orphans:
            os.kill(w, signal.SIGKILL)
    assert orphans == [] and rest is not None  # no worker left behind under PID 1
    code = proc.wait(timeout=10)
    if sig == signal.SIGTERM:
        assert code == 143 and "已终止" in rest and "Traceback" not in rest
        assert not list(scratch.glob("workbook-ingest-*"))  # its temporary folder removed
