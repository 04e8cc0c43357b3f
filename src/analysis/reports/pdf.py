"""HTML to PDF with WeasyPrint: A4, 公文-style page layout, reduced Chinese fonts.

    from analysis.reports.pdf import html_to_pdf, print_css
    html_to_pdf(page_html, reports_dir / "月度通报.pdf")

The print rules (templates/print.css, `print_css()`) are added to every document
after its own styles, so a page template may inline them for screen preview but
needs not. The reduced fonts of analysis.reports.pdffonts come in through @font-face
rules (`font_face_css()`) with file:// URLs; text they lack falls back to the
full Noto CJK fonts, then to HanaMinB (CJK Extension B) and Symbola (pictographs).
WeasyPrint's FontConfiguration and the parsed font-face stylesheet are made once
per process and reused by every PDF.

Speed: WeasyPrint subsets each embedded font per PDF, with HarfBuzz when
libharfbuzz-subset0 is installed (a one-page report: ~0.1 s) and otherwise with
fontTools (~1.4 s with the reduced fonts, ~12 s with the full Noto fonts).
"""

from __future__ import annotations

import atexit
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from analysis.fsutil import atomic_path
from analysis.reports.pdffonts import (
    FANG_FAMILY,
    HEI_FAMILY,
    KAI_FAMILY,
    SANS_FAMILY,
    SERIF_FAMILY,
    ensure_report_fonts,
)

PRINT_CSS_MARKER = "/* Print stylesheet for the workbook's PDF reports"
_FACE_STYLE = {
    "sans": (SANS_FAMILY, 400),
    "sans-bold": (SANS_FAMILY, 700),
    "serif": (SERIF_FAMILY, 400),
    "serif-bold": (SERIF_FAMILY, 700),
    "fang": (FANG_FAMILY, 400),
    "hei": (HEI_FAMILY, 400),
    "hei-bold": (HEI_FAMILY, 700),
    "kai": (KAI_FAMILY, 400),
}


def print_css() -> str:
    """The print stylesheet (page box, title block, tables, figures), without fonts."""
    return resources.files("analysis.reports").joinpath("templates/print.css").read_text(encoding="utf-8")


def font_face_css(fonts: dict[str, Path] | None = None) -> str:
    """@font-face rules for the reduced fonts (built on first use)."""
    fonts = ensure_report_fonts() if fonts is None else fonts
    rules = []
    for key, path in fonts.items():
        family, weight = _FACE_STYLE[key]
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{Path(path).resolve().as_uri()}"); '
            f"font-weight: {weight}; font-style: normal; }}"
        )
    return "\n".join(rules)


def print_stylesheet(reduced_fonts: bool = True) -> str:
    """Font faces plus print rules: what a page template inlines in a <style>."""
    return (font_face_css() + "\n" if reduced_fonts else "") + print_css()


def html_to_pdf(
    html: str | Path, out_pdf: Path, *, base_url: str | Path | None = None, reduced_fonts: bool = True
) -> Path:
    """Write `html` (markup, or a path to an .html file) as an A4 PDF, atomically.

    `base_url` resolves relative links and images; for a path it defaults to the
    file's folder. `reduced_fonts=False` uses the full Noto CJK fonts (slower;
    for comparison).
    """
    from weasyprint import HTML

    markup, base = _read(html, base_url)
    fonts = tuple(ensure_report_fonts().items()) if reduced_fonts else None
    font_config, font_sheet = _weasy_fonts(fonts)
    document = HTML(string=_with_print_css(markup), base_url=base).render(
        stylesheets=[font_sheet] if font_sheet else [], font_config=font_config
    )
    with atomic_path(out_pdf) as tmp:
        document.write_pdf(tmp)  # no dpi/jpeg options: images keep their pixels
    return Path(out_pdf)


def _read(html: str | Path, base_url: str | Path | None) -> tuple[str, str | None]:
    if isinstance(html, Path):
        base = base_url if base_url is not None else html.resolve().parent
        return html.read_text(encoding="utf-8"), _as_url(base)
    return html, _as_url(base_url)


def _as_url(base: str | Path | None) -> str | None:
    if base is None:
        return None
    if isinstance(base, Path):
        return base.resolve().as_uri() + "/"
    return base


def _with_print_css(markup: str) -> str:
    """Add the print rules as the document's last stylesheet, unless it has them.

    Last author stylesheet rather than a WeasyPrint user stylesheet: a page
    template's own @page or font-family rules would otherwise win.
    """
    if PRINT_CSS_MARKER in markup:
        return markup
    style = f"<style>\n{print_css()}\n</style>\n"
    anchor = re.search(r"</head\s*>|<body[\s>]", markup, flags=re.IGNORECASE)
    if not anchor:  # a bare fragment
        return '<html lang="zh-CN"><head><meta charset="utf-8">' + style + "</head><body>" + markup + "</body></html>"
    markup = markup[: anchor.start()] + style + markup[anchor.start() :]
    # without lang, fontconfig may pick the Japanese glyph forms
    return re.sub(r"<html(?![^>]*\blang=)", '<html lang="zh-CN"', markup, count=1, flags=re.IGNORECASE)


@lru_cache(maxsize=4)
def _weasy_fonts(fonts: tuple[tuple[str, Path], ...] | None):
    """One FontConfiguration (and parsed @font-face sheet) per process and font set."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    if not _weasy_fonts.cache_info().currsize:
        # dropped at exit while modules still work: FontConfiguration.__del__ run during interpreter teardown
        # prints "Exception ignored … TypeError: 'NoneType' object is not callable"
        atexit.register(_weasy_fonts.cache_clear)
    if fonts is None:
        return font_config, None
    return font_config, CSS(string=font_face_css(dict(fonts)), font_config=font_config)
