"""The 公文 elements as HTML: titles broken between words, continuous numbering, no empty section."""

from __future__ import annotations

import datetime as dt

import jieba
import pytest

from analysis.reports import gongwen as gw

TITLES = [
    "石家庄市县域特色产业集群“领跑者”企业培育行动方案终期评估报告",
    "河北省县域特色产业集群“领跑者”企业培育行动方案终期评估",
    "关于2025年第四季度县域特色产业集群目标任务推进情况的通报",
    "新乐市县域特色产业集群2023年提质跃升工作方案终期评估",
    "井陉矿区落实《石家庄市县域特色产业集群“领跑者”企业培育行动方案》终期评估",
    "芦台经济开发区推动中小企业“专精特新”发展工作方案终期评估",
    "西宁市促进中小企业特色产业集群发展实施方案终期评估",
    "石家庄市县域特色产业集群目标任务月调度（2025年9月）",
]


def boundaries(parts: list[str]) -> set[int]:
    out, at = set(), 0
    for part in parts:
        at += len(part)
        out.add(at)
    return out


@pytest.mark.parametrize("title", TITLES)
def test_title_lines_end_between_words_of_jiebas_reading(title):
    lines = gw.title_lines(title)
    assert "".join(lines) == title
    assert all(gw.text_width(line) <= gw.TITLE_LINE_CHARS for line in lines)
    plain = set(boundaries(jieba.lcut(title)))  # jieba's own dictionary, not the project's added words
    assert boundaries(lines) <= plain, lines
    assert boundaries(lines) <= boundaries(gw.words(title)), lines


@pytest.mark.parametrize("title", TITLES)
def test_title_lines_are_balanced_and_keep_short_quotes_whole(title):
    lines = gw.title_lines(title)
    assert len(lines) == 2  # each needs two lines of 20, none needs three
    widths = [gw.text_width(line) for line in lines]
    assert max(widths) - min(widths) <= 9, lines
    for line in lines:
        assert line.count("“") == line.count("”"), lines  # “领跑者” never broken
        assert not line.startswith(("的", "年", "”", "）", "》")) and not line.endswith(("“", "《", "（")), lines


def test_the_issues_examples_no_longer_break_inside_words():
    joined = "／".join(gw.title_lines(TITLES[0]))
    for bad in ("培／育", "评／估", "领／跑者", "“／"):
        assert bad not in joined
    assert gw.title_lines("短标题") == ["短标题"]
    assert gw.title_lines("") == []


def test_a_piece_longer_than_a_line_is_broken_at_its_own_words():
    lines = gw.title_lines("关于《" + "县域特色产业集群目标任务推进情况" * 2 + "》的通报", max_chars=12)
    assert all(gw.text_width(line) <= 12 for line in lines)
    assert "".join(lines).startswith("关于《")


def test_title_html_escapes_and_breaks():
    html = gw.title("“领跑者”<企业>培育行动方案终期评估", max_chars=10)
    assert html.startswith('<h1 class="doc-title">') and '<br class="title-break">' in html
    assert "&lt;企业&gt;" in html


def test_outline_numbers_continuously_and_skips_empty_sections():
    outline = gw.Outline()
    parts = [
        outline.section("总体情况", "<p>全市完成进度良好。</p>"),
        outline.section("附表5", '<p class="empty">（无）</p>'),  # the old empty-table placeholder counts as empty
        outline.section("落后单位", "   "),
        outline.section("下一步工作", "<p>继续推进。</p>"),
        outline.heading("主要成效", 2),
        outline.heading("存在问题", 2),
        outline.heading("具体问题", 3),
        outline.heading("具体问题", 4),
        outline.heading("通报意见"),
        outline.heading("措施", 2),
    ]
    text = "".join(parts)
    assert "附表5" not in text and "落后单位" not in text
    labels = ["一、总体情况", "二、下一步工作", "（一）主要成效", "（二）存在问题", "1.具体问题", "（1）具体问题"]
    assert all(label in text for label in labels)
    assert "三、通报意见" in text and "（一）措施" in text  # a new level-1 heading restarts level 2


def test_section_tree_drops_empty_branches():
    sections = [
        gw.Section("基本情况", "<p>方案共设目标12项。</p>"),
        gw.Section("空章", "", [gw.Section("空节", ""), gw.Section("空表", "<table><tbody></tbody></table>")]),
        gw.Section(
            "存在问题及原因",
            "",
            [gw.Section("空节", ""), gw.Section("未完成目标", "<table><tr><td>高新</td></tr></table>")],
        ),
        gw.Section("附图", '<img src="x.png">'),
    ]
    html = gw.Outline().sections(sections)
    assert "空章" not in html and "空节" not in html
    assert "一、基本情况" in html and "二、存在问题及原因" in html and "（一）未完成目标" in html
    assert "三、附图" in html


def test_chinese_numbers():
    assert [gw.chinese_number(n) for n in (1, 9, 10, 11, 20, 21, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十一",
        "九十九",
    ]
    with pytest.raises(ValueError):
        gw.chinese_number(100)


def test_elements_html():
    day = dt.date(2025, 10, 12)
    head = gw.masthead("石家庄市工业和信息化局", "石工信通〔2025〕9号")
    assert "石家庄市工业和信息化局" in head and "石工信通〔2025〕9号" in head and "red-rule" in head
    assert gw.recipients("各县（市、区）工业和信息化局") == '<p class="recipient">各县（市、区）工业和信息化局：</p>'
    one = gw.attachments(["目标完成情况。"])
    assert "附件：" in one and "1." not in one and "目标完成情况<" in one
    many = gw.attachments(["目标完成情况", "报送情况", ""])
    assert many.count("<tr>") == 2 and "1." in many and "2." in many and many.count("附件：") == 1
    assert gw.attachments([]) == ""
    sign = gw.signature("石家庄市工业和信息化局", day)
    assert sign.index("石家庄市工业和信息化局") < sign.index("2025年10月12日")
    assert gw.annotation("此件公开发布") == '<p class="annotation">（此件公开发布）</p>'
    foot = gw.imprint(("石家庄市人民政府办公室", "河北省工业和信息化厅"), "石家庄市工业和信息化局办公室", day)
    assert "抄送：</span>石家庄市人民政府办公室，河北省工业和信息化厅。" in foot
    assert "2025年10月12日印发" in foot
