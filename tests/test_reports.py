"""月调度 and 季通报 rendered from a demo store, read back as a reader would (PDF text, fonts, HTML)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import nbformat
import openpyxl
import pytest

from analysis import paths
from analysis.demo.generate import generate_demo
from analysis.progress.engine import compute_progress
from analysis.progress.narrative import sentence
from analysis.reports.render import render_report
from analysis.store.history import Store

HOSTILE = "<script>alert(1)</script>"


def _headers(sheet) -> list:
    return [c.value.lstrip("*") if isinstance(c.value, str) else c.value for c in sheet[1]]


def table_sheet(book, *words: str):
    """The sheet of the table whose full name (the 目录 sheet's 表名) holds every one of `words`."""
    rows = list(book["目录"].iter_rows(min_row=3, values_only=True))
    hits = [tab for _, name, tab, *_ in rows if name and all(w in name for w in words)]
    assert len(hits) == 1, (words, [r[1] for r in rows])
    return book[hits[0]]


def _rename_a_new_awardee(folder) -> str:
    """Give an enterprise granted an award in 2025-09 a hostile name in its unit's register; return the unit file."""
    for path in sorted(folder.glob("*-2025-09.xlsx")):
        book = openpyxl.load_workbook(path)
        if "资质认定" not in book.sheetnames:
            continue
        awards, register = book["资质认定"], book["企业名录"]
        head = _headers(awards)
        codes = [
            row[head.index("统一社会信用代码")].value
            for row in awards.iter_rows(min_row=2)
            if str(row[head.index("认定日期")].value).startswith("2025-09")
        ]
        if not codes:
            continue
        head = _headers(register)
        for row in register.iter_rows(min_row=2):
            if row[head.index("统一社会信用代码")].value == codes[0]:
                row[head.index("企业名称")].value = HOSTILE
        book.save(path)
        return path.name
    raise AssertionError("no award granted in 2025-09 in the demo")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    generate_demo(root / "in", seed=0, until="2025-09", months=3)
    _rename_a_new_awardee(root / "in")
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", str(root / "in"), "--store", str(root / "store")],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return root


@pytest.fixture(scope="module")
def monthly(demo_store):
    return render_report("monthly", "2025-09", "石家庄市", out=demo_store / "reports", store=demo_store / "store")


@pytest.fixture(scope="module")
def quarterly(demo_store):
    return render_report("quarterly", "2025-Q3", "石家庄市", out=demo_store / "reports", store=demo_store / "store")


def pdf_text(path) -> str:
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return raw


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_outputs_land_where_the_issue_says(monthly, demo_store):
    base = demo_store / "reports" / "2025-09" / "monthly"
    for ext in ("ipynb", "html", "pdf", "xlsx"):
        assert (base / f"石家庄市.{ext}").is_file()
    assert not list(base.glob(".*part*"))


def test_monthly_pdf_reads_like_the_progress_table(monthly, demo_store):
    text = pdf_text(monthly.files["pdf"])
    assert "石家庄市" in text and "2025年9月" in text
    assert "— 1 —" in text and "月调度" in text
    progress = compute_progress(Store(demo_store / "store"), "2025-09-30")
    city = progress[(progress["jurisdiction"] == "石家庄市") & (progress["basis"] == "方案目标") & ~progress["closed"]]
    srdi = city[city["target_id"] == "sjz.srdi_sme.2025"].iloc[0]
    assert f"{int(srdi['actual'])}" in text and "专精特新中小企业" in text
    # every sentence in the report is the engine's own, number for number; the as-of date and the place are said
    # once, in the overview, not at the head of 27 sentences
    flat = squash(text)
    assert "截至2025年9月底，石家庄市" in flat
    attention = city[city["status"].isin(["落后序时", "严重滞后", "未完成", "未达标", "无数据", "覆盖不全"])]
    assert len(attention) and len(attention) < len(city)  # the rest are counted in the overview and in the table
    for _, row in attention.iterrows():
        assert squash(sentence(row, lead=False)) in flat
    assert flat.count("截至2025年9月底，石家庄市") == 1


def test_pdf_embeds_real_cjk_fonts(monthly, quarterly):
    for rendered in (monthly, quarterly):
        fonts = subprocess.run(
            ["pdffonts", str(rendered.files["pdf"])], capture_output=True, text=True, check=True
        ).stdout
        cjk = [line for line in fonts.splitlines() if "Workbook-Fang-SC" in line or "NotoSansCJK" in line]  # 仿宋 body
        assert cjk and all(" yes " in line for line in cjk)
        assert "Type 3" not in fonts


def test_notebooks_ran_clean_without_missing_glyphs(monthly, quarterly):
    for rendered in (monthly, quarterly):
        nb = nbformat.read(str(rendered.files["ipynb"]), as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.get("output_type") == "error"]
        assert not any("missing from font" in o.get("text", "") for o in outputs)
        assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs)


def test_html_has_no_code_and_escapes_hostile_names(monthly):
    html = monthly.files["html"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "monthly_report(" not in html and "import " not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE not in html
    assert "data:image/png;base64," in html  # one file to mail


def test_quarterly_ranks_units_and_names_the_lists(quarterly, demo_store):
    text = squash(pdf_text(quarterly.files["pdf"]))
    assert "第三季度" in text and "综合排名" in text and "黑榜" in text and "红榜" in text
    facts = json.loads(quarterly.files["facts"].read_text(encoding="utf-8"))
    assert facts["period"] == "2025-Q3" and facts["as_of"] == "2025-09-30"
    book = openpyxl.load_workbook(quarterly.files["xlsx"])
    ranking = table_sheet(book, "综合得分", "排名")
    assert ranking["A1"].value.endswith("（数据截至2025年9月30日）")  # the title row: region, period, cut-off
    assert ranking["A2"].value == "地区" and ranking.freeze_panes == "A3"
    assert isinstance(ranking["B3"].value, float)


def test_xlsx_keeps_numbers_and_neutralises_formulas(monthly):
    book = openpyxl.load_workbook(monthly.files["xlsx"])
    sheet = table_sheet(book, "在期目标完成情况")
    header = [c.value for c in sheet[2]]
    assert isinstance(sheet.cell(3, header.index("目标") + 1).value, (int, float))
    names = [c.value for c in table_sheet(book, "本月新认定企业")["A"]]
    assert HOSTILE in names


def test_an_open_month_renders_only_as_a_draft_marked_on_every_page(demo_store, monkeypatch):
    import datetime as dt

    from analysis import periods
    from analysis.errors import UserError

    monkeypatch.setattr(periods, "today", lambda: dt.date(2025, 9, 20))
    with pytest.raises(UserError, match="--draft"):
        render_report("monthly", "2025-09", "新乐市", out=demo_store / "drafts", store=demo_store / "store")
    draft = render_report(
        "monthly",
        "2025-09",
        "新乐市",
        formats=("pdf",),
        out=demo_store / "drafts",
        store=demo_store / "store",
        draft=True,
    )
    assert draft.files["pdf"].name == "新乐市-草稿.pdf"
    pages = int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(["pdfinfo", str(draft.files["pdf"])], capture_output=True, text=True, check=True).stdout,
        ).group(1)
    )
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(draft.files["pdf"]), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "草稿" in text, page


DEFECTS = ["新增新增", "新增选派", "新增申报", "场次5场", "工作专班", "（≥", "（≈", "≥", "≈", "≤"]


def test_the_pdfs_carry_no_comparison_sign_and_none_of_the_known_defects(monthly, quarterly):
    for rendered in (monthly, quarterly):
        text = pdf_text(rendered.files["pdf"])
        found = [d for d in DEFECTS if d in text]
        assert found == [], rendered.files["pdf"].name
        # no 序时 word for a target that is final, no target below one in a sentence
        assert not re.search(r"目标0(\.\d+)?[家个件项名场]", squash(text))


def test_every_target_row_is_named_and_carries_its_unit_so_a_share_is_not_read_as_a_count(demo_store):
    from analysis.reports.charts import calendar_chart
    from analysis.reports.content import monthly_report
    from analysis.store.history import Store

    store = Store(demo_store / "store")
    report = monthly_report(store, "西宁市", "2025-09")
    running = report.tables["目标完成情况"].set_index("指标")
    # the Xining plan sets three 2025 targets of 专精特新 enterprises: 80户 新培育, 占全省的65%, 70户 国家级和省级
    assert (running.loc["累计新认定专精特新中小企业", "目标"], running.loc["累计新认定专精特新中小企业", "单位"]) == (
        80,
        "户",
    )
    assert (running.loc["专精特新中小企业占全省比重", "目标"], running.loc["专精特新中小企业占全省比重", "单位"]) == (
        65,
        "%",
    )
    assert running.loc["国家级和省级专精特新中小企业", "目标"] == 70
    assert {"省级科技型中小企业", "市级科技型中小企业"} <= set(running.index)
    assert running.index.is_unique
    closed = monthly_report(store, "西宁市", "2026-01").tables["已到期目标"]
    assert list(closed.columns[:6]) == ["指标", "期限", "口径", "目标", "实际", "单位"] and closed["指标"].is_unique
    chart = calendar_chart(report.rows[report.rows["in_force"].astype(bool)], "")
    labels = [t.get_text() for t in chart.axes[0].get_yticklabels()]
    assert len(labels) == len(set(labels)) and "专精特新中小企业占全省比重（2025年）" in labels
