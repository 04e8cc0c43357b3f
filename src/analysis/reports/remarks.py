"""The official's own paragraphs for a final assessment (`render final --remarks FILE`).

A plain text file (UTF-8, or GB18030 as Chinese Windows saves it). Paragraphs are separated by line breaks; a line
that is only a chapter name in 【】 starts that chapter's paragraphs:

    【主要成效】
    全市梯度培育体系基本形成……
    【下一步工作建议】
    ……

Chapters: 基本情况, 目标完成情况, 主要成效, 存在问题及原因, 下一步工作建议. Paragraphs before any marker belong to
主要成效. The official's paragraphs come after the facts-based ones of the chapter. Without a file, the chapters
stand on the facts alone and nothing reads as a placeholder.
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.errors import UserError

CHAPTERS = ("基本情况", "目标完成情况", "主要成效", "存在问题及原因", "下一步工作建议")
DEFAULT_CHAPTER = "主要成效"
_MARKER = re.compile(r"^\s*【\s*(.+?)\s*】\s*$")
MAX_BYTES = 200_000


def read_remarks(path: str | Path | None) -> dict[str, list[str]]:
    """Chapter → the official's paragraphs (empty when no file is given)."""
    if not path:
        return {}
    file = Path(path)
    if not file.is_file():
        raise UserError(f"说明文件 {file} 不存在或不是文件（--remarks 应为一个文本文件）")
    raw = file.read_bytes()
    if len(raw) > MAX_BYTES:
        raise UserError(f"说明文件 {file} 过大（{len(raw):,} 字节，上限 {MAX_BYTES:,} 字节）")
    text = _decode(raw, file)
    out: dict[str, list[str]] = {}
    chapter = DEFAULT_CHAPTER
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _MARKER.match(line)
        if marker:
            name = marker.group(1)
            if name not in CHAPTERS:
                known = "、".join(f"【{c}】" for c in CHAPTERS)
                raise UserError(f"说明文件 {file} 第{number}行：“【{name}】”不是终期评估的章节，可用：{known}")
            chapter = name
            continue
        paragraph = line.strip()
        if paragraph:
            out.setdefault(chapter, []).append(paragraph)
    return out


def _decode(raw: bytes, file: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"说明文件 {file} 不是 UTF-8 或 GB18030 编码的文本")
