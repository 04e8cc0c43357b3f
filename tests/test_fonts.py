"""Charts show Chinese: a CJK font is configured, and its absence is a loud error."""

from __future__ import annotations

import io
import warnings

import matplotlib.pyplot as plt
import pytest

from analysis import fonts
from analysis.catalog.targets import load_catalog
from analysis.reports.charts import targets_by_level_chart


def test_noto_sans_cjk_sc_comes_first_with_fallbacks():
    primary = fonts.use_chart_style()
    assert primary == "Noto Sans CJK SC"
    family = plt.rcParams["font.family"]
    assert family[0] == "Noto Sans CJK SC" and fonts.LATIN_FALLBACK in family
    assert family[-2:] == ["HanaMinB", "Symbola"]  # rare characters last (scripts/system-deps.sh installs them)
    assert plt.rcParams["font.sans-serif"] == family
    assert plt.rcParams["axes.unicode_minus"] is False


def test_chinese_chart_draws_without_missing_glyphs():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        fig = targets_by_level_chart(load_catalog())
        fig.savefig(io.BytesIO(), format="png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert "专精特新中小企业（家）" in titles
    plt.close(fig)


def test_a_missing_glyph_is_caught_by_the_warning_filter():
    """The guard above can fail: a font without CJK glyphs triggers the warning."""
    plt.rcParams["font.family"] = [fonts.LATIN_FALLBACK]
    fig, ax = plt.subplots()
    ax.set_title("专精特新")
    with pytest.warns(UserWarning, match="missing from font"):
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    fonts.configure_fonts()


def test_no_cjk_font_raises_a_clear_chinese_error(monkeypatch):
    monkeypatch.setattr(fonts, "installed_cjk_fonts", lambda: ())
    with pytest.raises(fonts.MissingCJKFontError, match="未找到中文字体.*fonts-noto-cjk"):
        fonts.configure_fonts()


def test_rare_characters_draw_from_fallback_faces():
    """𠀀 (CJK Extension B) and 🏭 are in no CJK font: HanaMinB and Symbola draw them, no box, no warning."""
    fonts.use_chart_style()
    fig, ax = plt.subplots()
    ax.set_title("石家庄市𠀀某某新材料有限公司🏭")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
