"""`reports/index.html`: every rendered report by period, kind and region, with relative links.

A static page: it works opened as a file and served by any static web server.
Built from the folders `<out>/<period>/<kind>/` and `<out>/final/<plan>/` (and their
batch manifests, for failures); every name is escaped and every link percent-encoded.
Final assessments come first, under their own heading, by plan title.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from analysis import paths
from analysis.fsutil import write_text_atomic

FORMATS = (("html", "网页"), ("pdf", "PDF"), ("xlsx", "Excel 附表"), ("ipynb", "笔记本"))
KIND_ZH = {"monthly": "月调度", "quarterly": "季通报"}
PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;
  margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left}
th{background:#f3f3f3}td.missing{color:#999}.failed{color:#b00}a{margin-right:.8em}
"""


def collect(out: Path) -> list[dict]:
    """One record per rendered (or failed) report found under `out`."""
    records = []
    for period_dir in sorted(p for p in Path(out).iterdir() if p.is_dir() and PERIOD_RE.match(p.name)):
        for kind, _ in KIND_ZH.items():
            records += _folder_records(period_dir / kind, period_dir.name, kind, f"{period_dir.name}/{kind}")
    finals = Path(out) / "final"
    if finals.is_dir():
        for plan_dir in sorted(p for p in finals.iterdir() if p.is_dir()):
            records += _folder_records(plan_dir, plan_dir.name, "final", f"final/{plan_dir.name}")
    return records


def _folder_records(folder: Path, period: str, kind: str, prefix: str) -> list[dict]:
    if not folder.is_dir():
        return []
    manifest = {}
    with contextlib.suppress(OSError, ValueError):
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("reports", {})
    regions = {p.name[: -len(".facts.json")] for p in folder.glob("*.facts.json")}
    regions |= {
        p.stem
        for fmt, _ in FORMATS
        for p in folder.glob(f"*.{fmt}")
        if not p.name.startswith(".") and not p.name.endswith(".failed.ipynb")
    }
    regions |= {p.name[: -len(".failed.ipynb")] for p in folder.glob("*.failed.ipynb")}
    records = []
    for region in sorted(regions, key=_region_order):
        files = {fmt: f"{prefix}/{region}.{fmt}" for fmt, _ in FORMATS if (folder / f"{region}.{fmt}").is_file()}
        entry = manifest.get(region, {})
        failed = (folder / f"{region}.failed.ipynb").is_file()
        records.append(
            {
                "period": period,
                "kind": kind,
                "region": region,
                "files": files,
                "failed": f"{prefix}/{region}.failed.ipynb" if failed else None,
                "error": entry.get("error") if entry.get("status") == "failed" else None,
                "rendered_at": entry.get("rendered_at") or _file_time(folder, region),
            }
        )
    return records


def _file_time(folder: Path, region: str) -> str | None:
    """When a report made by `render` (no batch manifest) was written: its newest file's time."""
    times = [p.stat().st_mtime for fmt, _ in FORMATS for p in [folder / f"{region}.{fmt}"] if p.is_file()]
    return dt.datetime.fromtimestamp(max(times)).isoformat(timespec="seconds") if times else None


@lru_cache(maxsize=1)
def _registry_positions() -> dict[str, int]:
    from analysis.catalog.regions import load_regions

    return {region.name: i for i, region in enumerate(load_regions().regions.values())}


def _region_order(name: str) -> tuple:
    """Province, then city, then county, in registry order (a draft or unknown name after its region)."""
    from analysis.catalog.regions import load_regions

    registry, order = load_regions(), _registry_positions()
    base = name.removesuffix("-草稿")
    region = registry.resolve(base)
    level = {"province": 0, "city": 1}.get(region.level, 2) if region is not None else 3
    return (level, order.get(region.name if region else "", len(order)), name)


# A province holds hundreds of reports: a box that keeps the rows whose region (or its city or province) contains
# what is typed. Plain script in the page, so the index still works opened as a file.
SEARCH_BOX = (
    '<p><label>筛选地区：<input type="search" id="region-filter" placeholder="如 新乐 或 石家庄市（含其所辖县区）" '
    'size="32"></label> <span id="filter-count"></span></p>'
)
SEARCH_SCRIPT = """
(function () {
  var box = document.getElementById('region-filter'), count = document.getElementById('filter-count');
  box.addEventListener('input', function () {
    var q = box.value.trim(), shown = 0;
    document.querySelectorAll('tr[data-search]').forEach(function (row) {
      var hit = !q || row.getAttribute('data-search').indexOf(q) >= 0;
      row.style.display = hit ? '' : 'none';
      if (hit) { shown += 1; }
    });
    document.querySelectorAll('table').forEach(function (table) {
      var any = table.querySelector('tr[data-search]:not([style*="none"])');
      table.style.display = any ? '' : 'none';
      var head = table.previousElementSibling;
      if (head && head.tagName === 'H3') { head.style.display = any ? '' : 'none'; }
    });
    count.textContent = q ? '显示 ' + shown + ' 份' : '';
  });
})();
"""


def _search_text(name: str) -> str:
    """What the filter matches a report's row on: its region, the region's aliases, and the regions above it."""
    from analysis.catalog.regions import load_regions

    registry = load_regions()
    region = registry.resolve(name.removesuffix("-草稿"))
    if region is None:
        return name
    above = [a.name for a in registry.ancestors(region.name)]
    return " ".join([name, *region.aliases, *above])


def _link(path: str, label: str) -> str:
    return f'<a href="{html.escape(quote(path), quote=True)}">{html.escape(label)}</a>'


def build_html(records: list[dict]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>报告索引</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<h1>报告索引</h1>",
        f"<p>共 {len(records)} 份报告；更新于 {html.escape(dt.datetime.now().strftime('%Y-%m-%d %H:%M'))}。</p>",
        SEARCH_BOX,
    ]
    if not records:
        parts.append("<p>尚未生成任何报告。</p>")
    finals = [r for r in records if r["kind"] == "final"]
    if finals:
        parts.append('<h2 id="final">方案终期评估</h2>')
        for plan in sorted({r["period"] for r in finals}):
            parts.append(f"<h3>{html.escape(_plan_title(plan))}</h3>")
            parts += _table([r for r in finals if r["period"] == plan])
    periods = sorted({r["period"] for r in records if r["kind"] != "final"}, reverse=True)
    for period in periods:
        parts.append(f'<h2 id="{html.escape(period)}">{html.escape(period)}</h2>')
        for kind, kind_zh in KIND_ZH.items():
            rows = [r for r in records if r["period"] == period and r["kind"] == kind]
            if not rows:
                continue
            parts.append(f"<h3>{kind_zh}</h3>")
            parts += _table(rows)
    parts += [f"<script>{SEARCH_SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _plan_title(plan_id: str) -> str:
    from analysis.catalog.targets import load_catalog

    plan = load_catalog().plans.get(plan_id)
    return plan.title if plan is not None else plan_id


def _table(rows: list[dict]) -> list[str]:
    parts = ["<table><thead><tr><th>地区</th><th>文件</th><th>生成时间</th></tr></thead><tbody>"]
    for r in rows:
        links = " ".join(_link(r["files"][fmt], label) for fmt, label in FORMATS if fmt in r["files"])
        if r["failed"]:
            note = f"生成失败：{html.escape(r['error'])}" if r["error"] else "生成失败"
            links += f' <span class="failed">{note}</span> ' + _link(r["failed"], "失败的笔记本")
        parts.append(
            f'<tr data-search="{html.escape(_search_text(r["region"]), quote=True)}">'
            f"<td>{html.escape(r['region'])}</td><td>{links or '（无文件）'}</td>"
            f"<td>{html.escape(r['rendered_at'] or '')}</td></tr>"
        )
    parts.append("</tbody></table>")
    return parts


def write_index(out: Path | None = None) -> Path:
    """Write `<out>/index.html` atomically and return its path."""

    out = Path(out or paths.REPORTS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    # the temporary file lives in <out>/.batch-tmp, so a killed run leaves nothing beside the reports
    return write_text_atomic(out / "index.html", build_html(collect(out)))
