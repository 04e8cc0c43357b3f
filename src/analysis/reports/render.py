"""Rendering a report: papermill executes the notebook (kept for audit), then HTML, PDF and xlsx.

Outputs land atomically under `<out>/<period>/<kind>/<region>.<ext>` (a final
assessment under `<out>/final/<plan>/<region>.<ext>`); a stopped render leaves no
half-written file. A period is rendered once it is complete; an open one only as a
draft (`draft=True`: 草稿 on every page and in the file names).
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from analysis import paths
from analysis.errors import UserError
from analysis.reports.notebooks import NotebookError, execute, html_body, page
from analysis.fsutil import atomic_path, write_text_atomic
from analysis.catalog.regions import load_regions
from analysis.periods import is_complete, parse_month, parse_quarter, quarter_months

NOTEBOOKS = {"monthly": "monthly-dispatch", "quarterly": "quarterly-bulletin", "final": "final-assessment"}
KIND_ZH = {"monthly": "月调度", "quarterly": "季通报", "final": "终期评估"}
DRAFT_SUFFIX = "-草稿"
# 草稿 on every printed page (a margin box of the page), and a line at the top of the HTML
DRAFT_CSS = ('<style>@page { @top-right { content: "草稿"; color: #e60012; font-size: 16pt; font-weight: bold; } }'
             '.draft-banner { color: #e60012; font-weight: bold; text-align: center; }</style>')
FORMATS = ("ipynb", "html", "pdf", "xlsx")


@dataclass
class Rendered:
    kind: str
    period: str
    region: str
    files: dict[str, Path] = field(default_factory=dict)


def latest_period(kind: str, store) -> str:
    """The newest complete month the store holds, or the newest complete quarter (its three months in)."""
    from analysis.reports.content import resolve_period, resolve_quarter
    from analysis.store.history import Store

    db = Store(store)
    return resolve_period(db, None) if kind == "monthly" else resolve_quarter(db, None)


def normalise_period(kind: str, period: str, store=None) -> str:
    if period == "latest":
        return latest_period(kind, store)
    if kind == "monthly":
        return parse_month(period)
    year, q = parse_quarter(period)
    return f"{year}-Q{q}"


def output_dir(out: Path | None, kind: str, period: str) -> Path:
    """`<out>/<period>/<kind>`; a final assessment (period = the plan's id) under `<out>/final/<plan>`."""
    if kind == "final":
        return Path(out or paths.REPORTS_DIR) / "final" / period
    return Path(out or paths.REPORTS_DIR) / period / kind


def check_complete(kind: str, period: str, draft: bool) -> None:
    """An open month or quarter is rendered only as a draft."""
    if kind == "final" or draft:
        return
    last = period if kind == "monthly" else quarter_months(period)[-1]
    if not is_complete(last):
        what = f"{period[:4]}年{int(period[5:])}月" if kind == "monthly" else f"{period[:4]}年第{'一二三四'[int(period[-1]) - 1]}季度"
        raise UserError(f"{what}尚未结束，不能生成正式{KIND_ZH[kind]}；如需预览，请加 --draft（每页标注“草稿”）")


def notebook_params(kind: str, period: str, region: str, store, facts_out: str, tables_out: str | None,
                    as_of: str | None = None, draft: bool = False) -> dict:
    """The parameters of a report notebook (a final assessment takes the plan's id and an as-of date)."""
    params = {"region": region, "store": str(Path(store).resolve()) if store else None,
              "facts_out": facts_out, "tables_out": tables_out}
    if kind == "final":
        return {**params, "plan": period, "as_of": as_of}
    return {**params, "period": period, "draft": draft}


def parse_formats(text: str) -> list[str]:
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UserError(f"未知的输出格式：{'、'.join(unknown) or '（空）'}，可选 {','.join(FORMATS)}")
    return wanted


def render_report(kind: str, period: str, region: str | None, formats=FORMATS, out: Path | None = None,
                  store: str | Path | None = None, *, draft: bool = False, as_of: str | None = None) -> Rendered:
    """Execute the report notebook for one region and period (a final assessment: one plan) and write the formats."""
    if kind not in NOTEBOOKS:
        raise UserError(f"报告类型应为 monthly、quarterly 或 final，而不是“{kind}”")
    if kind == "final":
        from analysis.reports.final import find_plan

        plan = find_plan(period)
        region = region or plan.jurisdiction
    else:
        period = normalise_period(kind, period, store)
        check_complete(kind, period, draft)
    region = load_regions().get(region).name
    target = output_dir(out, kind, period)
    stem = region + (DRAFT_SUFFIX if draft and kind != "final" else "")
    result = Rendered(kind, period, region)
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        scratch = Path(scratch)
        tables = scratch / "tables.xlsx"
        # the notebook runs in notebooks/: a relative store path must not be resolved there
        params = notebook_params(kind, period, region, store, str(target / f"{stem}.facts.json"),
                                 str(tables) if "xlsx" in formats else None, as_of, draft)
        try:
            ipynb = execute(NOTEBOOKS[kind], scratch / f"{stem}.ipynb", params)
        except NotebookError as err:
            if err.executed is not None:   # the analyst's copy, with the full traceback
                kept = _place(err.executed, target / f"{stem}.failed.ipynb")
                raise NotebookError(f"{err}（执行记录：{kept}）", kept, err.exit_code) from None
            raise
        nb = nbformat.read(str(ipynb), as_version=4)
        title = _title(nb) or f"{region}{KIND_ZH[kind]}（{period}）"
        result.files["facts"] = target / f"{stem}.facts.json"
        if "ipynb" in formats:
            result.files["ipynb"] = _place(ipynb, target / f"{stem}.ipynb")
        markup = page(title, html_body(nb))
        if draft and kind != "final":
            markup = markup.replace("</head>", DRAFT_CSS + "</head>", 1)
        if "html" in formats:
            result.files["html"] = write_text_atomic(target / f"{stem}.html", markup)
        if "pdf" in formats:
            from analysis.reports.pdf import html_to_pdf

            result.files["pdf"] = html_to_pdf(markup, target / f"{stem}.pdf")
        if "xlsx" in formats:
            result.files["xlsx"] = _place(tables, target / f"{stem}.xlsx")
    return result


def _place(source: Path, target: Path) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(source.read_bytes())
    return target


def _title(nb) -> str | None:
    """The report's title as the notebook printed it (the doc-title of the title block)."""
    import re

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            match = re.search(r'<h1 class="doc-title">(.*?)</h1>', "".join(text) if isinstance(text, list) else text)
            if match:
                import html
                return html.unescape(match.group(1))
    return None
