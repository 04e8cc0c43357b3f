"""A 公文 with every GB/T 9704 element, rendered through the real PDF path and read back as a reader would."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pandas as pd
import pytest

from analysis.reports import gongwen as gw
from analysis.reports import html as rh
from analysis.reports.issuance import issuance
from analysis.reports.notebooks import page
from analysis.reports.pdf import html_to_pdf

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdffonts"), reason="poppler-utils not installed"
)

SIGNED = dt.date(2025, 10, 12)
TITLE = "关于2025年第四季度县域特色产业集群目标任务推进情况的通报"
# a sentence without punctuation, so that every line of a paragraph can hold exactly 28 characters
FILLER = "全市各县市区工业和信息化主管部门认真落实月调度季通报工作机制按时报送企业名录资质认定和指标填报数据" * 3
LONG_NAME = "石家庄市𠀀某某新材料科技股份有限公司（🏭智能制造示范工厂）" * 4


def sample_document() -> str:
    doc = issuance("quarterly", "石家庄市")
    outline = gw.Outline()
    names = pd.DataFrame(
        {"企业名称": [LONG_NAME, "河北省新乐市某某机械制造有限公司"], "认定日期": ["2025年9月15日", "2025年3月1日"]}
    )
    rows = pd.DataFrame({"地区": [f"县区{i:02d}" for i in range(45)], "目标": range(45), "状态": ["落后序时"] * 45})
    return page(
        TITLE,
        gw.masthead(doc.issuer, "石工信通〔2025〕9号")
        + gw.title(TITLE)
        + gw.recipients(doc.recipients)
        + f"<p>{FILLER}</p>"
        + outline.section("总体情况", f"<p>{FILLER}</p>")
        + outline.section("空的一节", rh.table(pd.DataFrame(), empty=""))
        + outline.heading("主要成效", 2)
        + f"<p>{FILLER}</p>"
        + outline.section("企业名录", rh.table(names, status_column=""), 2)
        + outline.section("各县（市、区）完成情况", rh.table(rows))
        + gw.closing(["各县（市、区）目标完成情况表", "报送情况"], doc.issuer, SIGNED, "此件公开发布")
        + gw.imprint(doc.copies, doc.printer, SIGNED),
    )


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    return html_to_pdf(sample_document(), tmp_path_factory.mktemp("gongwen") / "通报.pdf")


def pages_of(path, *options: str) -> list[str]:
    out = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def font_names(path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def test_the_elements_come_in_the_standards_order(pdf):
    text = "".join(pages_of(pdf, "-raw"))
    order = [
        "石家庄市工业和信息化局",  # 发文机关标志
        "石工信通〔2025〕9号",  # 发文字号
        "关于2025年第四季度",  # 标题
        "各县（市、区）工业和信息化局：",  # 主送
        "一、总体情况",
        "（一）主要成效",
        "二、各县（市、区）完成情况",  # continuous: the empty section took no number
        "县区44",  # the end of the body
        "附件：1. 各县（市、区）目标完成情况表\n2. 报送情况",  # together, on one page
        "石家庄市工业和信息化局\n2025年10月12日",  # 署名, then 成文日期 after the body
        "（此件公开发布）",
        "抄送：石家庄市人民政府办公室，河北省工业和信息化厅。",
        "石家庄市工业和信息化局办公室",
        "2025年10月12日印发",
    ]
    positions = [text.find(piece) for piece in order]
    assert -1 not in positions, [p for p, at in zip(order, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    assert "空的一节" not in text and "（无）" not in text


def test_the_imprint_sits_at_the_foot_of_the_last_page(pdf):
    pages = pages_of(pdf, "-raw")
    assert "抄送" in pages[-1] and all("抄送" not in p for p in pages[:-1])
    last = str(len(pages))
    bbox = subprocess.run(
        ["pdftotext", "-bbox", "-f", last, "-l", last, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    (bottom,) = [float(m[1]) for m in re.finditer(r'yMax="([\d.]+)">[^<]*印发</word>', bbox)]
    text_block_bottom = (37 + 225) * 72 / 25.4  # the 版心's lower edge, in points from the top
    assert text_block_bottom - 20 < bottom <= text_block_bottom + 1


def test_title_lines_as_computed(pdf):
    first = pages_of(pdf, "-layout")[0]
    lines = [line.strip() for line in first.splitlines()]
    for title_line in gw.title_lines(TITLE):
        assert title_line in lines


def test_body_is_fangsong_with_hei_and_kai_headings_and_the_rare_characters_have_a_face(pdf):
    fonts = font_names(pdf)
    for face in ("Workbook-Fang-SC", "Workbook-Hei-SC", "Workbook-Kai-SC", "Workbook-Serif-SC-Bold"):
        assert face in fonts
    assert "HanaMinB" in fonts  # 𠀀 (CJK Extension B)
    assert "Symbola" in fonts  # 🏭
    assert "Type 3" not in fonts
    text = "".join(pages_of(pdf, "-raw"))
    assert "𠀀" in text and "🏭" in text


def test_22_lines_of_28_characters(tmp_path):
    pdf = html_to_pdf(page("版心", "".join(f"<p>{FILLER}</p>" for _ in range(8))), tmp_path / "版心.pdf")
    pages = pages_of(pdf, "-layout")
    body = [line.strip() for line in pages[1].splitlines() if line.strip() and "—" not in line]
    assert len(body) == 22  # a full page
    lengths = {len(line) for line in body}
    assert lengths <= {26, 28} | {len(FILLER) % 28 + 2}  # 28 a line; 26 after the two-character indent
    assert 28 in lengths


def test_a_long_name_does_not_squeeze_the_date_column(pdf):
    lines = "".join(pages_of(pdf, "-raw")).splitlines()
    assert any("2025年9月15日" in line for line in lines)  # the date on one line, in one piece
    assert any("2025年3月1日" in line for line in lines)


@pytest.mark.parametrize("with_note", [False, True])
def test_a_table_heading_is_never_left_alone_at_the_foot_of_a_page(tmp_path, with_note):
    rows = pd.DataFrame({"地区": [f"县区{i}" for i in range(30)], "状态": ["落后序时"] * 30})
    note = rh.paragraph("各单位按完成率排序。", "note") if with_note else ""
    for lines in range(17, 22):
        body = "<p>一行正文。</p>" * lines + rh.heading("附表1  目标完成情况") + note + rh.table(rows)
        pages = pages_of(html_to_pdf(page("t", body), tmp_path / f"{lines}.pdf"), "-layout")
        last = [ln.strip() for ln in pages[0].splitlines() if ln.strip() and "—" not in ln][-1]
        assert not last.startswith(("附表1", "各单位按完成率排序")), (lines, last)


def test_page_numbers_in_dashes(pdf):
    for number, text in enumerate(pages_of(pdf, "-raw"), start=1):
        assert f"— {number} —" in text
