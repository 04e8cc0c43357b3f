"""The review page of a draft: the whole plan text with every extracted span highlighted by kind,
and beside it the table of what was taken (uncertain entries first) and what was left."""

from __future__ import annotations

import html

from analysis.catalog.drafting.entries import Draft
from analysis.catalog.targets import KIND_NAMES_ZH

COLOURS = {
    "stock": "#cfe3ff",
    "cumulative": "#d7f5d0",
    "annual": "#fff2b3",
    "in-year": "#ffe0b3",
    "ratio": "#f2d9ff",
    "rate": "#e9d5ff",
    "growth": "#ffd6e7",
    "share": "#d0f0f0",
    "pool": "#e0e8c8",
    "threshold": "#e6e6e6",
    "incentive": "#ffe4d6",
    "baseline": "#c9f2e6",
}
LEFT = "left"
_PAGE_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:0;color:#222}
header{padding:12px 20px;border-bottom:1px solid #ccc}h1{font-size:20px;margin:0 0 6px}
main{display:flex;gap:16px;padding:12px 20px;align-items:flex-start}
.text{flex:1 1 48%;white-space:pre-wrap;line-height:1.9;font-size:15px;border:1px solid #ddd;padding:12px}
.side{flex:1 1 52%;position:sticky;top:0;max-height:100vh;overflow:auto}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #ccc;padding:3px 5px;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}.fig{font-weight:bold;border-bottom:2px solid #333}
.left{background:#eee;color:#777;text-decoration:line-through}.review td.why{color:#b00020}
.legend span{display:inline-block;padding:0 6px;margin:2px;border-radius:3px;font-size:12px}
a{color:inherit}
"""


def _layers(draft: Draft, length: int) -> tuple[list[str | None], list[str | None]]:
    """For each character: the kind of the first entry whose quote covers it, and the entry whose figure it is."""
    kind: list[str | None] = [None] * length
    anchor: list[str | None] = [None] * length
    for n, t in enumerate(draft.targets, start=1):
        for i in range(t.start, t.end):
            kind[i] = kind[i] or t.kind
        for i in range(t.figure_start, min(t.figure_end, t.end) if t.figure_end > t.start else t.figure_end):
            anchor[i] = anchor[i] or f"t{n}"
    for b in draft.baselines:
        for i in range(b.start, b.end):
            kind[i] = kind[i] or "baseline"
    for n, left in enumerate(draft.left_out, start=1):
        for i in range(left.start, left.end):
            if kind[i] is None:
                kind[i] = LEFT
            anchor[i] = anchor[i] or f"l{n}"
    return kind, anchor


def _text_html(draft: Draft) -> str:
    raw = draft.text.raw
    kind, anchor = _layers(draft, len(raw))
    out, i = [], 0
    while i < len(raw):
        j = i + 1
        while j < len(raw) and kind[j] == kind[i] and anchor[j] == anchor[i]:
            j += 1
        piece = html.escape(raw[i:j])
        if anchor[i]:
            cls = "fig left" if kind[i] == LEFT else "fig"
            piece = f'<a id="{anchor[i]}" href="#row-{anchor[i]}" class="{cls}">{piece}</a>'
        shade = kind[i]
        if shade and shade != LEFT:
            name = KIND_NAMES_ZH.get(shade, "基数")
            piece = f'<mark style="background:{COLOURS[shade]}" title="{name}">{piece}</mark>'
        out.append(piece)
        i = j
    return "".join(out)


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def _rows(draft: Draft, ids: list[str], names: list[str]) -> str:
    order = sorted(range(len(draft.targets)), key=lambda n: (not draft.targets[n].reasons, n))
    rows = []
    for n in order:
        t = draft.targets[n]
        cls = ' class="review"' if t.reasons else ""
        rows.append(
            f'<tr id="row-t{n + 1}"{cls}><td><a href="#t{n + 1}">{html.escape(ids[n])}</a></td>'
            f"<td>{html.escape(names[n])}</td>"
            f'<td style="background:{COLOURS[t.kind]}">{KIND_NAMES_ZH[t.kind]}</td>'
            f"<td>{'每年' if t.period == 'annual' else html.escape(t.period + '年')}</td>"
            f"<td>{html.escape(t.comparison)}{_number(t.low)}{'–' + _number(t.high) if t.high is not None else ''}"
            f"{html.escape(t.unit)}</td><td>{'力争' if t.aspirational else ''}</td>"
            f'<td>{html.escape(t.quote)}</td><td class="why">{html.escape("；".join(t.reasons))}</td></tr>'
        )
    return "".join(rows)


def review_html(draft: Draft, title: str, ids: list[str], names: list[str]) -> str:
    """A self-contained page (no scripts, no external files)."""
    legend = (
        "".join(f'<span style="background:{c}">{KIND_NAMES_ZH.get(k, "基数")}</span>' for k, c in COLOURS.items())
        + '<span class="left">未收录的数字</span>'
    )
    review = sum(1 for t in draft.targets if t.reasons)
    baselines = "".join(
        f"<tr><td>{html.escape(b.name)}</td><td>{_number(b.value)}{html.escape(b.unit)}</td>"
        f"<td>{html.escape(b.as_of or '方案印发时')}</td><td>{html.escape(draft.text.raw[b.start : b.end])}</td></tr>"
        for b in draft.baselines
    )
    left = "".join(
        f'<tr id="row-l{n}"><td><a href="#l{n}">{html.escape(x.text or draft.text.raw[x.start : x.end])}</a></td>'
        f"<td>{html.escape(x.reason)}</td></tr>"
        for n, x in enumerate(draft.left_out, start=1)
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>目标草稿核对：{html.escape(title)}</title>
<style>{_PAGE_CSS}</style></head><body>
<header><h1>目标草稿核对：{html.escape(title)}</h1>
<p>共读出 {len(draft.targets)} 条目标，其中待核 {review} 条（表中排在最前，红字为原因）；
基数 {len(draft.baselines)} 条；未收录的数字 {len(draft.left_out)} 处（原文中灰色删除线）。
点击原文中的数字可跳到表中对应行。</p>
<p class="legend">{legend}</p></header>
<main><div class="text">{_text_html(draft)}</div>
<div class="side"><table><thead><tr><th>编号</th><th>指标</th><th>类型</th><th>期限</th><th>目标值</th><th>预期性</th>
<th>原文</th><th>待核原因</th></tr></thead><tbody>{_rows(draft, ids, names)}</tbody></table>
<h2>基数（不是目标）</h2><table><thead><tr><th>指标</th><th>数值</th><th>时点</th><th>原文</th></tr></thead>
<tbody>{baselines or '<tr><td colspan="4">无</td></tr>'}</tbody></table>
<h2>未收录的数字</h2><table><thead><tr><th>原文</th><th>原因</th></tr></thead>
<tbody>{left or '<tr><td colspan="2">无</td></tr>'}</tbody></table></div></main></body></html>
"""
