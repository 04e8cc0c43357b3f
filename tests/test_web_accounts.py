"""`python -m analysis accounts`, and where accounts are kept: beside a folder store, in a PostgreSQL store's
database."""

from __future__ import annotations

import stat
import subprocess
import sys

from analysis.web import config

PASSWORD = "Accounts-test-2025\n"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "accounts", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_add_list_token_disable(tmp_path):
    store = str(tmp_path / "store")
    added = run(
        "add",
        "新乐市填报",
        "--region",
        "新乐市",
        "--role",
        "填报",
        "--password-stdin",
        "--store",
        store,
        stdin=PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "已新建账号：新乐市填报（新乐市，填报）"
    accounts = tmp_path / "store" / "accounts.sqlite"
    assert accounts.exists() and stat.S_IMODE(accounts.stat().st_mode) == 0o600
    token = run("token", "新乐市填报", "--store", store)
    assert token.returncode == 0 and token.stdout.count("\n") == 1 and token.stdout.startswith("wbt_")
    assert len(token.stdout.strip()) > 40 and token.stdout.strip() not in accounts.read_bytes().decode("latin-1")
    listing = run("list", "--store", store)
    assert "新乐市填报" in listing.stdout and "启用" in listing.stdout and "有" in listing.stdout
    assert run("disable", "新乐市填报", "--store", store).returncode == 0
    assert "已停用" in run("list", "--store", store).stdout


def test_refusals_are_one_chinese_line(tmp_path):
    store = str(tmp_path / "store")
    cases = [
        (("add", "甲", "--region", "火星", "--role", "填报", "--password-stdin"), PASSWORD, "不在地区注册表中"),
        (("add", "乙", "--region", "新乐市", "--role", "填报", "--password-stdin"), "12345\n", "密码不符合要求"),
        (("token", "不存在"), None, "没有名为“不存在”的账号"),
        (("disable", "不存在"), None, "没有名为“不存在”的账号"),
        (("add", "丙", "--region", "新乐市", "--role", "填报"), "", "--password-stdin"),
    ]
    for args, stdin, expected in cases:
        done = run(*args, "--store", store, stdin=stdin)
        assert done.returncode != 0 and expected in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    bad_role = run("add", "丁", "--region", "新乐市", "--role", "admin", "--store", store)
    assert bad_role.returncode == 2 and "填报" in bad_role.stderr


def test_accounts_live_beside_a_folder_store_and_in_a_postgresql_stores_database(tmp_path):
    folder = config.accounts_database(str(tmp_path / "store"))
    assert folder["ENGINE"] == "django.db.backends.sqlite3"
    assert folder["NAME"] == str(tmp_path / "store" / "accounts.sqlite")
    url = config.accounts_database("postgresql://workbook:s%40cret@db.example:5433/workbook?sslmode=require")
    assert url["ENGINE"] == "django.db.backends.postgresql"
    assert (url["NAME"], url["USER"], url["PASSWORD"], url["HOST"], url["PORT"]) == (
        "workbook",
        "workbook",
        "s@cret",
        "db.example",
        "5433",
    )
    assert url["OPTIONS"] == {"sslmode": "require"}
    socket = config.accounts_database("postgresql:///workbook?host=/run/postgresql")
    assert socket["HOST"] == "/run/postgresql" and socket["NAME"] == "workbook"
