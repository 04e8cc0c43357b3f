"""Chinese fonts for matplotlib and seaborn, configured once, here.

Call `use_chart_style()` before drawing. It picks the first installed CJK font of
CJK_FONTS (Noto Sans CJK SC from Debian's fonts-noto-cjk first, then the usual
Windows and macOS Chinese fonts), keeps the others as glyph-by-glyph fallbacks
(and, last, HanaMinB and Symbola for characters such as 𠀀 and 🏭),
turns off the Unicode minus (many CJK fonts lack U+2212) and raises
MissingCJKFontError when none is installed, instead of drawing empty boxes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from analysis.errors import UserError

CJK_FONTS = (
    "Noto Sans CJK SC",  # Debian/Ubuntu fonts-noto-cjk
    "Source Han Sans SC",  # Adobe's name for the same design
    "Noto Sans SC",
    "Microsoft YaHei",  # Windows
    "SimHei",  # Windows
    "PingFang SC",  # macOS
    "Hiragino Sans GB",  # macOS
    "Heiti SC",  # macOS
    "WenQuanYi Zen Hei",  # older Linux desktops
    "WenQuanYi Micro Hei",
)
LATIN_FALLBACK = "DejaVu Sans"
# Faces for characters no CJK font above has (issue 23): CJK Extension B such as 𠀀, pictographs such as 🏭.
# Registered from their files (matplotlib's font cache may predate their installation); Debian's fonts-hanazono
# and fonts-symbola, installed by scripts/system-deps.sh.
RARE_CHAR_FONTS = (
    ("HanaMinB", Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")),
    ("Symbola", Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf")),
)
CHART_DPI = 200


class MissingCJKFontError(UserError):
    """No Chinese font is installed: charts would show empty boxes."""


@lru_cache(maxsize=1)
def installed_cjk_fonts() -> tuple[str, ...]:
    """CJK_FONTS that matplotlib can find on this machine, in preference order."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in available)


@lru_cache(maxsize=1)
def rare_char_fonts() -> tuple[str, ...]:
    """The fallback faces for rare characters that are installed, registered with matplotlib."""
    import dataclasses

    from matplotlib import ft2font

    names = []
    for name, path in RARE_CHAR_FONTS:
        if path.is_file():
            # as a regular weight: HanaMinB is "Medium" (500), and every lookup of a normal-weight text would log
            # "Failed to find font weight normal for HanaMinB"
            entry = font_manager.ttfFontProperty(ft2font.FT2Font(str(path)))
            font_manager.fontManager.ttflist.append(dataclasses.replace(entry, weight=400))
            names.append(name)
    return tuple(names)


def configure_fonts() -> str:
    """Set matplotlib's rcParams for Chinese text; return the primary font's name."""
    fonts = installed_cjk_fonts()
    if not fonts:
        raise MissingCJKFontError(
            "未找到中文字体，图表中的汉字将无法显示。请安装 Noto Sans CJK SC"
            "（Debian/Ubuntu: apt-get install fonts-noto-cjk），或微软雅黑、黑体、苹方等中文字体后重试。"
        )
    families = [*fonts, LATIN_FALLBACK, *rare_char_fonts()]
    # named families, not the generic "sans-serif": matplotlib falls back glyph by glyph only through a list of
    # named families (a generic family resolves to its first installed font alone)
    matplotlib.rcParams["font.family"] = families
    matplotlib.rcParams["font.sans-serif"] = families
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["savefig.dpi"] = CHART_DPI
    matplotlib.rcParams["figure.dpi"] = 110
    return fonts[0]


def use_chart_style() -> str:
    """The project's chart style: seaborn's theme, then the fonts (set_theme resets rcParams)."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    return configure_fonts()
