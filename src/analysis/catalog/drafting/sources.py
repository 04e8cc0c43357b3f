"""A plan's text from the file a bureau receives: plain text (UTF-8 or GB18030), PDF or Word (.docx)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from analysis.errors import UserError

SUFFIXES = (".txt", ".pdf", ".docx")


def read_plan_file(path: str | Path) -> str:
    """The plan's text as it will be kept (data/policies/ID.txt): quotes are cut from exactly this."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到方案文件“{path}”")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(path)
    elif suffix == ".docx":
        text = _docx_text(path)
    elif suffix in (".txt", ".text", ""):
        text = decode_text(path.read_bytes(), path)
    elif suffix == ".doc":
        raise UserError(f"“{path.name}”是旧版 Word（.doc）文件；请用 Word 或 WPS 另存为 .docx 后再读取")
    else:
        raise UserError(f"无法读取“{path.name}”：只支持 .txt、.pdf 和 .docx 文件")
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        raise UserError(f"“{path.name}”中读不到中文文字（扫描件 PDF 需先做文字识别）")
    return text


def decode_text(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (which covers GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"“{path.name}”既不是 UTF-8 也不是 GB18030/GBK 编码的文本，无法读取")


def _pdf_text(path: Path) -> str:
    """poppler's pdftotext in reading order (-layout would keep columns apart but breaks sentences)."""
    if shutil.which("pdftotext") is None:
        raise UserError("读取 PDF 需要 poppler-utils 中的 pdftotext；请运行 apt-get install poppler-utils")
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-nopgbrk", str(path), "-"], capture_output=True, timeout=120, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UserError(f"无法读取 PDF“{path.name}”：{detail[-1] if detail else '文件可能已损坏或加密'}")
    return unwrap(done.stdout.decode("utf-8", "replace"))


def unwrap(text: str) -> str:
    """PDF lines joined where the page wrapped them (a full-width line not ending a sentence), so that
    达到8.6万家 is not cut into 达\n到 or 5000\n家; headings and short lines keep their breaks."""
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if not lengths:
        return text
    full = lengths[int(0.9 * (len(lengths) - 1))]
    out: list[str] = []
    for line in lines:
        if out and out[-1] and len(out[-1]) >= 0.8 * full and out[-1][-1] not in "。；;！？!?：:" and line.strip():
            out[-1] += line.strip()
        else:
            out.append(line.rstrip())
    return "\n".join(out)


def _docx_text(path: Path) -> str:
    """Paragraphs and table cells of a .docx in document order."""
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, PackageNotFoundError) as exc:
        raise UserError(f"无法读取 Word 文件“{path.name}”：不是有效的 .docx 文件（{type(exc).__name__}）") from None
    lines: list[str] = []
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in row
                        if cell.tag.endswith("}tc")
                    ]
                    lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"
