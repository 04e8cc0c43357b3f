"""One parser for months and quarters: the forms the contract accepts give the canonical period."""

from __future__ import annotations

import pytest

from analysis.errors import UserError
from analysis.periods import parse_month, parse_quarter


@pytest.mark.parametrize(
    "text", ["2025-06", "2025-6", "2025/6", "2025/06", "2025.6", "2025年6月", "2025年06月", " 2025-06 "]
)
def test_accepted_month_forms_give_the_canonical_month(text):
    assert parse_month(text) == "2025-06"


@pytest.mark.parametrize(
    "text, hint", [("202506", "202506 这种写法"), ("2025-13", ""), ("abc", ""), ("2025-Q3", ""), ("", "")]
)
def test_other_month_forms_are_refused_in_chinese(text, hint):
    with pytest.raises(UserError, match="应为 YYYY-MM") as info:
        parse_month(text)
    assert hint in str(info.value)


@pytest.mark.parametrize("text", ["2025-Q3", "2025Q3", "2025-q3", "2025年三季度", "2025年第三季度", "2025年第3季度"])
def test_accepted_quarter_forms_give_the_canonical_quarter(text):
    assert parse_quarter(text) == (2025, 3)


@pytest.mark.parametrize("text", ["2025-Q5", "2025-09", "2025/Q3", "三季度"])
def test_other_quarter_forms_are_refused_in_chinese(text):
    with pytest.raises(UserError, match="应为 YYYY-Qn"):
        parse_quarter(text)


def _cli(*args):
    import subprocess
    import sys

    from analysis import paths

    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, cwd=paths.PROJECT_ROOT
    )


@pytest.mark.parametrize(
    "args",
    [
        ["due", "--since", "abc"],
        ["due", "--since", "2025-Q3"],
        ["candidates", "--region", "新乐市", "--period", "2025-Q3"],
    ],
)
def test_a_bad_month_argument_is_refused_not_ignored(tmp_path, args):
    from support.builders import enterprise, store_with, submission

    store_with(tmp_path, [submission("2025-06", "新乐市", 企业名录=[enterprise("91130184MA00000011", "新乐市")])])
    result = _cli(*args, "--store", str(tmp_path / "store"))
    assert result.returncode != 0 and "应为 YYYY-MM" in result.stderr and "Traceback" not in result.stderr


def test_due_with_a_missing_store_is_an_error(tmp_path):
    result = _cli("due", "--store", str(tmp_path / "nowhere"))
    assert result.returncode == 1 and "不存在或尚无报送数据" in result.stderr and "Traceback" not in result.stderr
    result = _cli("run-due", "--store", str(tmp_path / "nowhere"), "--no-progress")
    assert result.returncode == 1 and "不存在或尚无报送数据" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["render", "monthly", "--period", "2025-09", "--region", "新乐市", "--out", "{file}"],
        ["batch", "--kind", "monthly", "--period", "2025-09", "--out", "{file}"],
        ["template", "--out", "{file}"],
        ["candidates", "--region", "新乐市", "--format", "xlsx", "--out", "{folder}"],
    ],
)
def test_a_folder_where_a_file_is_expected_or_the_reverse_is_refused_before_any_work(tmp_path, args):
    existing = tmp_path / "a-file.txt"
    existing.write_text("x", encoding="utf-8")
    result = _cli(*[a.format(file=existing, folder=tmp_path) for a in args])
    assert result.returncode == 2 and result.stderr.startswith("错误：") and "Traceback" not in result.stderr
    assert str(existing if "{file}" in args else tmp_path) in result.stderr
    assert existing.read_text(encoding="utf-8") == "x"


def test_ingest_and_progress_take_the_forms_of_the_one_parser(tmp_path):
    from support.builders import enterprise, store_with, submission

    store_with(tmp_path, [submission("2025-09", "新乐市", 企业名录=[enterprise("91130184MA00000011", "新乐市")])])
    store = str(tmp_path / "store")
    canonical = _cli(
        "progress", "--as-of", "2025-09-30", "--plan", "xinle-2023-cluster-upgrade", "--format", "csv", "--store", store
    )
    for form in ("2025/9/30", "2025年9月30日"):
        other = _cli(
            "progress", "--as-of", form, "--plan", "xinle-2023-cluster-upgrade", "--format", "csv", "--store", store
        )
        assert other.returncode == 0 and other.stdout == canonical.stdout
    bad = _cli("progress", "--as-of", "2025-09-31", "--store", store)
    assert bad.returncode == 2 and "应为 YYYY-MM-DD" in bad.stderr
    refused = _cli("ingest", str(tmp_path), "--period", "202509", "--store", store)
    assert refused.returncode == 2 and "202509 这种写法无法区分年月，请写成 2025-09" in refused.stderr
