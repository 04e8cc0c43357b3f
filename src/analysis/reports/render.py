"""Rendering a report: papermill executes the notebook (kept for audit), then HTML, PDF and xlsx.

Outputs land atomically under `<out>/<period>/<kind>/<region>.<ext>` (a final
assessment under `<out>/final/<plan>/<region>.<ext>`); a stopped render leaves no
half-written file. A period is rendered once it is complete; an open one only as a
draft (`draft=True`: 草稿 on every page and in the file names).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.errors import UserError
from analysis.fsutil import current_umask
from analysis.periods import date_text, is_complete, parse_month, parse_quarter, period_text, quarter_months, today
from analysis.reports.notebooks import NotebookError, execute, html_body, page
from analysis.reports.plans import require_plan_in_force, submission_deadline

NOTEBOOKS = {"monthly": "monthly-dispatch", "quarterly": "quarterly-bulletin", "final": "final-assessment"}
KIND_ZH = {"monthly": "月调度", "quarterly": "季通报", "final": "终期评估"}
DRAFT_SUFFIX = "-草稿"
# 草稿 on every printed page (a margin box of the page), and a line at the top of the HTML
DRAFT_CSS = (
    '<style>@page { @top-right { content: "草稿"; color: #e60012; font-size: 16pt; font-weight: bold; } }'
    ".draft-banner { color: #e60012; font-weight: bold; text-align: center; }</style>"
)
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


def normalise_period(kind: str, period: str, store=None, region: str | None = None) -> str:
    """A period as YYYY-MM or YYYY-Qn; `latest` is the newest complete one, and for a region no later than the
    last month one of its plans is in force (after that there is nothing to 调度: see render final)."""
    if period == "latest":
        latest = latest_period(kind, store)
        return min(latest, _last_in_force(kind, region)) if region else latest
    if kind == "monthly":
        return parse_month(period)
    year, q = parse_quarter(period)
    return f"{year}-Q{q}"


def _last_in_force(kind: str, region: str) -> str:
    """The region's last month (or its quarter) with a plan in force; "9999" (no bound) for a region without plans."""
    from analysis.reports.plans import last_in_force_month

    month = last_in_force_month(region)
    if month is None:
        return "9999"
    if kind == "monthly":
        return month
    quarter = pd.Period(month, "M").asfreq("Q")
    return f"{quarter.year}-Q{quarter.quarter}"


def output_dir(out: Path | None, kind: str, period: str) -> Path:
    """`<out>/<period>/<kind>`; a final assessment (period = the plan's id) under `<out>/final/<plan>`."""
    if kind == "final":
        return Path(out or paths.REPORTS_DIR) / "final" / period
    return Path(out or paths.REPORTS_DIR) / period / kind


def check_complete(kind: str, period: str, draft: bool) -> None:
    """An open month or quarter is rendered only as a draft; one before every plan's baseline not at all."""
    if kind == "final":
        return
    last = period if kind == "monthly" else quarter_months(period)[-1]
    first = first_plan_month()
    if last < first:
        raise UserError(
            f"{period_text(period)}早于最早方案的基期（{period_text(first)}），"
            f"没有可调度的目标；请选择 {period_text(first)} 及以后的期间"
        )
    if draft:
        return
    if not is_complete(last):
        raise UserError(
            f"{period_text(period)}尚未结束，不能生成正式{KIND_ZH[kind]}；如需预览，请加 --draft（每页标注“草稿”）"
        )
    due = submission_deadline(last)
    if today() <= due:
        raise UserError(
            f"{period_text(last)}的报送截止日为{date_text(due)}，截止日之后才能生成正式{KIND_ZH[kind]}（成文日期不早于"
            "报送截止日）；如需预览，请加 --draft（每页标注“草稿”）"
        )


def first_plan_month() -> str:
    """The month of the earliest plan's baseline (YYYY-MM): nothing is tracked before it."""
    from analysis.catalog.targets import load_catalog

    return min(p.baseline_date for p in load_catalog().plans.values()).strftime("%Y-%m")


def notebook_params(
    kind: str,
    period: str,
    region: str,
    store,
    facts_out: str,
    tables_out: str | None,
    as_of: str | None = None,
    draft: bool = False,
    reports_dir: str | Path | None = None,
    remarks: str | Path | None = None,
) -> dict:
    """The parameters of a report notebook (a final assessment takes the plan's id, an as-of date and the official's
    remarks file). `reports_dir`: the reports folder, whose 发文字号 registry numbers the document."""
    params = {
        "region": region,
        "store": _store_param(store),
        "facts_out": facts_out,
        "tables_out": tables_out,
        "reports_dir": str(Path(reports_dir or paths.REPORTS_DIR).resolve()),
    }
    if kind == "final":
        return {**params, "plan": period, "as_of": as_of, "remarks": str(Path(remarks).resolve()) if remarks else None}
    return {**params, "period": period, "draft": draft}


def _store_param(store) -> str | None:
    """--store as the notebook must see it: a folder made absolute (the notebook runs in notebooks/), a
    postgresql:// URL as given."""
    from analysis.store.backends import is_url

    if not store:
        return None
    return str(store) if is_url(str(store)) else str(Path(store).resolve())


def parse_formats(text: str) -> list[str]:
    wanted = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UserError(f"未知的输出格式：{'、'.join(unknown) or '（空）'}，可选 {','.join(FORMATS)}")
    return wanted


def checked_document(
    kind: str,
    period: str,
    region: str | None,
    store: str | Path | None = None,
    *,
    draft: bool = False,
    remarks: str | Path | None = None,
    as_of: str | None = None,
) -> tuple[str, str, str | None]:
    """(period, region, the plan's jurisdiction for a final) of a document that may be rendered; a UserError for
    one that would be refused before it takes a 发文字号 (an open period, no plan in force, a plan not yet ended,
    unreadable remarks)."""
    if kind not in NOTEBOOKS:
        raise UserError(f"报告类型应为 monthly、quarterly 或 final，而不是“{kind}”")
    plan_jurisdiction = None
    if kind == "final":
        from analysis.reports.final import final_as_of, find_plan
        from analysis.reports.remarks import read_remarks
        from analysis.store.history import Store

        plan = find_plan(period)
        region, plan_jurisdiction = region or plan.jurisdiction, plan.jurisdiction
        read_remarks(remarks)  # a remarks file that cannot be read is refused before the notebook runs
        final_as_of(Store(store), plan, as_of)  # a plan not yet ended
    else:
        region = load_regions().get(region).name
        period = normalise_period(kind, period, store, region)
        check_complete(kind, period, draft)
        require_plan_in_force(region, kind, period)
    return period, load_regions().get(region).name, plan_jurisdiction


def reserve_number(kind: str, period: str, region: str, out: Path | None = None, store=None) -> str | None:
    """Give a formal document its 发文字号 now: the registry entry its notebook will find when it runs (which
    otherwise takes the next number when it gets there). A batch reserves its documents' numbers in job order, so
    the numbering does not depend on which render finishes first. None: the document would be refused before its
    notebook runs, and takes no number."""
    from analysis.reports.content import signed_on
    from analysis.reports.issuance import document_number, issuance

    try:
        period, region, plan_jurisdiction = checked_document(kind, period, region, store)
        doc = issuance(kind, region, plan_jurisdiction=plan_jurisdiction)
        return document_number(doc, period, on=signed_on(), folder=out)
    except UserError:  # refused, or a registry that cannot be read: the render says so for this document
        return None


def render_report(
    kind: str,
    period: str,
    region: str | None,
    formats=FORMATS,
    out: Path | None = None,
    store: str | Path | None = None,
    *,
    draft: bool = False,
    as_of: str | None = None,
    remarks: str | Path | None = None,
) -> Rendered:
    """Execute the report notebook for one region and period (a final assessment: one plan) and write the formats.
    `remarks`: a final assessment's text file of the official's own paragraphs (reports/remarks.py)."""
    period, region, _ = checked_document(kind, period, region, store, draft=draft, remarks=remarks, as_of=as_of)
    target = output_dir(out, kind, period)
    stem = region + (DRAFT_SUFFIX if draft and kind != "final" else "")
    result = Rendered(kind, period, region)
    with report_scratch(out) as scratch:
        tables = scratch / "tables.xlsx"
        # the notebook runs in notebooks/: a relative store path must not be resolved there
        params = notebook_params(
            kind,
            period,
            region,
            store,
            str(scratch / "facts.json"),
            str(tables) if "xlsx" in formats else None,
            as_of,
            draft,
            out,
            remarks,
        )
        try:
            ipynb = execute(NOTEBOOKS[kind], scratch / f"{stem}.ipynb", params)
        except NotebookError as err:
            kept = keep_failed(err.executed, target / f"{stem}.failed.ipynb")
            if kept is not None:  # the analyst's copy, with the full traceback
                raise NotebookError(f"{err}（执行记录：{kept}）", kept, err.exit_code) from None
            raise
        nb = nbformat.read(str(ipynb), as_version=4)
        title = _title(nb) or f"{region}{KIND_ZH[kind]}（{period}）"
        markup = page(title, html_body(nb))
        if draft and kind != "final":
            markup = markup.replace("</head>", DRAFT_CSS + "</head>", 1)
        produced = produce_formats(scratch, ipynb, markup, tables, formats)
        result.files = place_set(produced, target, stem)
    return result


REPORT_SCRATCH = ".render-tmp"


@contextmanager
def report_scratch(out: Path | None, folder: str = REPORT_SCRATCH):
    """A scratch folder under `<out>/<folder>`, on the reports' own file system (so finished files are renamed
    into place, not copied), removed on every exit path."""
    base = Path(out or paths.REPORTS_DIR) / folder
    base.mkdir(parents=True, exist_ok=True)
    remove_leftovers(base)
    scratch = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=base))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        with suppress(OSError):
            base.rmdir()  # only when no other render is using it


def remove_leftovers(base: Path) -> None:
    """Remove the scratch folders `<pid>-*` of renders that were killed (their process is gone)."""
    from analysis.fsutil import process_alive

    for folder in base.glob("*-*"):
        pid = folder.name.split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def produce_formats(scratch: Path, ipynb: Path, markup: str, tables: Path, formats) -> dict[str, Path]:
    """Every requested format, finished in `scratch` (nothing is placed before all of them are complete)."""
    produced = {"facts": scratch / "facts.json"}
    if "ipynb" in formats:
        produced["ipynb"] = ipynb
    if "html" in formats:
        (scratch / "page.html").write_text(markup, encoding="utf-8")
        produced["html"] = scratch / "page.html"
    if "pdf" in formats:
        from analysis.reports.pdf import html_to_pdf

        produced["pdf"] = html_to_pdf(markup, scratch / "report.pdf")
    if "xlsx" in formats:
        produced["xlsx"] = tables
    return {fmt: path for fmt, path in produced.items() if path.exists()}


def place_set(produced: dict[str, Path], target: Path, stem: str) -> dict[str, Path]:
    """Rename a report's finished files into `target` together (renames within one file system cannot fail
    for lack of space), facts last: a report is either its old set of files or its new one."""
    target.mkdir(parents=True, exist_ok=True)
    placed = {}
    for fmt in sorted(produced, key=lambda f: f == "facts"):
        source, name = produced[fmt], target / (f"{stem}.facts.json" if fmt == "facts" else f"{stem}.{fmt}")
        os.chmod(source, 0o666 & ~current_umask())
        os.replace(source, name)
        placed[fmt] = name
    # an earlier failure, and formats of an earlier set not rendered now (they would show older data), are gone
    for stale in [f for f in FORMATS if f not in produced] + ["failed.ipynb"]:
        (target / f"{stem}.{stale}").unlink(missing_ok=True)
    return placed


def keep_failed(executed: Path | None, target: Path) -> Path | None:
    """Keep a failed run's executed notebook for the analyst, only when it is a complete notebook (a disk that
    filled up mid-write leaves a truncated one, which would only mislead)."""
    if executed is None or not Path(executed).is_file():
        return None
    try:
        nbformat.read(str(executed), as_version=4)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(executed, target)  # the scratch folder is on the reports' disk: a rename
    except (OSError, ValueError):
        return None
    return target


def _title(nb) -> str | None:
    """The report's title as the notebook printed it (the doc-title of the title block)."""
    import re

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            match = re.search(
                r'<h1 class="doc-title">(.*?)</h1>', "".join(text) if isinstance(text, list) else text, flags=re.S
            )
            if match:
                import html

                return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))  # a title broken into lines
    return None
