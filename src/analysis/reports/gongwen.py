"""HTML builders for the elements of a 公文 (GB/T 9704-2012), in the order they appear on the page.

    from analysis.reports import gongwen as gw
    from analysis.reports.issuance import document_number, issuance

    doc = issuance("quarterly", "石家庄市")
    number = document_number(doc, "2025-Q4", on=signed_on, folder=reports_dir)
    outline = gw.Outline()
    page = (
        gw.masthead(doc.issuer, number)                      # 版头: red 发文机关标志, 发文字号, red line
        + gw.title(report_title)                             # 标题: 2号, centred, broken between words
        + gw.recipients(doc.recipients)                      # 主送机关
        + outline.section("总体情况", body_html)              # 一、… (no heading for an empty section)
        + gw.attachments(["各单位目标完成情况", "报送情况"])   # 附件说明
        + gw.signature(doc.issuer, signed_on)                # 发文机关署名, 成文日期
        + gw.annotation("此件公开发布")                       # 附注 (optional)
        + gw.imprint(doc.copies, doc.printer, signed_on)     # 版记 at the foot of the last page
    )

Every text is escaped. The classes are styled by templates/print.css (see its header).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from analysis.periods import date_text
from analysis.reports.html import chinese_number, esc, issuer_line, text_width

# 2号 (22 pt) characters on the 156 mm text line: 20 of them (GB/T 9704 titles are set without letter spacing).
TITLE_LINE_CHARS = 20
# Groups kept on one title line when they fit in this many characters: “领跑者”, 《…》 of a short name, （…）.
KEEP_GROUP_CHARS = 10
OPENING = "“‘《（〔【「『(["
CLOSING = "”’》）〕】」』)]、，。：；！？,.:;!?"
PAIRS = {"“": "”", "《": "》", "（": "）", "〔": "〕", "【": "】", "(": ")"}
JOIN_NEXT = {"和", "与", "及", "或"}  # a line may end before them, never after
JOIN_PREVIOUS = {"的", "之", "年", "月", "日", "号", "季度", "%", "％"}  # never at the start of a line
# Words the segmenter should read whole (each is two or more of its own words, so it only removes break points).
WHOLE_WORDS = (
    "专精特新",
    "小巨人",
    "领跑者",
    "产业集群",
    "特色产业集群",
    "县域特色产业集群",
    "中小企业",
    "终期评估",
    "月调度",
    "季通报",
    "序时进度",
    "高新技术企业",
    "科技型中小企业",
    "创新型中小企业",
    "目标任务",
    "工业和信息化",
)


# --- the title, broken between words ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def segmenter():
    """jieba's tokenizer with the project's whole words added (its own instance: the global one is left alone)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict…" lines in a notebook's output
    tokenizer = jieba.Tokenizer()
    for word in WHOLE_WORDS:
        tokenizer.add_word(word)
    return tokenizer


def words(text: str) -> list[str]:
    """The words of `text` as the segmenter reads them (their concatenation is `text`)."""
    return list(segmenter().cut(text, HMM=True))


def title_lines(title: str, max_chars: int = TITLE_LINE_CHARS) -> list[str]:
    """`title` in as few lines of at most `max_chars` characters as possible, broken only between words, with
    lines as even as the words allow (GB/T 9704: 词意完整，排列对称，长短适宜)."""
    title = re.sub(r"\s+", "", title)
    if text_width(title) <= max_chars:
        return [title] if title else []
    units = _units(words(title), max_chars)
    return _balanced(units, max_chars)


def _units(tokens: list[str], max_chars: int) -> list[str]:
    """Tokens glued into the pieces a line break may fall between."""
    units: list[str] = []
    glue_next = False
    for token in tokens:
        if units and (glue_next or token[0] in CLOSING or token in JOIN_PREVIOUS or _is_number(units[-1])):
            units[-1] += token
        else:
            units.append(token)
        glue_next = token[-1] in OPENING or token in JOIN_NEXT
    return _group_brackets(units, max_chars)


def _is_number(unit: str) -> bool:
    return bool(re.fullmatch(r"[0-9.]+", unit))


def _group_brackets(units: list[str], max_chars: int) -> list[str]:
    """A short bracketed or quoted group (“领跑者”, 《…》, （…）) becomes one piece."""
    grouped: list[str] = []
    i = 0
    while i < len(units):
        end = _group_end(units, i)
        if end is not None and text_width("".join(units[i : end + 1])) <= min(KEEP_GROUP_CHARS, max_chars):
            grouped.append("".join(units[i : end + 1]))
            i = end + 1
        else:
            grouped.append(units[i])
            i += 1
    return grouped


def _group_end(units: list[str], start: int) -> int | None:
    """The index of the piece that closes a bracket opened at the start of units[start], if any."""
    opener = units[start][0]
    closer = PAIRS.get(opener)
    if closer is None:
        return None
    for j in range(start, len(units)):
        if closer in units[j][1 if j == start else 0 :]:
            return j
    return None


def _balanced(units: list[str], max_chars: int) -> list[str]:
    """The fewest lines that fit, then the most even (least sum of squared slack): a small dynamic programme."""
    widths = [text_width(u) for u in units]
    if any(w > max_chars for w in widths):  # a piece wider than a line: its own words, then its characters
        return _balanced(_split_wide(units, max_chars), max_chars)
    n = len(units)
    best: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], int] = {}
    for lines in range(1, n + 1):
        for end in range(1, n + 1):
            for start in range(end - 1, -1, -1):
                width = sum(widths[start:end])
                if width > max_chars:
                    break
                if (start, lines - 1) in best:
                    cost = best[(start, lines - 1)] + (max_chars - width) ** 2
                    if cost < best.get((end, lines), float("inf")):
                        best[(end, lines)], back[(end, lines)] = cost, start
        if (n, lines) in best:
            return _trace(units, back, n, lines)
    return ["".join(units)]


def _split_wide(units: list[str], max_chars: int) -> list[str]:
    out: list[str] = []
    for unit in units:
        if text_width(unit) <= max_chars:
            out.append(unit)
            continue
        parts = words(unit)
        out.extend(parts if len(parts) > 1 else list(unit))
    return out


def _trace(units: list[str], back: dict, end: int, lines: int) -> list[str]:
    out = []
    while lines:
        start = back[(end, lines)]
        out.append("".join(units[start:end]))
        end, lines = start, lines - 1
    return out[::-1]


# --- the elements ----------------------------------------------------------------------------------------------


def masthead(issuer: str, number: str | None = None) -> str:
    """版头: the issuing body in red (发文机关标志), the 发文字号 centred below it, the red separator line."""
    number_line = f'<p class="doc-number">{esc(number)}</p>' if number else ""
    return f'<div class="masthead">{issuer_line(issuer)}{number_line}<hr class="red-rule"></div>'


def title(text: str, subtitle: str = "", max_chars: int = TITLE_LINE_CHARS) -> str:
    """标题: centred, in lines broken between words (`title_lines`)."""
    lines = '<br class="title-break">'.join(esc(line) for line in title_lines(text, max_chars))
    sub = f'<p class="doc-subtitle">{esc(subtitle)}</p>' if subtitle else ""
    return f'<h1 class="doc-title">{lines}</h1>{sub}'


def recipients(text: str) -> str:
    """主送机关, flush left, ending in a full-width colon."""
    text = text.rstrip("：:")
    return f'<p class="recipient">{esc(text)}：</p>' if text else ""


ATTACHMENTS_KEPT_WHOLE = 8


def attachments(names: list[str]) -> str:
    """附件说明: 附件：1. … 2. … (one attachment: no number); names carry no closing punctuation, a long one wraps
    aligned with its first character."""
    names = [n.strip().rstrip("。，；;,.") for n in names if n and n.strip()]
    if not names:
        return ""
    rows = []
    for i, name in enumerate(names, start=1):
        label = "附件：" if i == 1 else ""
        number = f"{i}." if len(names) > 1 else ""
        rows.append(f'<tr><td class="att-label">{label}</td><td class="att-no">{number}</td><td>{esc(name)}</td></tr>')
    # a short list stays on one page; a long one (a final's twenty tables) may run on, name by name
    kind = "attachments long" if len(names) > ATTACHMENTS_KEPT_WHOLE else "attachments"
    return f'<table class="{kind}"><tbody>{"".join(rows)}</tbody></table>'


def signature(issuer: str, signed_on: dt.date) -> str:
    """发文机关署名 and 成文日期 under the text (documents without a seal, GB/T 9704 7.3.5.2): the body two characters
    from the right edge, the date below it starting two characters further right."""
    return (
        f'<div class="signature"><div class="signature-box"><p class="signer">{esc(issuer)}</p>'
        f'<p class="sign-date">{esc(date_text(signed_on))}</p></div></div>'
    )


def closing(attachment_names: list[str], issuer: str, signed_on: dt.date, note: str = "") -> str:
    """附件说明, 署名, 成文日期 and 附注 in one block that never starts a page on its own: it takes the end of the
    text with it (GB/T 9704 7.3.5: no page holding only the signature). It is split only inside a long list of
    attachments, between names."""
    long = len([n for n in attachment_names if n and n.strip()]) > ATTACHMENTS_KEPT_WHOLE
    return (
        f'<div class="{"closing long" if long else "closing"}">'
        + attachments(attachment_names)
        + signature(issuer, signed_on)
        + annotation(note)
        + "</div>"
    )


def annotation(text: str) -> str:
    """附注: in round brackets, two characters in, on the line below the 成文日期."""
    text = text.strip().strip("（）()")
    return f'<p class="annotation">（{esc(text)}）</p>' if text else ""


def imprint(copies: tuple[str, ...] | list[str], printer: str, printed_on: dt.date) -> str:
    """版记 at the foot of the last page: 抄送机关 and 印发机关和印发日期 between separator lines."""
    copy_line = (
        f'<p class="imprint-copies"><span class="imprint-label">抄送：</span>{esc("，".join(copies))}。</p>'
        if copies
        else ""
    )
    return (
        f'<div class="imprint">{copy_line}<p class="imprint-printed"><span class="printer">{esc(printer)}</span>'
        f'<span class="print-date">{esc(date_text(printed_on))}印发</span></p></div>'
    )


# --- section numbering ------------------------------------------------------------------------------------------

LEVEL_TAGS = {1: "h2", 2: "h3", 3: "h4", 4: "h5"}
_EMPTY_PLACEHOLDERS = re.compile(r'<p class="empty">[^<]*</p>')


def label(level: int, n: int) -> str:
    """一、 （一） 1. （1）: the four levels of GB/T 9704 (7.3.3)."""
    return {1: f"{chinese_number(n)}、", 2: f"（{chinese_number(n)}）", 3: f"{n}.", 4: f"（{n}）"}[level]


def has_content(body: str) -> bool:
    """An HTML fragment shows something: text other than an empty-table placeholder, an image or a table row."""
    body = _EMPTY_PLACEHOLDERS.sub("", body or "")
    if re.search(r"<(img|svg|td)\b", body, flags=re.IGNORECASE):
        return True
    return bool(re.sub(r"<[^>]+>|&nbsp;|\s", "", body))


@dataclass
class Section:
    """A section of a document: its heading, its own HTML and its subsections (numbered one level down)."""

    title: str
    body: str = ""
    children: list[Section] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not has_content(self.body) and all(child.is_empty() for child in self.children)


class Outline:
    """Continuous heading numbers (一、 → （一） → 1. → （1）) in the order headings are printed: a section left out
    takes no number, so the numbers never skip; a deeper level starts again at 1 under each new heading."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0, 0]

    def number(self, level: int = 1) -> str:
        if level not in LEVEL_TAGS:
            raise ValueError(level)
        self.counts[level - 1] += 1
        self.counts[level:] = [0] * (len(self.counts) - level)
        return label(level, self.counts[level - 1])

    def heading(self, text: str, level: int = 1) -> str:
        tag = LEVEL_TAGS[level]
        return f'<{tag} class="gw-h{level}">{esc(self.number(level))}{esc(text)}</{tag}>'

    def section(self, text: str, body: str, level: int = 1) -> str:
        """The heading and `body`, or nothing at all when `body` shows nothing (no heading for an empty section)."""
        return self.heading(text, level) + body if has_content(body) else ""

    def sections(self, sections: list[Section], level: int = 1) -> str:
        """A tree of sections, numbered; empty ones (their subsections empty too) are left out."""
        out = []
        for sec in sections:
            if sec.is_empty():
                continue
            out.append(self.heading(sec.title, level) + (sec.body if has_content(sec.body) else ""))
            if sec.children:
                out.append(self.sections(sec.children, level + 1))
        return "".join(out)
