"""The 终期评估 (final assessment): content on a hand-made store, and rendered, batched, scheduled and indexed
from a demo store (read back as a reader would: PDF text, files, the index)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis import paths
from analysis.batch.index import write_index
from analysis.batch.run import run_batch
from analysis.batch.schedule import due_reports
from analysis.demo.generate import generate_demo
from analysis.errors import UserError
from analysis.reports.final import final_report, tied_names
from analysis.reports.render import render_report
from support.builders import allocation, award, complete_coverage, enterprise, note, store_with, submission

X, L, SJZ = "新乐市", "鹿泉区", "石家庄市"
E = {i: f"91130184MA0000{i:03d}X" for i in range(1, 12)}


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """新乐市 and 鹿泉区, each issued 1 高新技术企业 a year for 2023–2025 and 2 小巨人 by 2025."""
    x_awards = [
        award(E[1], X, "高新技术企业", "2023-11-20"),
        award(E[2], X, "高新技术企业", "2024-11-20"),
        award(E[3], X, "高新技术企业", "2025-11-20"),
        award(E[4], X, "专精特新小巨人", "2024-08-01", "国家级"),
        award(E[5], X, "专精特新小巨人", "2025-08-01", "国家级"),
    ]
    l_awards = [award(E[7], L, "高新技术企业", "2023-11-20"), award(E[8], L, "专精特新小巨人", "2024-08-01", "国家级")]
    issued = [allocation(u, "高新技术企业", y, 1) for u in (X, L) for y in (2023, 2024, 2025)]
    issued += [allocation(u, "专精特新“小巨人”企业", 2025, 2) for u in (X, L)]
    store = store_with(
        tmp_path_factory.mktemp("final"),
        [
            submission("2023-02", SJZ, 目标分解=issued),
            submission("2025-12", X, 企业名录=[enterprise(E[i], X) for i in range(1, 6)], 资质认定=x_awards),
            submission(
                "2025-12",
                L,
                企业名录=[enterprise(E[i], L) for i in (7, 8)],
                资质认定=l_awards,
                情况说明=[note(L, "2025-12", "高新技术企业", "2024、2025年申报企业未通过评审")],
            ),
        ],
    )
    # every other unit of the city has nothing to list: the city's counts cover all its units
    return complete_coverage(store, SJZ, "2025-12")


def test_a_plan_that_has_not_ended_is_refused(small_store):
    with pytest.raises(UserError, match="尚未到期"):
        final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 30))


def test_every_target_once_with_its_final_result(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    table = report.tables["目标完成情况"]
    targets = [
        t
        for t in __import__("analysis.catalog.targets", fromlist=["x"]).load_catalog().targets
        if t.plan == "shijiazhuang-2022-leaders" and t.is_progress
    ]
    assert len(table) == len(targets)  # one row per target: 每年 targets as their 2023—2025 total
    high_tech = table[table["目标（方案原文）"] == "高新技术企业20家"].iloc[0]  # the source's spaces removed
    # 新乐市 3 + 鹿泉区 1 first grants in 2023–2025 against 3 × 20: judged year by year (2 + 1 + 1 of 20 each),
    # the sum shown as a sum
    assert (high_tech["期限"], high_tech["目标"], high_tech["实际"], high_tech["结果"], high_tech["差额"]) == (
        "2023—2025年合计",
        60,
        4,
        "3年均未完成",
        "2023年差18家、2024年差19家、2025年差19家",
    )
    assert high_tech["指标"] == "新认定高新技术企业" and high_tech["口径"] == "方案目标"
    assert "《石家庄市县域特色产业集群“领跑者”企业培育行动实施方案》（石政办函〔2022〕44号）确定的目标" in "".join(
        report.paragraphs["基本情况"]
    )
    yearly = report.tables["分年度：高新技术企业20家"]  # the quote names its indicator
    assert yearly["实际"].tolist() == [2, 1, 1, 4]
    assert yearly["结果"].tolist() == ["未完成", "未完成", "未完成", "3年均未完成"]


def test_units_are_ranked_by_the_share_of_their_issued_targets_met(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    units = report.tables["各单位完成情况"].set_index("地区")
    # 新乐市: 高新 2023, 2024, 2025 met, 小巨人 2 of 2 met → 4 of 4; 鹿泉区: 高新 2023 only, 小巨人 1 of 2 → 1 of 4
    assert units.loc[X, ["下达目标数", "完成数", "完成比例%", "排名"]].tolist() == [4, 4, 100.0, 1]
    assert units.loc[L, ["下达目标数", "完成数", "完成比例%", "排名"]].tolist() == [4, 1, 25.0, 2]
    assert "新认定高新技术企业（2024年）" in units.loc[L, "未完成目标"]
    # every (unit, target, term) is listed, each year of a 每年 target on its own row
    rows = report.tables["各单位分项完成情况"]
    lu = rows[(rows["地区"] == L) & (rows["指标"] == "新认定高新技术企业")]
    assert lu[["期限", "结果"]].values.tolist() == [
        ["2023年", "已完成"],
        ["2024年", "未完成"],
        ["2025年", "未完成"],
        ["2023—2025年合计", "3年中1年完成"],
    ]
    tied = pd.DataFrame({"地区": ["甲", "乙", "丙"], "排名": [1, 2, 2]})
    assert tied_names(tied) == ["乙、丙并列第2"]


def test_missed_targets_quote_the_units_own_explanations_and_name_the_silent(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    quoted = report.tables["情况说明"]
    # 鹿泉区's note of 2025-12 concerns its 2025 高新 target (written within the term); not its 2024 one
    assert quoted.loc[quoted["地区"] == L, ["目标", "进展情况"]].values.tolist() == [
        ["新认定高新技术企业（2025年）", "2024、2025年申报企业未通过评审"]
    ]
    silent = report.tables["未作说明的单位"].set_index("目标")
    assert silent.loc["专精特新“小巨人”企业（2025年）", "未作说明的单位"] == L  # missed its 小巨人, explained nothing
    assert silent.loc["新认定高新技术企业（2024年）", "未作说明的单位"] == L  # the 2025 note is not about 2024


def test_the_totals_paragraph_counts_by_result_and_kind(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    heads = report.rows
    met = int(heads["status"].isin(["已完成", "超额完成"]).sum())
    assert f"确定石家庄市量化目标{len(heads)}项" in report.overview and f"已完成{met}项" in report.overview
    assert report.paragraphs["目标完成情况"][1].startswith("分类型看：")


def test_a_unit_gets_its_own_assessment_against_what_it_was_issued(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", region=L, as_of=dt.date(2025, 12, 31))
    assert report.title == "鹿泉区落实《石家庄市县域特色产业集群“领跑者”企业培育行动实施方案》目标任务完成情况终期评估"
    assert set(report.rows["basis"]) == {"分解目标"} and len(report.rows) == 2
    # the unit's own assessment and the city's agree on every (target, term) of the unit
    city = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    mine = report.results().set_index(["target_id", "term"])
    theirs = city.results()
    theirs = theirs[theirs["jurisdiction"] == L].set_index(["target_id", "term"])
    assert len(mine) == 5 and mine.equals(theirs.loc[mine.index])  # 小巨人 2025; 高新 2023, 2024, 2025 and the sum


def test_a_units_own_assessment_names_no_other_unit_among_the_silent(tmp_path):
    # both units miss their issued 小巨人 target and explain nothing: 鹿泉区's report names 鹿泉区 alone
    store = store_with(
        tmp_path,
        [
            submission("2023-02", SJZ, 目标分解=[allocation(u, "专精特新“小巨人”企业", 2025, 3) for u in (X, L)]),
            submission(
                "2025-12",
                X,
                企业名录=[enterprise(E[1], X)],
                资质认定=[award(E[1], X, "专精特新小巨人", "2024-08-01", "国家级")],
            ),
            submission(
                "2025-12",
                L,
                企业名录=[enterprise(E[7], L)],
                资质认定=[award(E[7], L, "专精特新小巨人", "2024-08-01", "国家级")],
            ),
        ],
    )
    complete_coverage(store, SJZ, "2025-12")
    city = final_report(store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    silent = city.tables["未作说明的单位"].set_index("目标")
    assert set(silent.loc["专精特新“小巨人”企业（2025年）", "未作说明的单位"].split("、")) == {L, X}
    # a unit's own assessment is its own words: it names no unit as silent, not itself, nor another unit
    unit = final_report(store, "shijiazhuang-2022-leaders", region=L, as_of=dt.date(2025, 12, 31))
    assert unit.tables["未作说明的单位"].empty


# --- rendered from a demo store ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("final-demo")
    generate_demo(root / "in", seed=0, until="2026-01", months=2)
    result = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", str(root / "in"), "--store", str(root / "store")],
        capture_output=True,
        text=True,
        cwd=paths.PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return root


def test_render_final_writes_every_format_where_the_issue_says(demo):
    rendered = render_report("final", "xinle-2023-cluster-upgrade", None, out=demo / "reports", store=demo / "store")
    base = demo / "reports" / "final" / "xinle-2023-cluster-upgrade"
    assert {p.name for p in base.iterdir()} >= {f"新乐市.{ext}" for ext in ("ipynb", "html", "pdf", "xlsx")}
    text = subprocess.run(
        ["pdftotext", "-raw", str(rendered.files["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = re.sub(r"\s+", "", text)
    assert "新乐市县域特色产业集群2023年提质跃升工作方案实施情况终期评估" in flat
    assert "新乐市科学技术和工业信息化局" in flat and "一、基本情况" in flat and "五、下一步工作建议" in flat
    assert not re.search(r"[≥≤≈]", text)


def test_batch_renders_final_assessments_and_the_index_lists_them(demo):
    result = run_batch(
        "final", "xinle-2023-cluster-upgrade", None, workers=1, store=demo / "store", out=demo / "batch", progress=False
    )
    assert [(j.region, j.status) for j in result.jobs] == [(X, "ok")]
    html = write_index(demo / "batch").read_text(encoding="utf-8")
    assert "方案终期评估" in html and "新乐市县域特色产业集群2023年提质跃升工作方案" in html
    assert "final/xinle-2023-cluster-upgrade/" in html


def test_a_final_assessment_is_due_once_the_plan_has_ended_and_its_last_month_is_in(demo):
    store = demo / "store"
    due = due_reports(dt.date(2026, 2, 20), store=store, out=demo / "due")
    finals = {(d.period, d.region) for d in due if d.kind == "final"}
    # 石家庄 (2025) and 新乐 (2023) have ended and the store holds 2025-12; 石家庄 also for the units it issued to
    assert ("xinle-2023-cluster-upgrade", X) in finals and ("shijiazhuang-2022-leaders", SJZ) in finals
    assert ("shijiazhuang-2022-leaders", X) in finals
    # before the 2025-12 submission deadline (10 January) nothing of the 2025 plans is due
    early = {
        (d.period, d.region)
        for d in due_reports(dt.date(2026, 1, 9), store=store, out=demo / "due")
        if d.kind == "final"
    }
    assert ("shijiazhuang-2022-leaders", SJZ) not in early


def test_the_100_percent_label_of_the_final_chart_touches_neither_title_nor_bars():
    from analysis.reports.charts import final_completion_chart

    rows = pd.DataFrame(
        {
            "indicator_name": ["专精特新中小企业", "专精特新“小巨人”企业", "上市企业"],
            "indicator": ["srdi_sme", "little_giant", "listed_company"],
            "target_id": ["a", "b", "c"],
            "kind": ["stock", "stock", "stock"],
            "term": ["2023", "2025", "2023-2025"],
            "progress_pct": [82.0, 400.0, 150.0],
            "status": ["未完成", "超额完成", "已完成"],
        }
    )
    fig = final_completion_chart(rows, "各项目标终期完成率")
    fig.canvas.draw()
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    [label] = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() == "100%（目标）"]
    assert not ax.title.get_window_extent(renderer).overlaps(label)  # it ran into the title before
    assert not any(bar.get_window_extent(renderer).overlaps(label) for bar in ax.patches)
    assert ax.get_window_extent(renderer).contains(label.x0, label.y0)


# --- the chapters of a final assessment (issue 22, item 3) ----------------------------------------------------


def test_the_chapters_state_the_facts_without_placeholders(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31))
    chapters = report.paragraphs
    basic = "".join(chapters["基本情况"])
    assert "石政办函〔2022〕44号" in basic and "数据截至2025年12月31日" in basic and "截止日期评估" in basic
    problems = "".join(chapters["存在问题及原因"])
    # the city's 高新 years missed, each with the units that missed their part and the reason they gave
    assert "新认定高新技术企业（2023—2025年合计）：3年均未完成，2023年差18家、2024年差19家、2025年差19家" in problems
    assert "鹿泉区（2024年差1家、2025年差1家）" in problems
    assert "2024、2025年申报企业未通过评审（鹿泉区）" in problems
    steps = "".join(chapters["下一步工作建议"])
    assert "鹿泉区：" in steps and "专精特新“小巨人”企业（2025年）差1家" in steps
    assert "新乐市：" not in steps  # 新乐市 met everything it was issued
    text = "".join(p for ps in chapters.values() for p in ps)
    for placeholder in ("待补充", "（无）", "XXX", "此处填写"):
        assert placeholder not in text


def test_a_units_own_assessment_names_no_other_unit(small_store):
    report = final_report(small_store, "shijiazhuang-2022-leaders", region=L, as_of=dt.date(2025, 12, 31))
    text = "".join(p for ps in report.paragraphs.values() for p in ps)
    assert X not in text and "石工信〔2023〕1号" in text  # issued to it under that 文号


def test_the_officials_own_paragraphs_follow_the_facts_of_their_chapter(small_store, tmp_path):
    remarks = tmp_path / "说明.txt"
    remarks.write_text(
        "全市梯度培育体系基本形成。\n\n【下一步工作建议】\n建立接续方案，补齐未完成目标。\n", encoding="gb18030"
    )
    report = final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31), remarks=str(remarks))
    assert report.paragraphs["主要成效"][-1] == "全市梯度培育体系基本形成。"  # before any 【】: 主要成效
    assert report.paragraphs["下一步工作建议"][-1] == "建立接续方案，补齐未完成目标。"
    assert report.paragraphs["主要成效"][0].startswith("方案确定的")  # the facts come first


def test_a_remarks_file_that_cannot_be_used_is_refused_naming_it(small_store, tmp_path):
    bad = tmp_path / "说明.txt"
    bad.write_text("【工作亮点】\n很好。\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"说明.txt 第1行：“【工作亮点】”不是终期评估的章节"):
        final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31), remarks=str(bad))
    with pytest.raises(UserError, match="不存在"):
        final_report(
            small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31), remarks=str(tmp_path / "无")
        )
    bad.write_bytes(b"\xff\xfe\x00\xd8")
    with pytest.raises(UserError, match="不是 UTF-8 或 GB18030"):
        final_report(small_store, "shijiazhuang-2022-leaders", as_of=dt.date(2025, 12, 31), remarks=str(bad))


def test_remarks_are_only_for_a_final_assessment(capsys):
    from analysis.cli.main import main

    assert main(["render", "monthly", "--period", "2025-09", "--region", X, "--remarks", "x.txt"]) != 0
    assert "--remarks 只用于终期评估" in capsys.readouterr().err
