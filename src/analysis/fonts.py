"""Chinese fonts for matplotlib and seaborn, configured once, here.

Call `use_chart_style()` before drawing. It picks the first installed CJK font of
CJK_FONTS (Noto Sans CJK SC from Debian's fonts-noto-cjk first, then the usual
Windows and macOS Chinese fonts), keeps the others as glyph-by-glyph fallbacks,
turns off the Unicode minus (many CJK fonts lack U+2212) and raises
MissingCJKFontError when none is installed, instead of drawing empty boxes.
"""

from __future__ import annotations

from functools import lru_cache

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
CHART_DPI = 200


class MissingCJKFontError(UserError):
    """No Chinese font is installed: charts would show empty boxes."""


@lru_cache(maxsize=1)
def installed_cjk_fonts() -> tuple[str, ...]:
    """CJK_FONTS that matplotlib can find on this machine, in preference order."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in CJK_FONTS if name in available)


def configure_fonts() -> str:
    """Set matplotlib's rcParams for Chinese text; return the primary font's name."""
    fonts = installed_cjk_fonts()
    if not fonts:
        raise MissingCJKFontError(
            "未找到中文字体，图表中的汉字将无法显示。请安装 Noto Sans CJK SC"
            "（Debian/Ubuntu: apt-get install fonts-noto-cjk），或微软雅黑、黑体、苹方等中文字体后重试。"
        )
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [*fonts, LATIN_FALLBACK]
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
