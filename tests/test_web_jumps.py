"""Month-over-month warnings (web/jumps.py): beyond the factor, above the floor, revenue from cumulative totals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.submissions.checked import CheckedTable
from analysis.web.jumps import jump_warnings


def table(name: str, rows: list[dict]) -> CheckedTable:
    columns = {key: np.array([r[key] for r in rows], dtype=object) for key in rows[0]}
    return CheckedTable(name, name, np.arange(2, 2 + len(rows)), columns, {})


def indicators(value: float, unit: str = "新乐市", month: str = "2025-09") -> dict:
    return {"地区": unit, "年月": month, "指标": "新增发明专利", "数值": value}


def clusters(month: str, revenue: float, firms: int = 40) -> dict:
    return {"地区": "新乐市", "集群名称": "装备制造", "年月": month, "本年累计营业收入(万元)": revenue, "企业数": firms}


def test_an_indicator_beyond_the_factor_warns_and_names_both_values():
    earlier = {"指标填报": pd.DataFrame([indicators(20, month="2025-08")])}
    lines = jump_warnings({"指标填报": table("指标填报", [indicators(50)])}, "2025-09", earlier, 2.0)
    assert len(lines) == 1
    assert "新乐市 指标“新增发明专利”的数值：2025-09 为 50，上月（2025-08）为 20，是上月的 2.50 倍" in lines[0]
    assert jump_warnings({"指标填报": table("指标填报", [indicators(39)])}, "2025-09", earlier, 2.0) == []
    assert len(jump_warnings({"指标填报": table("指标填报", [indicators(9)])}, "2025-09", earlier, 2.0)) == 1


def test_small_figures_never_warn_and_a_file_restating_last_month_is_used():
    earlier = {"指标填报": pd.DataFrame([indicators(1, month="2025-08")])}
    assert jump_warnings({"指标填报": table("指标填报", [indicators(0)])}, "2025-09", earlier, 2.0) == []
    restated = table("指标填报", [indicators(30, month="2025-08"), indicators(100)])
    [line] = jump_warnings({"指标填报": restated}, "2025-09", earlier, 2.0)
    assert "上月（2025-08）为 30" in line


def test_cluster_revenue_is_compared_month_by_month_from_the_cumulative_totals():
    earlier = {"集群月度": pd.DataFrame([clusters("2025-07", 700.0), clusters("2025-08", 800.0)])}
    steady = table("集群月度", [clusters("2025-09", 900.0)])  # 100 a month, as before
    assert jump_warnings({"集群月度": steady}, "2025-09", earlier, 2.0) == []
    jumped = table("集群月度", [clusters("2025-09", 1300.0)])  # 500 after 100
    [line] = jump_warnings({"集群月度": jumped}, "2025-09", earlier, 2.0)
    assert "当月营业收入" in line and "为 500，上月（2025-08）为 100" in line
    january = {"集群月度": pd.DataFrame([clusters("2024-12", 1200.0), clusters("2025-01", 100.0)])}
    february = table("集群月度", [clusters("2025-02", 190.0)])  # 90 after January's 100: no restart is a jump
    assert jump_warnings({"集群月度": february}, "2025-02", january, 2.0) == []
    firms = table("集群月度", [clusters("2025-09", 900.0, firms=200)])
    assert any("企业数" in line for line in jump_warnings({"集群月度": firms}, "2025-09", earlier, 2.0))
