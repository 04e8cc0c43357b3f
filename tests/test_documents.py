"""Every document `make demo` renders, checked against the invariants of documents.md (one test each), read back
as a reader would: the HTML text, the xlsx 附表 and the key figures written beside each report.

The demo is built once per session (tests/conftest.py: demo_documents) the way `make demo` builds it: the demo's
months from 2023-12 to 2026-04 (every deadline from 2023 on and the 2025 annual accounts are in), ingested, then
the 月调度 and 季通报 of 石家庄市 and 西宁市 for the latest period (which stops at the last month a plan is in force:
2025-12, 2025-Q4) and the final assessment of every ended plan for its jurisdiction and each unit it issued
targets to. PDFs are not made here (tests/test_pdf.py reads PDFs); the HTML is what the PDF prints.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.catalog.targets import load_catalog
from analysis.errors import UserError
from analysis.progress.narrative import number
from analysis.progress.verdicts import is_met, settings
from analysis.reports.render import render_report

SJZ, XN = "石家庄市", "西宁市"


def _text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", raw))


def _prose(path: Path) -> list[str]:
    """The document's sentences: the text of its paragraphs and list items (not its tables), split at 。."""
    raw = path.read_text(encoding="utf-8")
    parts = re.findall(r"<(p|li)\b[^>]*>(.*?)</\1>", raw, flags=re.S)
    text = "".join(htmllib.unescape(re.sub(r"<[^>]+>", "", body)) + "。" for _, body in parts)
    return [s for s in re.sub(r"\s+", "", text).split("。") if s]


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every table of an 附表 workbook as a frame, by its full name (the 目录 sheet maps tabs such as 表3 to it;
    row 1 of a sheet is its heading, row 2 the header)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    frames = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if len(rows) >= 2:
            frames[sheet.title] = pd.DataFrame(rows[2:], columns=[str(c) for c in rows[1]])
    contents = frames.pop("目录", None)
    frames.pop("说明", None)
    if contents is None:
        return frames
    names = dict(zip(contents["工作表"], contents["表名"], strict=True))
    return {names.get(tab, tab): frame for tab, frame in frames.items()}


class Document:
    def __init__(self, html: Path):
        self.path = html
        self.kind = html.parent.name if html.parent.parent.name != "final" else "final"
        self.region = html.stem
        self.text = _text(html)
        self.flat = re.sub(r"\s+", "", self.text)
        self.sentences = _prose(html)
        self.facts = json.loads(html.with_suffix(".facts.json").read_text(encoding="utf-8"))
        xlsx = html.with_suffix(".xlsx")
        self.sheets = _sheets(xlsx) if xlsx.exists() else {}

    def __repr__(self) -> str:
        return str(self.path)

    def results(self) -> pd.DataFrame:
        return pd.DataFrame(self.facts["results"])


@pytest.fixture(scope="module")
def documents(demo_documents) -> list[Document]:
    return [Document(p) for p in sorted((demo_documents / "reports").rglob("*.html")) if p.name != "index.html"]


def _kind(documents, kind):
    return [d for d in documents if d.kind == kind]


def test_make_demo_renders_the_last_in_force_month_and_quarter_and_every_final(documents):
    rendered = {
        (d.kind, d.path.parent.parent.name if d.kind != "final" else d.path.parent.name, d.region) for d in documents
    }
    for region in (SJZ, XN):
        assert ("monthly", "2025-12", region) in rendered and ("quarterly", "2025-Q4", region) in rendered
    plans = {p.id: p for p in load_catalog().plans.values()}
    for plan in plans.values():
        assert ("final", plan.id, plan.jurisdiction) in rendered
    counties = {d.region for d in documents if d.kind == "final" and d.path.parent.name == "shijiazhuang-2022-leaders"}
    assert len(counties) > 10  # the city and every county it issued targets to


def test_the_parallel_batch_numbers_the_finals_in_job_order_and_each_shows_its_number(demo_documents, documents):
    """Two workers render the finals; their 发文字号 follow the batch's order (each plan's jurisdiction, then the units
    it issued targets to), not the order in which the renders finished."""
    from analysis.batch.run import _final_regions
    from analysis.reports.issuance import NUMBER_REGISTRY
    from analysis.store.history import Store

    entries = json.loads((demo_documents / "reports" / NUMBER_REGISTRY).read_text(encoding="utf-8"))["documents"]
    store = Store(demo_documents / "store")
    order = [
        (plan.id, region) for plan in load_catalog().plans.values() for region in _final_regions(store, plan.id, None)
    ]
    finals = {(key.split("|")[2], key.split("|")[3]): entry for key, entry in entries.items() if "|final|" in key}
    assert set(finals) == set(order)
    for code in {entry["code"] for entry in finals.values()}:
        serials = [finals[job]["serial"] for job in order if finals[job]["code"] == code]
        assert serials == list(range(1, len(serials) + 1)), (code, serials)
    for d in _kind(documents, "final"):
        entry = finals[(d.path.parent.name, d.region)]
        assert f"{entry['code']}〔{entry['year']}〕{entry['serial']}号" in d.flat


# --- invariant 1: one (unit, target, term), one set of figures and one verdict everywhere --------------------


def test_1_every_final_result_reads_the_same_in_every_document(documents):
    rows = pd.concat(
        [d.results().assign(document=str(d.path)) for d in documents if d.facts.get("results")], ignore_index=True
    )
    # a ratio over annual accounts is 待年度数据 until its year's accounts are in: not yet a result to compare
    final = rows[rows["final"] & (rows["status"] != "待年度数据")]
    seen = final.groupby(["jurisdiction", "target_id", "term"])
    assert seen.ngroups > 100
    for key, group in seen:
        shown = group[["target_value", "actual", "status", "result"]].drop_duplicates()
        assert len(shown) == 1, (key, group[["document", "actual", "status"]].to_dict("records"))


def test_1_the_city_final_and_each_county_final_agree_on_every_unit_target_and_term(documents):
    finals = [d for d in _kind(documents, "final") if d.path.parent.name == "shijiazhuang-2022-leaders"]
    city = next(d for d in finals if d.region == SJZ).results().set_index(["jurisdiction", "target_id", "term"])
    compared = 0
    for county in (d for d in finals if d.region != SJZ):
        own = county.results()
        own = own[own["jurisdiction"] == county.region].set_index(["jurisdiction", "target_id", "term"])
        assert len(own), county
        mine = own[["target_value", "actual", "status", "result"]]
        theirs = city.loc[own.index, ["target_value", "actual", "status", "result"]]
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=False)
        compared += len(own)
        # and each result the county's document prints is in the city's 附表 of every unit's results
        sheet = _sheet(next(d for d in finals if d.region == SJZ), "各单位分项完成情况")
        printed = sheet[sheet["地区"] == county.region]
        assert len(printed) == len(own), county
    assert compared > 60


def _sheet(document: Document, name: str) -> pd.DataFrame:
    hits = [s for title, s in document.sheets.items() if title.startswith(name[:20])]
    assert hits, (document, name, list(document.sheets))
    return hits[0]


# --- invariant 2: a verdict follows from the figures printed beside it ------------------------------------


def test_2_every_verdict_follows_from_its_figures_and_the_comparison_rule(documents):
    targets = {t.id: t for t in load_catalog().targets}
    checked = 0
    for d in documents:
        rows = d.results()
        for _, r in rows[rows["final"] & rows["status"].isin(["已完成", "超额完成", "未完成"])].iterrows():
            if "-" in str(r["term"]):
                continue  # a 每年 total: invariant 3
            t = targets[r["target_id"]]
            assert is_met(r["actual"], r["target_value"], t.comparison) == (r["status"] != "未完成"), (d, r.to_dict())
            checked += 1
    assert checked > 500
    over_checked = 0
    for d in documents:  # 超出 counted from the top of a range, never for a value inside it
        for sentence in d.sentences:  # the prose names the range it exceeded: 实际6个（目标1至2个）
            if "超出上限" in sentence:
                high = float(RANGE.search(sentence).group(2))
                actual = float((ACTUAL.search(sentence) or ACTUAL_BEFORE_GOAL.search(sentence)).group(1))
                over = float(OVER.search(sentence).group(1))
                assert over == pytest.approx(actual - high), (d, sentence)
                over_checked += 1
            if "达到下限，未达上限" in sentence:
                assert "超出" not in sentence, (d, sentence)
        for name, sheet in d.sheets.items():  # the tables: 差额 超出上限N beside the quote's range and 实际
            if not {"差额", "实际", "目标（方案原文）"} <= set(sheet.columns):
                continue
            for _, row in sheet.iterrows():
                over = OVER.search(str(row["差额"]))
                if over:
                    high = float(QUOTED_RANGE.search(str(row["目标（方案原文）"])).group(2))
                    assert float(over.group(1)) == pytest.approx(float(row["实际"]) - high), (d, name, row.to_dict())
                    over_checked += 1
                if "达到下限，未达上限" in str(row["结果"]):
                    assert "超出" not in str(row["差额"]), (d, name, row.to_dict())
    assert over_checked > 0


RANGE = re.compile(r"目标(\d+(?:\.\d+)?)至(\d+(?:\.\d+)?)")
QUOTED_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[—至\-~－]\s*(\d+(?:\.\d+)?)")  # a plan's own 1—2个, 8至10家
OVER = re.compile(r"超出上限(\d+(?:\.\d+)?)")
ACTUAL = re.compile(r"实际(\d+(?:\.\d+)?)")
ACTUAL_BEFORE_GOAL = re.compile(r"(\d+(?:\.\d+)?)\D{1,2}，\d{4}年(?:分解)?目标")


def test_2_a_value_inside_a_range_is_floor_met_top_not_and_over_the_top_counts_from_the_top(documents):
    targets = {t.id: t for t in load_catalog().targets}
    for d in documents:
        rows = d.results()
        for _, r in rows[rows["final"]].iterrows():
            t = targets[r["target_id"]]
            if t.high is None or "-" in str(r["term"]) or r["status"] not in ("已完成", "超额完成"):
                continue
            top = r["target_value"] * t.high / t.low
            if t.extra.get("stretch_aspirational"):
                assert "确保目标" in r["result"] and "争取目标" in r["result"]
            elif r["actual"] < top:
                assert r["result"] == "已完成（达到下限，未达上限）", (d, r.to_dict())
            else:
                assert r["status"] == "超额完成"
                over = r["actual"] - top
                if over > 0:
                    assert f"超出上限{number(over, t.unit)}{t.unit}" in d.flat or r["jurisdiction"] != d.region, (d, r)


# --- invariant 3: 每年 targets year by year; 提前N个月 only for a dated target ------------------------------


def test_3_a_yearly_target_is_judged_year_by_year_and_never_early(documents):
    targets = {t.id: t for t in load_catalog().targets}
    for d in documents:
        rows = d.results()
        totals = rows[rows["term"].astype(str).str.contains("-") & (rows["status"] != "")]
        for _, total in totals.iterrows():
            years = rows[
                (rows["jurisdiction"] == total["jurisdiction"])
                & (rows["target_id"] == total["target_id"])
                & ~rows["term"].astype(str).str.contains("-")
            ]
            all_met = years["status"].isin(["已完成", "超额完成"]).all()
            assert (total["status"] == "已完成") == all_met, (d, total.to_dict())
            assert re.fullmatch(
                r"\d年(均完成|中\d年完成|均未完成|均无数据)(，\d年无数据或数据不全)?", total["result"]
            ) or total["status"] not in (
                "已完成",
                "未完成",
            )
        for name, sheet in d.sheets.items():
            if "达标时间" in sheet and "期限" in sheet:
                for _, row in sheet.iterrows():
                    if isinstance(row["达标时间"], str) and row["达标时间"]:
                        assert "合计" not in str(row["期限"]), (d, name, row.to_dict())
    for d in _kind(documents, "final"):
        for _, r in d.results().iterrows():
            t = targets[r["target_id"]]
            if t.period == "annual" or t.kind in ("growth", "rate", "ratio", "share"):
                assert "提前" not in r["result"]
        for sentence in d.sentences:
            if "提前" in sentence:
                assert "合计" not in sentence and "每年" not in sentence and "增长" not in sentence, (d, sentence)


# --- invariant 4: full-year rates on the full year; a floor and a stretch, two verdicts --------------------


def test_4_a_growth_rate_is_judged_on_the_year_and_a_floor_and_stretch_are_two_verdicts(documents):
    xinle = next(d for d in _kind(documents, "final") if d.path.parent.name == "xinle-2023-cluster-upgrade")
    growth = xinle.results().set_index("target_id").loc["xinle.cluster_revenue_growth.2023"]
    assert "确保目标12%" in growth["result"] and "争取目标14%" in growth["result"]
    assert growth["result"] in xinle.flat
    # the stretch missed is a problem of its own, with the figure it was judged on (the full year), never 提前
    sentence = next(s for s in xinle.sentences if s.startswith("争取目标未达到的"))
    assert "确保目标12%已完成，争取目标14%未完成（实际13.21%）" in sentence and "提前" not in sentence


# --- invariant 5: a total says what it covers ------------------------------------------------------------------


def test_5_a_total_from_some_units_says_so_and_is_not_called_the_whole(documents):
    hebei = next(d for d in _kind(documents, "final") if d.region == "河北省")
    rows = hebei.results()
    partial = rows[rows["status"] == "覆盖不全"]
    assert len(partial) > 5  # the demo simulates only some of 河北省's units
    assert "个县级单位中" in hebei.flat and "覆盖不全" in hebei.flat
    for sentence in hebei.sentences:
        if "县级单位中" in sentence:
            assert "全省" not in sentence, sentence
    for d in documents:
        for sentence in d.sentences:
            if "数据未覆盖全部单位" in sentence:
                assert "未完成" not in sentence and "差" not in sentence.replace("差额", ""), (d, sentence)


# --- invariant 6: explanations under the target and term they concern ---------------------------------------


def test_6_every_printed_explanation_concerns_a_target_and_term_its_unit_has(documents):
    checked = 0
    for d in documents:
        rows = d.results()
        had = {(r["jurisdiction"], r["term"]) for _, r in rows.iterrows()}
        for name, sheet in d.sheets.items():
            if "情况说明" not in name or sheet.empty:
                continue
            label_col = "目标" if "目标" in sheet and "说明年月" in sheet else "指标"
            for _, note in sheet.iterrows():
                term = re.search(r"（(\d{4})年）$", str(note[label_col]))
                assert term, (d, note.to_dict())
                assert (note["地区"], term.group(1)) in had, (d, note.to_dict())
                if "说明年月" in sheet:
                    year, month = (int(x) for x in re.findall(r"\d+", note["说明年月"])[:2])
                    assert (year, month) <= (int(term.group(1)) + 1, 1), (d, note.to_dict())
                checked += 1
    assert checked > 20
    xining = next(d for d in _kind(documents, "final") if d.region == XN)
    assert not _sheet_or_empty(xining, "情况说明").shape[0]  # no county of 西宁市 had a target to explain


def _sheet_or_empty(document: Document, name: str) -> pd.DataFrame:
    hits = [s for title, s in document.sheets.items() if title.startswith(name)]
    return hits[0] if hits else pd.DataFrame()


# --- invariant 7: prose and tables at the same rounding -----------------------------------------------------


def test_7_every_figure_in_the_prose_is_its_tables_at_the_same_rounding(documents):
    checked = 0
    for d in _kind(documents, "final"):  # each missed target's shortfall in 存在问题及原因 is the table's 差额
        table = _sheet(d, "目标完成情况")
        prose = "".join(d.sentences)
        for _, row in table[table["结果"].astype(str).str.contains("未完成")].iterrows():
            if isinstance(row["差额"], str) and row["差额"]:
                assert row["差额"] in prose, (d, row.to_dict())
                checked += 1
    for d in _kind(documents, "monthly") + _kind(documents, "quarterly"):  # 完成率 in a sentence = the table's
        table = _sheet_or_empty(d, "在期目标完成情况")
        for _, row in table.iterrows():
            rate = row.get("完成率%")
            if isinstance(rate, float) and not pd.isna(rate):
                hits = [s for s in d.sentences if s.startswith(str(row["指标"])) and "完成" in s and "%" in s]
                assert not hits or any(f"{rate:.1f}%" in s for s in hits), (d, row.to_dict(), hits)
    assert checked > 20


# --- invariant 8: every rule that scores, ranks or flags is stated where it is applied -----------------------


def test_8_every_bulletin_states_its_scoring_rules_and_one_batch_rule(documents):
    ranking = settings()["ranking"]
    for d in _kind(documents, "quarterly"):
        for words in (
            "序时完成指数＝完成率÷序时进度×100",
            "最高按150计",
            f"低于{ranking['floor_pct']}分",
            f"前{ranking['top_n']}名",
            f"目标值不足{ranking['min_target_value']}的只列示、不评分",
            "待批次认定",
            "高新技术企业（每年11、12月）",
            "专精特新“小巨人”企业（每年7、8、9月）",
            "专精特新中小企业（每年3、7、11月）",
        ):
            assert words in d.flat, (d, words)
    for d in _kind(documents, "monthly"):
        assert "状态划分" in d.flat and "待批次认定" in d.flat, d
    for d in _kind(documents, "quarterly"):
        for line in re.findall(r"[^。]*相对滞后。", d.flat):
            unit = line.split("：")[0]
            scores = _sheet(d, "各单位综合得分与排名").set_index("地区")
            assert scores.loc[unit, "落后数"] > 0, (d, line)


# --- invariant 9: the plan's own names; a goal stated twice, shown together ----------------------------------


def test_9_titles_are_the_plans_own_and_a_restated_goal_is_shown_with_both_quotes(documents):
    for d in documents:
        if d.region == XN or d.path.parent.name == "xining-2023-sme-clusters":
            assert "县域特色产业集群" not in d.flat, d
    xining = next(d for d in _kind(documents, "final") if d.region == XN)
    assert "方案对同一目标有两种表述" in xining.flat
    for quote in ("累计培育“专精特新”企业80户以上", "到2025年全市国家、省级“专精特新”企业达到70户以上"):
        assert quote in xining.flat
    note = next(s for s in xining.sentences if "80户以上" in s and "70户以上" in s)
    assert "首次认定" in note and "有效期内" in note


# --- invariant 10: after a plan ends, the final assessment; no 调度 or 通报 -----------------------------------


def test_10_no_dispatch_or_bulletin_after_the_plans_end_and_finals_say_how_they_judge(documents, demo_documents):
    for d in documents:
        if d.kind in ("monthly", "quarterly"):
            assert d.path.parent.parent.name in ("2025-12", "2025-Q4"), d
    for kind, period in (("monthly", "2026-01"), ("quarterly", "2026-Q1")):
        with pytest.raises(UserError, match="render final"):
            render_report(kind, period, SJZ, ("html",), demo_documents / "refused", demo_documents / "store")
    for d in _kind(documents, "final"):
        assert "各项目标均在其截止日期评估" in d.flat, d


def test_a_region_without_data_renders_and_says_so(demo_documents, tmp_path):
    """西宁市's bulletin and dispatch on a store holding only 石家庄市's units: rendered, and 暂无报送数据."""
    import shutil

    from analysis.catalog.regions import load_regions
    from analysis.store.history import Store
    from analysis.store.ingest import ingest

    sjz = {u.name for u in load_regions().units_under(SJZ)}
    folder = tmp_path / "in"
    folder.mkdir()
    for path in (demo_documents / "in").iterdir():
        unit, period = path.name.split("-")[0], path.name[len(path.name.split("-")[0]) + 1 :][:7]
        if unit in sjz and period in ("2025-11", "2025-12"):
            shutil.copy(path, folder / path.name)
    store = Store(tmp_path / "store")
    ingest([folder], store=store)
    for kind, period in (("quarterly", "2025-Q4"), ("monthly", "2025-12")):
        rendered = render_report(kind, period, XN, ("html",), tmp_path / "out", store.dir)
        text = re.sub(r"\s+", "", _text(rendered.files["html"]))
        assert "西宁市及所辖单位暂无报送数据" in text


# --- the words of a 公文 (issue 22, item 4) ------------------------------------------------------------------


ISO_DATE = re.compile(r"\b20\d{2}-\d{2}(-\d{2})?\b")
LATIN = re.compile(r"[A-Za-z]{2,}")
NUMERALS = "一二三四五六七八九十"


def test_words_no_iso_date_no_latin_word_no_empty_section_and_one_lead(documents):
    for d in documents:
        assert not ISO_DATE.search(d.text), (d, ISO_DATE.search(d.text).group())
        assert not LATIN.search(d.text), (d, LATIN.findall(d.text)[:5])
        assert "（无）" not in d.text and "附表xlsx" not in d.flat, d
        # the as-of date and the place are said once, not at the head of every sentence
        assert sum(s.startswith("截至") for s in d.sentences) <= 2, (
            d,
            [s for s in d.sentences if s.startswith("截至")],
        )


def test_headings_are_numbered_without_gaps(documents):
    for d in documents:
        numbers = re.findall(r"<h2[^>]*>\s*([一二三四五六七八九十]+)、", d.path.read_text(encoding="utf-8"))
        assert numbers == list(NUMERALS[: len(numbers)]), (d, numbers)


def test_a_report_is_dated_the_day_it_is_rendered(documents):
    import datetime as dt

    from analysis.periods import date_text

    for d in documents:
        assert date_text(dt.date.today()) in d.flat, d


def test_a_final_assessment_has_its_chapters_in_order_and_no_placeholder(documents):
    chapters = ["基本情况", "目标完成情况", "主要成效", "存在问题及原因", "下一步工作建议"]
    for d in _kind(documents, "final"):
        html = d.path.read_text(encoding="utf-8")
        found = [c for c in chapters if re.search(rf"<h2[^>]*>\s*[一二三四五六七八九十]+、{c}</h2>", html)]
        assert found[:2] == chapters[:2] and found == [c for c in chapters if c in found], (d, found)
        assert "下一步工作建议" in found or "存在问题及原因" not in found
        for placeholder in ("待补充", "XXX", "（略）", "此处"):
            assert placeholder not in d.flat, (d, placeholder)


def test_every_missed_target_of_the_city_is_in_its_problems_and_every_units_gap_in_its_next_steps(documents):
    city = next(
        d for d in _kind(documents, "final") if d.path.parent.name == "shijiazhuang-2022-leaders" and d.region == SJZ
    )
    table = _sheet(city, "目标完成情况")
    prose = "".join(city.sentences)
    for _, row in table[table["结果"].astype(str).str.contains("未完成")].iterrows():
        assert f"{row['指标']}（{row['期限']}）" in prose, row.to_dict()
    units = _sheet(city, "各单位分项完成情况")
    missed = units[units["结果"] == "未完成"]
    assert len(missed) > 10
    for _, row in missed.iterrows():  # 下一步工作建议: 井陉县：专精特新中小企业（2025年）差2家；…
        line = next(s for s in city.sentences if s.startswith(f"{row['地区']}："))
        assert f"{row['指标']}（{row['期限']}）{row['差额']}" in line, (row.to_dict(), line)
