"""`python -m analysis regions [--under NAME] [--recursive] [--format table|csv|json]`: the region registry."""

from __future__ import annotations

import json
import sys

import pandas as pd

from analysis.catalog.regions import LEVEL_NAMES_ZH, Region, RegionRegistry, load_regions
from analysis.cli.console import FORMATS, add_encoding_option, print_frame

COLUMNS = ["名称", "代码", "级别", "类型", "上级", "报送上级", "别名", "曾用名"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "regions",
        help="列出地区注册表（名称、行政区划代码、级别、上级、报送上级、别名）",
        description="列出地区注册表（data/regions.yml）中的地区。“上级”是行政区划上的上级，“报送上级”是汇总报送时的上级："
        "省直管的定州市、辛集市报送上级为河北省，上级分别为保定市、石家庄市。",
    )
    p.add_argument(
        "--under",
        metavar="地区",
        help="只列出该地区在报送关系中的直接下级（如 河北省：11个地级市及定州市、辛集市）；可用名称、别名或代码",
    )
    p.add_argument("--recursive", action="store_true", help="与 --under 同用：列出其下全部各级地区，而不只是直接下级")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table（默认）、csv（UTF-8 带 BOM，可直接用 Excel 打开）或 json",
    )
    add_encoding_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    registry = load_regions()
    regions = select(registry, args.under, args.recursive)
    frame = regions_frame(registry, regions)
    if args.format == "csv":
        print_frame(frame, "csv", encoding=args.encoding)  # UTF-8 with a BOM by default, for Excel
    elif args.format == "json":
        records = [
            {
                **row,
                "别名": row["别名"].split("、") if row["别名"] else [],
                "曾用名": row["曾用名"].split("、") if row["曾用名"] else [],
            }
            for row in frame.to_dict("records")
        ]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        print_frame(frame, "table")
        scope = (
            f"{registry.get(args.under).name}的{'全部下级' if args.recursive else '直接下级'}"
            if args.under
            else "全部地区"
        )
        print(f"\n{scope}：共 {len(frame)} 个")
    return 0


def select(registry: RegionRegistry, under: str | None, recursive: bool = False) -> list[Region]:
    """Every region (registry order), or the reporting children of `under` (all levels below it with `recursive`)."""
    if not under:
        return list(registry)
    top = registry.get(under)
    if not recursive:
        return registry.children(top.name)
    out, todo = [], registry.children(top.name)
    while todo:
        region = todo.pop(0)
        out.append(region)
        todo[:0] = registry.children(region.name)
    return out


def regions_frame(registry: RegionRegistry, regions: list[Region]) -> pd.DataFrame:
    rows = [
        {
            "名称": r.name,
            "代码": r.code or "",
            "级别": LEVEL_NAMES_ZH[r.level],
            "类型": r.kind or "",
            "上级": r.administrative_parent or "",
            "报送上级": r.parent or "",
            "别名": "、".join(r.aliases),
            "曾用名": "、".join(dict.fromkeys(f"{f.name}（{f.code}）" if f.code else f.name for f in r.former)),
        }
        for r in regions
    ]
    return pd.DataFrame(rows, columns=COLUMNS)
