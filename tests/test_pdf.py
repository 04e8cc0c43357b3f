"""PDF output read back as a reader would: text per page, embedded fonts, rows whole."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from analysis.reports import pdffonts
from analysis.reports.pdf import html_to_pdf, print_css, print_stylesheet

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdffonts"), reason="poppler-utils not installed"
)

RARE = "龘"  # in Noto Sans CJK SC, not in GB2312, so not in the reduced font
ROWS = 60


def png_bytes() -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2), dpi=100)
    ax.plot([1, 2, 3], [2, 1, 3])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)  # explicit: rcParams may carry the charts' 200 dpi
    plt.close(fig)
    return buf.getvalue()


def report_html() -> str:
    rows = "\n".join(
        f"<tr><td>企业{i:02d}号</td><td class='num'>{100 + i}.5</td><td>落后序时</td></tr>" for i in range(1, ROWS + 1)
    )
    img = base64.b64encode(png_bytes()).decode()
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试</title></head><body>
<div class="issuer">某某市科学技术局</div><hr class="red-rule">
<div class="doc-title">关于高新技术企业培育进度的通报</div>
<p>全市完成进度≥序时进度，较上月提高2.5个百分点；{RARE}字用于检验字体回退。</p>
<img src="data:image/png;base64,{img}" alt="趋势图">
<table><thead><tr><th>企业名称</th><th>完成值</th><th>状态</th></tr></thead>
<tbody>{rows}</tbody></table>
<p class="doc-date">2024年6月30日</p></body></html>"""


@pytest.fixture(scope="module")
def font_cache():
    """The real cache ($WORKBOOK_FONT_CACHE or .cache/fonts): ~20 s on the first run only."""
    return pdffonts.ensure_report_fonts()


@pytest.fixture(scope="module")
def pdf(font_cache, tmp_path_factory):
    return html_to_pdf(report_html(), tmp_path_factory.mktemp("pdf") / "通报.pdf")


def page_texts(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def embedded_fonts(path) -> list[dict]:
    """pdffonts' table, split at the columns its dashed rule marks."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    header, rule, *rows = out.splitlines()
    spans = [m.span() for m in re.finditer(r"-+", rule)]
    keys = ["name", "type", "encoding", "emb", "sub", "uni"]
    # strict=False: the rule also marks a seventh column (object ID), which is not read
    return [{k: row[a : b + 1].strip() for k, (a, b) in zip(keys, spans, strict=False)} for row in rows]


def test_reduced_fonts_are_small_and_renamed(font_cache):
    assert {"sans", "sans-bold"} <= font_cache.keys()
    font = TTFont(font_cache["sans"])
    cmap = font.getBestCmap()
    assert font["name"].getDebugName(1) == "Workbook Sans SC"
    assert 7_000 < len(font.getGlyphOrder()) < 10_000
    assert not {"GSUB", "GPOS", "vmtx"} & set(font.keys())  # WeasyPrint would re-subset them per PDF
    for char in "高新技术企业—≥≤≈％℃·“”《》〔〕【】①→↑↓▲▼●○㎡":
        assert ord(char) in cmap, char
    assert ord(RARE) not in cmap


def test_font_cache_is_reused_and_rebuilt_when_stale(monkeypatch, tmp_path):
    built = []

    def fake_build(face, source, target):
        built.append(face.key)
        target.write_bytes(b"OTTO")

    monkeypatch.setattr(pdffonts, "build_face", fake_build)
    monkeypatch.setattr(pdffonts.os, "cpu_count", lambda: 1)  # in-process, so the fake is used
    first = pdffonts.ensure_report_fonts(tmp_path)
    assert set(built) == set(first) and first["sans"] == tmp_path / "WorkbookSansSC-Regular.otf"
    built.clear()
    assert pdffonts.ensure_report_fonts(tmp_path) == first and built == []
    monkeypatch.setattr(pdffonts, "BUILD_VERSION", pdffonts.BUILD_VERSION + 1)
    pdffonts.ensure_report_fonts(tmp_path)
    assert set(built) == set(first)
    built.clear()
    first["sans-bold"].unlink()
    pdffonts.ensure_report_fonts(tmp_path)
    assert built == ["sans-bold"]  # only the face that is missing


def test_text_title_and_page_numbers(pdf):
    pages = page_texts(pdf)
    assert len(pages) >= 2
    assert "关于高新技术企业培育进度的通报" in pages[0]
    assert "某某市科学技术局" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert f"— {number} —" in text
    everything = "".join(pages)
    assert "企业01号" in everything and "企业60号" in everything and "160.5" in everything
    assert "2024年6月30日" in pages[-1]


def test_header_repeats_and_rows_never_split(pdf):
    pages = page_texts(pdf)
    seen = []
    for text in pages:
        for i in range(1, ROWS + 1):
            line = next((ln for ln in text.splitlines() if f"企业{i:02d}号" in ln), None)
            if line is not None:
                assert f"{100 + i}.5" in line and "落后序时" in line, line
                seen.append(i)
    assert seen == list(range(1, ROWS + 1))  # every row exactly once
    table_pages = [t for t in pages if "企业" in t and "号" in t]
    assert len(table_pages) >= 2
    assert all("企业名称" in t for t in table_pages)


def test_fonts_embedded_reduced_and_fallback(pdf):
    fonts = embedded_fonts(pdf)
    assert fonts and all(f["emb"] == "yes" and f["type"] != "Type 3" for f in fonts)
    names = " ".join(f["name"] for f in fonts)
    assert "Workbook-Fang-SC" in names  # the body: 仿宋 (GB/T 9704)
    assert "Workbook-Hei-SC" in names  # table headers: 黑体
    assert "Workbook-Serif-SC" in names  # title, issuer, page numbers
    assert "Noto-Serif-CJK-SC" in names  # fallback for the rare character only
    assert RARE in "".join(page_texts(pdf))


def test_embedded_image_page_is_a4(pdf):
    reader = PdfReader(pdf)
    page = reader.pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox.upper_right)
    assert round(width_mm) == 210 and round(height_mm) == 297
    images = list(page.images)
    assert images and images[0].image.size == (400, 200)  # the PNG's own pixels, not resampled


def test_output_is_atomic_and_fragment_gets_wrapped(font_cache, tmp_path):
    out = html_to_pdf("<p>仅有正文片段</p>", tmp_path / "片段.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in tmp_path.iterdir()] == ["片段.pdf"]
    assert "仅有正文片段" in page_texts(out)[0]


def test_stylesheet_for_templates(font_cache):
    css = print_stylesheet()
    assert "@font-face" in css and font_cache["sans"].as_uri() in css
    assert "margin: 37mm 26mm 35mm 28mm" in print_css()
    assert '"— " counter(page) " —"' in print_css()


def test_html_file_with_relative_image(font_cache, tmp_path):
    (tmp_path / "图表.png").write_bytes(png_bytes())
    page = tmp_path / "报告.html"
    page.write_text(
        '<html><head><meta charset="utf-8"></head><body><h1>附图</h1><img src="图表.png"></body></html>',
        encoding="utf-8",
    )
    out = html_to_pdf(page, tmp_path / "out" / "报告.pdf")
    assert list(PdfReader(out).pages[0].images)
    assert "附图" in page_texts(out)[0]


def test_a_cell_of_excels_maximum_length_is_cut_visibly_in_the_pdf_and_kept_whole_in_the_xlsx(tmp_path):
    import time

    import openpyxl
    import pandas as pd

    from analysis.reports import html as rh
    from analysis.reports.notebooks import page
    from analysis.reports.pdf import html_to_pdf
    from analysis.reports.xlsx import write_tables

    note = ("企业申报材料正在补充完善" * 3000)[:32767]  # Excel's cell limit
    frame = pd.DataFrame({"地区": ["新乐市"], "情况说明": [note], "备注": ["x" * 100000]})
    start = time.monotonic()
    pdf = html_to_pdf(page("长文本", rh.table(frame, status_column="")), tmp_path / "long.pdf")
    assert time.monotonic() - start < 60
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.replace("\n", "").count("全文见附表") == 2  # both long cells say they were cut
    write_tables(tmp_path / "long.xlsx", {"情况说明": frame})
    sheet = openpyxl.load_workbook(tmp_path / "long.xlsx").active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert note in values
