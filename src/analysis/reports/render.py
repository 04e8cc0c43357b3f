"""Rendering a report: papermill executes the notebook (kept for audit), then HTML, PDF and xlsx.

Outputs land atomically under `<out>/<period>/<kind>/<region>.<ext>`; a stopped
render leaves no half-written file.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from analysis import paths
from analysis.errors import UserError
from analysis.reports.notebooks import execute, html_body, page
from analysis.fsutil import atomic_path, write_text_atomic
from analysis.catalog.regions import load_regions
from analysis.periods import parse_month, parse_quarter

NOTEBOOKS = {"monthly": "monthly-dispatch", "quarterly": "quarterly-bulletin"}
KIND_ZH = {"monthly": "月调度", "quarterly": "季通报"}
FORMATS = ("ipynb", "html", "pdf", "xlsx")


@dataclass
class Rendered:
    kind: str
    period: str
    region: str
    files: dict[str, Path] = field(default_factory=dict)


def latest_period(kind: str, store) -> str:
    """The newest month in the store, or the newest quarter whose last month is in."""
    from analysis.reports.content import resolve_period
    from analysis.store.history import Store

    month = pd.Period(resolve_period(Store(store), None), "M")
    if kind == "monthly":
        return month.strftime("%Y-%m")
    quarter = month.asfreq("Q") if month.month % 3 == 0 else month.asfreq("Q") - 1
    return f"{quarter.year}-Q{quarter.quarter}"


def normalise_period(kind: str, period: str, store=None) -> str:
    if period == "latest":
        return latest_period(kind, store)
    if kind == "monthly":
        return parse_month(period)
    year, q = parse_quarter(period)
    return f"{year}-Q{q}"


def output_dir(out: Path | None, kind: str, period: str) -> Path:
    return Path(out or paths.REPORTS_DIR) / period / kind


def parse_formats(text: str) -> list[str]:
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UserError(f"未知的输出格式：{'、'.join(unknown) or '（空）'}，可选 {','.join(FORMATS)}")
    return wanted


def render_report(kind: str, period: str, region: str, formats=FORMATS, out: Path | None = None,
                  store: str | Path | None = None) -> Rendered:
    """Execute the report notebook for one region and period and write the requested formats."""
    if kind not in NOTEBOOKS:
        raise UserError(f"报告类型应为 monthly 或 quarterly，而不是“{kind}”")
    period = normalise_period(kind, period, store)
    region = load_regions().get(region).name
    target = output_dir(out, kind, period)
    result = Rendered(kind, period, region)
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        scratch = Path(scratch)
        tables = scratch / "tables.xlsx"
        # the notebook runs in notebooks/: a relative store path must not be resolved there
        params = {"region": region, "period": period, "store": str(Path(store).resolve()) if store else None,
                  "facts_out": str(target / f"{region}.facts.json"), "tables_out": str(tables) if "xlsx" in formats else None}
        ipynb = execute(NOTEBOOKS[kind], scratch / f"{region}.ipynb", params)
        nb = nbformat.read(str(ipynb), as_version=4)
        title = _title(nb) or f"{region}{KIND_ZH[kind]}（{period}）"
        result.files["facts"] = target / f"{region}.facts.json"
        if "ipynb" in formats:
            result.files["ipynb"] = _place(ipynb, target / f"{region}.ipynb")
        markup = page(title, html_body(nb))
        if "html" in formats:
            result.files["html"] = write_text_atomic(target / f"{region}.html", markup)
        if "pdf" in formats:
            from analysis.reports.pdf import html_to_pdf

            result.files["pdf"] = html_to_pdf(markup, target / f"{region}.pdf")
        if "xlsx" in formats:
            result.files["xlsx"] = _place(tables, target / f"{region}.xlsx")
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
