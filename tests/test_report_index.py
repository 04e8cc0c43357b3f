"""reports/index.html: every rendered report by period, kind and region, relative links, escaped names."""
from __future__ import annotations

import json

from analysis.batch.index import collect, write_index

HOSTILE = '<script>alert("x")<\\script>&'


def test_index_links_every_output_relatively_and_escapes_names(tmp_path):
    monthly = tmp_path / "2025-09" / "monthly"
    quarterly = tmp_path / "2025-Q3" / "quarterly"
    for folder, region, formats in ((monthly, "井陉县", ("html", "pdf", "xlsx", "ipynb")),
                                    (monthly, HOSTILE, ("html",)), (quarterly, "石家庄市", ("html", "pdf"))):
        folder.mkdir(parents=True, exist_ok=True)
        for fmt in formats:
            (folder / f"{region}.{fmt}").write_text("x", encoding="utf-8")
    (monthly / "正定县.failed.ipynb").write_text("{}", encoding="utf-8")
    (monthly / "manifest.json").write_text(json.dumps({"reports": {"正定县": {"status": "failed", "error": "Boom <b>"}}}),
                                           encoding="utf-8")
    (tmp_path / "other").mkdir()
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page and 'charset="utf-8"' in page
    for fmt in ("html", "pdf", "xlsx", "ipynb"):
        assert f'href="2025-09/monthly/%E4%BA%95%E9%99%89%E5%8E%BF.{fmt}"' in page
    assert 'href="2025-Q3/quarterly/%E7%9F%B3%E5%AE%B6%E5%BA%84%E5%B8%82.pdf"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "Boom &lt;b&gt;" in page
    assert "failed.ipynb" in page and "生成失败" in page
    assert "href=\"/" not in page and "file:" not in page
    assert page.index("2025-Q3") < page.index("2025-09") or page.index("<h2 id=\"2025-Q3\"") < page.index("<h2 id=\"2025-09\"")
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
