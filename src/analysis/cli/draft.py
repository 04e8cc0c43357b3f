"""`python -m analysis targets draft PLAN.(txt|pdf|docx)`: a new plan's targets drafted from its text.

yaml (default) is the catalog file data/targets/ID.yml to review; csv gives the columns of
`targets --format csv` on standard output; html is the review page (the text with every span
highlighted, the table beside it). With --plan the text is kept verbatim as data/policies/ID.txt
beside a draft of its metadata (ID.meta.yml), so `targets check` can verify the quotes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from analysis import paths
from analysis.errors import UserError
from analysis.fsutil import check_output_file, write_text_atomic

DRAFT_FORMATS = ("yaml", "csv", "html")
_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,60}")


def plan_id_of(args) -> str:
    if args.plan:
        if not _PLAN_ID.fullmatch(args.plan):
            raise UserError(f"方案编号“{args.plan}”无效：请用小写字母、数字和连字符，如 hebei-2026-srdi-doubling")
        return args.plan
    stem = Path(args.file).stem.lower()
    return stem if _PLAN_ID.fullmatch(stem) else "draft"


def run_draft(args) -> int:
    from analysis.catalog.drafting.drafter import draft_text
    from analysis.catalog.drafting.output import meta_yaml, targets_frame, targets_yaml
    from analysis.catalog.drafting.planmeta import draft_meta
    from analysis.catalog.drafting.sources import read_plan_file
    from analysis.catalog.targets import load_indicators
    from analysis.cli.console import print_frame, render_frame, write_csv_text

    if not args.file:
        raise UserError("请给出方案文件，如 python -m analysis targets draft 方案.pdf --plan hebei-2026-srdi")
    fmt = "yaml" if args.format == "table" else args.format
    if fmt not in DRAFT_FORMATS:
        raise UserError(f"targets draft 的 --format 应为 {'、'.join(DRAFT_FORMATS)}（不是 {args.format}）")
    data_dir = Path(args.data_dir) if args.data_dir else paths.DATA_DIR
    plan_id = plan_id_of(args)
    kept = _kept_files(data_dir, plan_id, args) if args.plan else []
    if args.out:
        check_output_file(args.out, force=args.force)
    raw = read_plan_file(args.file)
    draft = draft_text(raw, data_dir)
    meta = draft_meta(plan_id, draft.text, draft.first_year, draft.last_year)
    source = f"{plan_id}.txt" if args.plan else Path(args.file).name
    indicators = load_indicators(data_dir / "indicators.yml")
    if kept:
        write_text_atomic(kept[0], raw)
        write_text_atomic(kept[1], meta_yaml(meta, draft))
    if fmt == "csv":
        frame = targets_frame(draft, plan_id, meta["jurisdiction"], indicators, source)
        if args.out:
            write_csv_text(render_frame(frame, "csv"), Path(args.out), encoding=args.encoding)
        else:
            print_frame(frame, "csv", encoding=args.encoding)
    else:
        text = (
            targets_yaml(draft, plan_id, meta["jurisdiction"], indicators, source)
            if fmt == "yaml"
            else _review_page(draft, plan_id, meta, indicators, source)
        )
        if args.out:
            write_text_atomic(Path(args.out), text)
        else:
            sys.stdout.write(text)
    _summary(draft, kept, args.out, fmt)
    return 0


def _kept_files(data_dir: Path, plan_id: str, args) -> list[Path]:
    text = data_dir / "policies" / f"{plan_id}.txt"
    meta = data_dir / "policies" / f"{plan_id}.meta.yml"
    for path in (text, meta):
        if path.exists() and not args.force:
            raise UserError(f"“{path}”已存在（方案 {plan_id} 已在目录中）；如需重新读取并覆盖请加 --force")
    return [text, meta]


def _review_page(draft, plan_id, meta, indicators, source) -> str:
    from analysis.catalog.drafting.output import proposed_ids, target_ids
    from analysis.catalog.drafting.review import review_html

    new_ids = proposed_ids(draft)
    names = [
        indicators[t.indicator].name if t.indicator in indicators else f"（建议新增）{t.proposed_name}"
        for t in draft.targets
    ]
    title = meta["title"] if meta["title"] != "待填" else source
    return review_html(draft, title, target_ids(draft, plan_id, new_ids), names)


def _summary(draft, kept: list[Path], out, fmt: str) -> None:
    review = sum(1 for t in draft.targets if t.reasons)
    lines = [
        f"读出目标 {len(draft.targets)} 条（待核 {review} 条），基数 {len(draft.baselines)} 条，"
        f"未收录的数字 {len(draft.left_out)} 处。"
    ]
    if kept:
        lines.append(f"原文已保存为 {kept[0]}，方案元数据草稿为 {kept[1]}（“待填”处请补全）。")
    if out:
        lines.append(f"已写出 {out}。")
    if fmt == "yaml":
        lines.append("核对后放入 data/targets/，再运行 python -m analysis targets check 核对引文。")
    print("\n".join(lines), file=sys.stderr)
