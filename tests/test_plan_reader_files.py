"""`python -m analysis targets draft` on the files a bureau receives: PDF (made here with LibreOffice from
a Word file), Word .docx (python-docx), GB18030 text; its yaml, csv and html outputs; and its refusals."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis import paths
from analysis.catalog.drafting.sources import read_plan_file
from analysis.catalog.targets import CATALOG_COLUMNS, load_catalog

PLAN = (
    "河北省专精特新中小企业倍增三年行动计划（2025—2027年）\n"
    "一、主要目标\n"
    "截至2024年底，全省已有专精特新中小企业4.3万家。"
    "到2027年，全省专精特新中小企业达到8.6万家，专精特新“小巨人”企业达到800家以上；"
    "每年新增创新型中小企业5000家。\n"
    "二、支持政策\n"
    "对新认定的专精特新“小巨人”企业给予50万元奖励。\n"
)
EXPECTED = [
    ("srdi_sme", "stock", "2027", 86000, "家"),
    ("little_giant", "stock", "2027", 800, "家"),
    ("innovative_sme", "annual", "annual", 5000, "家"),
    ("little_giant", "incentive", "annual", 50, "万元"),
]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "targets", "draft", *args],
        capture_output=True,
        cwd=cwd or paths.PROJECT_ROOT,
        timeout=300,
    )


def make_docx(path: Path, text: str) -> Path:
    from docx import Document

    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "指标", "到2027年高新技术企业达到1.2万家"
    doc.save(path)
    return path


def drafted(yaml_text: str) -> list[tuple]:
    doc = yaml.safe_load(yaml_text)
    return [(t["indicator"], t["kind"], t["period"], t["low"], t["unit"]) for t in doc["targets"]]


def test_a_docx_plan_is_read_paragraphs_and_tables(tmp_path):
    path = make_docx(tmp_path / "计划.docx", PLAN)
    text = read_plan_file(path)
    assert "到2027年，全省专精特新中小企业达到8.6万家" in text and "到2027年高新技术企业达到1.2万家" in text
    done = cli(str(path))
    assert done.returncode == 0, done.stderr.decode()
    assert drafted(done.stdout.decode())[:4] == EXPECTED
    assert ("high_tech", "stock", "2027", 12000, "家") in drafted(done.stdout.decode())


def make_pdf(path: Path, text: str) -> Path:
    """A two-page A4 PDF with embedded CJK fonts (WeasyPrint), the page broken inside a sentence."""
    import html

    from weasyprint import HTML

    lines = text.splitlines()
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[:3])
    body += '<p style="page-break-before: always">' + "".join(html.escape(line) for line in lines[3:]) + "</p>"
    page = f'<html lang="zh-CN"><body style="font-family: \'Noto Sans CJK SC\'; font-size: 12pt">{body}</body></html>'
    HTML(string=page).write_pdf(path)
    return path


def test_a_pdf_plan_is_read_through_pdftotext(tmp_path):
    pdf = make_pdf(tmp_path / "plan.pdf", PLAN)
    text = read_plan_file(pdf)
    assert "专精特新中小企业达到8.6万家" in text
    done = cli(str(pdf), "--format", "csv")
    assert done.returncode == 0, done.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8-sig"))))
    assert list(rows[0]) == CATALOG_COLUMNS
    assert [(r["indicator"], r["kind"], r["period"], r["low"], r["unit"]) for r in rows] == [
        (i, k, p, str(v), u) for i, k, p, v, u in EXPECTED
    ]
    assert all(r["quote"] in text for r in rows)


@pytest.mark.skipif(
    shutil.which("soffice") is None or not Path("/usr/lib/libreoffice/program/libswlo.so").exists(),
    reason="LibreOffice Writer (libreoffice-writer-nogui) makes the Word-made PDF",
)
def test_a_pdf_that_libreoffice_made_from_word_is_read(tmp_path):
    source = make_docx(tmp_path / "plan.docx", PLAN)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    done = cli(str(tmp_path / "plan.pdf"))
    assert done.returncode == 0, done.stderr.decode()
    assert drafted(done.stdout.decode())[:4] == EXPECTED


def test_gb18030_text_with_plan_keeps_the_text_and_a_draft_of_its_metadata(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("store", "demo"))
    source = tmp_path / "plan.txt"
    source.write_bytes(
        (
            "石家庄市人民政府办公室关于印发《" + PLAN.splitlines()[0] + "》的通知\n石政办〔2025〕7号\n"
            "石家庄市人民政府办公室\n2025年2月10日\n" + PLAN
        ).encode("gb18030")
    )
    out = data / "targets" / "sjz-2025-srdi.yml"
    done = cli(str(source), "--plan", "sjz-2025-srdi", "--out", str(out), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr.decode()
    kept = (data / "policies" / "sjz-2025-srdi.txt").read_text(encoding="utf-8")
    assert kept == source.read_bytes().decode("gb18030")
    meta = yaml.safe_load((data / "policies" / "sjz-2025-srdi.meta.yml").read_text(encoding="utf-8"))
    assert (meta["title"], meta["issuer"], meta["doc_number"], meta["date"]) == (
        "河北省专精特新中小企业倍增三年行动计划（2025—2027年）",
        "石家庄市人民政府办公室",
        "石政办〔2025〕7号",
        "2025-02-10",
    )
    assert (meta["jurisdiction"], meta["level"], meta["horizon"], meta["baseline_date"]) == (
        "石家庄市",
        "city",
        2027,
        "2025-02-10",
    )
    assert meta["baselines"][0]["value"] == 43000 and meta["baselines"][0]["as_of"] == "2024-12-31"
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [t["quote"] in kept for t in doc["targets"]] == [True] * 4
    assert doc["targets"][0]["id"] == "sjz-2025-srdi.srdi_sme.2027"
    # the reviewed file is checked as the five plans are: every quote found verbatim
    check = subprocess.run(
        [sys.executable, "-m", "analysis", "targets", "check", "--data-dir", str(data)],
        capture_output=True,
        cwd=paths.PROJECT_ROOT,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr.decode()
    total = len(load_catalog(data).targets)
    assert total == len(load_catalog().targets) + 4
    assert f"引文核对：{total}/{total} 条引文在原文中逐字找到" in check.stdout.decode()
    again = cli(str(source), "--plan", "sjz-2025-srdi", "--data-dir", str(data))
    assert again.returncode == 2 and "已存在" in again.stderr.decode() and "Traceback" not in again.stderr.decode()


def test_the_review_page_highlights_every_span_and_lists_what_was_left(tmp_path):
    source = tmp_path / "plan.txt"
    source.write_text(PLAN + "三、说明\n附件3份。本方案由5个部门共同制定，其中说明1条。\n", encoding="utf-8")
    out = tmp_path / "review.html"
    done = cli(str(source), "--format", "html", "--out", str(out))
    assert done.returncode == 0, done.stderr.decode()
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    assert page.count('<mark style="background:') >= 5  # four targets and one base value
    assert (
        'title="存量"' in page and 'title="每年新增"' in page and 'title="奖补标准"' in page and 'title="基数"' in page
    )
    assert "8.6万家" in page and "未收录的数字" in page and "待核原因" in page
    assert 'href="#row-t1"' in page and 'id="row-t1"' in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.doc", b"\xd0\xcf\x11\xe0", "旧版 Word"),
        ("plan.xlsx", b"PK", "只支持 .txt、.pdf 和 .docx"),
        ("plan.txt", b"no chinese here", "读不到中文"),
        ("plan.docx", b"not a zip", "不是有效的 .docx"),
        ("plan.pdf", b"%PDF-1.4 broken", "无法读取 PDF"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    done = cli(str(path))
    err = done.stderr.decode()
    assert done.returncode != 0 and message in err and "Traceback" not in err


def test_formats_and_arguments_are_checked_before_any_work(tmp_path):
    source = tmp_path / "plan.txt"
    source.write_text(PLAN, encoding="utf-8")
    bad_format = cli(str(source), "--format", "json")
    assert bad_format.returncode == 2 and "yaml、csv、html" in bad_format.stderr.decode()
    bad_id = cli(str(source), "--plan", "新方案")
    assert bad_id.returncode == 2 and "方案编号" in bad_id.stderr.decode()
    listing = subprocess.run(
        [sys.executable, "-m", "analysis", "targets", "--format", "yaml"], capture_output=True, cwd=paths.PROJECT_ROOT
    )
    assert listing.returncode == 2 and "只用于 targets draft" in listing.stderr.decode()


def test_csv_numbers_are_plain_and_can_go_to_a_file(tmp_path):
    out = tmp_path / "草稿.csv"
    done = cli(
        str(paths.DATA_DIR / "policies" / "xinle-2023-cluster-upgrade.txt"), "--format", "csv", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr.decode()
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert (rows[0]["kind"], rows[0]["low"], rows[0]["high"], rows[0]["period"]) == ("growth", "12", "14", "2023")
    assert rows[1]["high"] == "" and rows[1]["note"] == ""
