"""`python -m analysis regions`: the registry as a table, CSV (with a BOM) or JSON; --under lists the
direct children in the reporting tree, --recursive everything below."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest

from analysis.cli.main import build_parser, main

HEBEI_CITIES = [
    "石家庄市",
    "唐山市",
    "秦皇岛市",
    "邯郸市",
    "邢台市",
    "保定市",
    "张家口市",
    "承德市",
    "沧州市",
    "廊坊市",
    "衡水市",
]


@pytest.fixture
def run_cli(capsys):
    """`python -m analysis regions ARGS` in this process: exit status, standard output and error."""

    def run(*args):
        code = main(["regions", *args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run


def csv_rows(stdout: str) -> list[dict]:
    assert stdout.startswith("\ufeff")  # a BOM: Excel on Chinese Windows reads UTF-8 correctly
    return list(csv.DictReader(io.StringIO(stdout.removeprefix("\ufeff"))))


def test_under_hebei_lists_its_13_reporting_units(run_cli):
    result = run_cli("--under", "河北省", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = csv_rows(result.stdout)
    assert list(rows[0]) == ["名称", "代码", "级别", "类型", "上级", "报送上级", "别名", "曾用名"]
    assert [r["名称"] for r in rows] == [*HEBEI_CITIES, "辛集市", "定州市"]
    assert {r["报送上级"] for r in rows} == {"河北省"}
    by_name = {r["名称"]: r for r in rows}
    assert (by_name["辛集市"]["上级"], by_name["辛集市"]["代码"], by_name["辛集市"]["级别"]) == (
        "石家庄市",
        "130181",
        "县级",
    )
    assert by_name["定州市"]["上级"] == "保定市"
    assert (by_name["石家庄市"]["代码"], by_name["石家庄市"]["别名"]) == ("130100", "石家庄")


def test_under_qinghai_lists_its_8_prefectures_as_json(run_cli):
    result = run_cli("--under", "青海", "--format", "json")  # an alias works too
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 8
    assert [r["名称"] for r in records][:2] == ["西宁市", "海东市"]
    assert sum(r["类型"] == "自治州" for r in records) == 6
    haidong = records[1]
    assert (haidong["代码"], haidong["别名"], haidong["曾用名"]) == ("630200", ["海东"], ["海东地区（632100）"])


def test_recursive_lists_the_whole_subtree_and_no_option_the_whole_registry(run_cli):
    rows = csv_rows(run_cli("--under", "石家庄市", "--recursive", "--format", "csv").stdout)
    assert len(rows) == 21 and "辛集市" not in {r["名称"] for r in rows}
    luquan = next(r for r in rows if r["名称"] == "鹿泉区")
    assert luquan["曾用名"] == "鹿泉市（130185）"
    assert len(csv_rows(run_cli("--under", "青海省", "--recursive", "--format", "csv").stdout)) == 8 + 44
    everything = csv_rows(run_cli("--format", "csv").stdout)
    assert len(everything) == 2 + 19 + 211 + 1  # provinces, 地级, 县级, 芦台经济开发区
    zone = next(r for r in everything if r["名称"] == "芦台经济开发区")
    assert (zone["代码"], zone["级别"], zone["类型"], zone["上级"]) == ("", "开发区", "开发区", "唐山市")


def test_table_says_what_it_lists(run_cli):
    result = run_cli("--under", "130100")
    assert result.returncode == 0, result.stderr
    assert "石家庄市桥西区" in result.stdout and "石家庄市的直接下级：共 21 个" in result.stdout


def test_an_unknown_or_shared_name_is_one_chinese_line(run_cli):
    result = run_cli("--under", "鹿泉")
    assert result.returncode != 0 and result.stdout == ""
    assert (
        result.stderr.strip() == "错误：未知地区“鹿泉”：不在地区注册表（data/regions.yml）中；是否为：鹿泉区、平泉市？"
    )
    result = run_cli("--under", "桥西区")
    assert "石家庄市桥西区（130104）、张家口市桥西区（130703）" in result.stderr


def test_help_is_chinese():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    text = sub.choices["regions"].format_help()
    assert "报送上级" in text and "直接下级" in text and "UTF-8 带 BOM" in text
