"""reports/index.html: every rendered report by period, kind and region, relative links, escaped names."""

from __future__ import annotations

import json
import re

from analysis.batch.index import collect, write_index

HOSTILE = '<script>alert("x")<\\script>&'


def test_index_links_every_output_relatively_and_escapes_names(tmp_path):
    monthly = tmp_path / "2025-09" / "monthly"
    quarterly = tmp_path / "2025-Q3" / "quarterly"
    for folder, region, formats in (
        (monthly, "井陉县", ("html", "pdf", "xlsx", "ipynb")),
        (monthly, HOSTILE, ("html",)),
        (quarterly, "石家庄市", ("html", "pdf")),
    ):
        folder.mkdir(parents=True, exist_ok=True)
        for fmt in formats:
            (folder / f"{region}.{fmt}").write_text("x", encoding="utf-8")
    (monthly / "正定县.failed.ipynb").write_text("{}", encoding="utf-8")
    (monthly / "manifest.json").write_text(
        json.dumps({"reports": {"正定县": {"status": "failed", "error": "Boom <b>"}}}), encoding="utf-8"
    )
    (tmp_path / "other").mkdir()
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page and 'charset="utf-8"' in page
    for fmt in ("html", "pdf", "xlsx", "ipynb"):
        assert f'href="2025-09/monthly/%E4%BA%95%E9%99%89%E5%8E%BF.{fmt}"' in page
    assert 'href="2025-Q3/quarterly/%E7%9F%B3%E5%AE%B6%E5%BA%84%E5%B8%82.pdf"' in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "Boom &lt;b&gt;" in page
    assert page.count("<script>") == 1  # the filter's own script, nothing from a name
    assert "failed.ipynb" in page and "生成失败" in page
    assert 'href="/' not in page and "file:" not in page
    assert page.index("2025-Q3") < page.index("2025-09") or page.index('<h2 id="2025-Q3"') < page.index(
        '<h2 id="2025-09"'
    )
    assert {(r["period"], r["kind"]) for r in collect(tmp_path)} == {("2025-09", "monthly"), ("2025-Q3", "quarterly")}


def test_reports_made_by_render_show_when_they_were_written_and_regions_in_registry_order(tmp_path):
    from analysis.batch.index import collect

    folder = tmp_path / "2025-09" / "monthly"
    folder.mkdir(parents=True)
    for region in ("正定县", "石家庄市", "河北省"):
        (folder / f"{region}.html").write_text("x", encoding="utf-8")
    records = collect(tmp_path)
    # province, city, county — not code-point order (正 < 河 < 石)
    assert [r["region"] for r in records] == ["河北省", "石家庄市", "正定县"]
    assert all(r["rendered_at"] and r["rendered_at"][:4].isdigit() for r in records)


def test_the_filter_finds_a_county_by_its_name_alias_city_or_province(tmp_path):
    folder = tmp_path / "2025-09" / "monthly"
    folder.mkdir(parents=True)
    for region in ("大通回族土族自治县", "新乐市", "石家庄市桥西区"):
        (folder / f"{region}.html").write_text("x", encoding="utf-8")
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert 'id="region-filter"' in page and "筛选地区" in page
    rows = dict(re.findall(r'<tr data-search="([^"]*)"><td>([^<]*)</td>', page))
    search = {region: text for text, region in rows.items()}
    assert (
        "大通县" in search["大通回族土族自治县"]
        and "西宁市" in search["大通回族土族自治县"]
        and "青海省" in search["大通回族土族自治县"]
    )
    assert "石家庄市" in search["新乐市"] and "河北省" in search["新乐市"]
    assert "张家口市" not in search["石家庄市桥西区"]
