"""The award plans: each award type's levels, batch months, yearly first-time grants per group,
renewal, selectivity and revocation hazard, plus the pinned grants that make a plan's story."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AwardPlan:
    """How one award type is granted: by whom, when, how many and to which enterprises."""

    type: str
    levels: dict  # group -> {level: share}; "" for types without a level (a province group: its base's)
    batches: dict  # month -> weight
    schedule: dict  # group -> {year: first-time grants}
    renew: float = 0.0  # probability a 3-year award is renewed at expiry
    beta: float = 3.0  # selectivity on enterprise quality
    by_size: bool = False  # selected on size instead of quality
    prereq: str | None = None
    hazard: float = 0.0  # yearly revocation hazard (撤销/退规/摘牌)
    explicit_expiry: float = 0.0  # share of rows with 有效期至 written
    doc: dict = field(default_factory=dict)  # group -> document number pattern


def _years(start: int, values: list[int]) -> dict[int, int]:
    """{start: values[0], start + 1: values[1], ...}."""
    return {start + i: v for i, v in enumerate(values)}


EVERY_MONTH = {m: 1.0 for m in range(1, 13)}
_L1 = {"sjz": {"省级": 1.0}, "lutai": {"省级": 1.0}, "xining": {"省级": 1.0}}
_NONE = {g: {"": 1.0} for g in ("sjz", "lutai", "xining")}

AWARD_PLANS: tuple[AwardPlan, ...] = (
    AwardPlan(
        "规上工业企业",
        _NONE,
        {1: 6.0, **{m: 0.4 for m in range(2, 13)}},
        {
            "sjz": {**{y: 75 for y in range(2015, 2022)}, **_years(2022, [95, 90, 100, 95, 90, 90])},
            "lutai": {**{y: 9 for y in range(2015, 2022)}, **_years(2022, [6, 5, 7, 6, 6, 6])},
            "xining": {**{y: 34 for y in range(2015, 2022)}, **_years(2022, [22, 20, 24, 22, 18, 20])},
        },
        beta=3.0,
        by_size=True,
        hazard=0.02,
    ),
    AwardPlan(
        "科技型中小企业",
        {"sjz": {"省级": 1.0}, "lutai": {"省级": 1.0}, "xining": {"省级": 1.0}},
        {3: 1, 5: 1, 7: 1, 9: 1, 11: 1},
        {
            "sjz": {**{y: 80 for y in range(2016, 2022)}, **_years(2022, [170, 180, 175, 180, 170, 170])},
            "lutai": {**{y: 26 for y in range(2016, 2022)}, **_years(2022, [22, 19, 21, 20, 18, 20])},
            "xining": {**{y: 43 for y in range(2016, 2022)}, **_years(2022, [28, 30, 36, 38, 30, 30])},
        },
        beta=1.5,
        hazard=0.004,
        doc={"sjz": "冀科高函〔{y}〕{n}号", "lutai": "冀科高函〔{y}〕{n}号", "xining": "青科发高〔{y}〕{n}号"},
    ),
    # Xining's 市级科技型企业: a separate municipal list (a second plan for the same type).
    AwardPlan(
        "科技型中小企业",
        {"xining": {"市级": 1.0}},
        {4: 1, 10: 1},
        {"xining": {**{y: 57 for y in range(2019, 2022)}, **_years(2022, [40, 45, 45, 45, 40, 40])}},
        beta=1.2,
        hazard=0.004,
        doc={"xining": "宁科〔{y}〕{n}号"},
    ),
    AwardPlan(
        "创新型中小企业",
        _NONE,
        {4: 1, 7: 1, 10: 1, 12: 1},
        {
            "sjz": _years(2022, [470, 520, 480, 530, 500, 500]),
            "lutai": _years(2022, [20, 22, 20, 24, 20, 20]),
            "xining": _years(2022, [55, 60, 58, 62, 60, 60]),
        },
        renew=0.75,
        beta=2.5,
        hazard=0.003,
        explicit_expiry=0.5,
        doc={
            "sjz": "冀工信企业函〔{y}〕{n}号",
            "lutai": "冀工信企业函〔{y}〕{n}号",
            "xining": "青工信中小〔{y}〕{n}号",
        },
    ),
    AwardPlan(
        "专精特新中小企业",
        _L1,
        {3: 1, 7: 1, 11: 1},
        {
            "sjz": _years(2017, [10, 25, 45, 90, 130, 150, 165, 115, 100, 95, 95]),
            "lutai": _years(2018, [2, 3, 5, 6, 5, 6, 5, 4, 5, 5]),
            "xining": _years(2019, [4, 8, 12, 14, 16, 15, 14, 10, 10]),
        },
        renew=0.85,
        beta=5.0,
        hazard=0.003,
        explicit_expiry=0.55,
        doc={
            "sjz": "冀工信企业函〔{y}〕{n}号",
            "lutai": "冀工信企业函〔{y}〕{n}号",
            "xining": "青工信中小〔{y}〕{n}号",
        },
    ),
    AwardPlan(
        "专精特新小巨人",
        {g: {"国家级": 1.0} for g in ("sjz", "lutai", "xining")},
        {7: 1},
        {
            "sjz": _years(2019, [8, 12, 20, 18, 17, 16, 18, 12, 12]),
            "lutai": _years(2019, [1, 1, 2, 1, 2, 2, 1, 1, 1]),
            "xining": _years(2019, [1, 1, 2, 2, 2, 2, 2, 1, 1]),
        },
        renew=0.92,
        beta=8.0,
        prereq="专精特新中小企业",
        explicit_expiry=0.6,
        doc={g: "工信厅企业函〔{y}〕{n}号" for g in ("sjz", "lutai", "xining")},
    ),
    AwardPlan(
        "高新技术企业",
        _NONE,
        {10: 1, 12: 1},
        {
            "sjz": _years(2016, [12, 14, 16, 18, 20, 22, 21, 19, 23, 18, 20, 20]),
            "lutai": _years(2016, [2, 3, 3, 4, 5, 6, 5, 6, 4, 6, 5, 5]),
            "xining": _years(2016, [12, 15, 18, 22, 25, 29, 32, 35, 37, 37, 33, 33]),
        },
        renew=0.8,
        beta=4.0,
        hazard=0.004,
        explicit_expiry=0.8,
        doc={g: "国科火字〔{y}〕{n}号" for g in ("sjz", "lutai", "xining")},
    ),
    AwardPlan(
        "领跑者企业",
        {"sjz": {"省级": 0.7, "市级": 0.3}, "lutai": {"省级": 1.0}},
        {12: 1},
        {"sjz": _years(2022, [15, 12, 10, 8, 8, 8]), "lutai": _years(2022, [1, 1, 0, 1, 1, 0])},
        beta=7.0,
        doc={"sjz": "冀工信企业〔{y}〕{n}号", "lutai": "冀工信企业〔{y}〕{n}号"},
    ),
    AwardPlan(
        "上市企业",
        _NONE,
        EVERY_MONTH,
        {
            "sjz": {2016: 1, 2019: 1, 2022: 1, 2023: 1, 2024: 2, 2025: 3, 2026: 1, 2027: 1},
            "xining": {2017: 1, 2021: 1, 2025: 1},
        },
        beta=9.0,
        by_size=True,
    ),
    AwardPlan(
        "新三板挂牌企业",
        _NONE,
        EVERY_MONTH,
        {
            "sjz": {**{y: 2 for y in range(2015, 2022)}, **_years(2022, [2, 2, 1, 2, 2, 2])},
            "lutai": {2016: 1, 2023: 1},
            "xining": {2016: 1, 2017: 1, 2024: 1},
        },
        beta=6.0,
        hazard=0.04,
    ),
    AwardPlan(
        "区域股权市场挂牌企业",
        _NONE,
        EVERY_MONTH,
        {
            "sjz": {**{y: 6 for y in range(2017, 2022)}, **_years(2022, [12, 14, 10, 12, 12, 12])},
            "lutai": _years(2019, [1, 1, 2, 2, 1, 2, 1, 1, 1]),
            "xining": _years(2018, [2, 2, 3, 3, 3, 2, 3, 2, 2, 2]),
        },
        beta=3.0,
        hazard=0.02,
    ),
    AwardPlan(
        "股份制改造",
        _NONE,
        EVERY_MONTH,
        {
            "sjz": {**{y: 3 for y in range(2018, 2022)}, **_years(2022, [5, 6, 4, 5, 5, 5])},
            "lutai": _years(2022, [1, 0, 1, 1, 1, 1]),
        },
        beta=5.0,
    ),
    AwardPlan(
        "绿色工厂",
        {
            "sjz": {"省级": 0.7, "国家级": 0.2, "市级": 0.1},
            "lutai": {"省级": 1.0},
            "xining": {"国家级": 0.4, "省级": 0.6},
        },
        {12: 1},
        {
            "sjz": _years(2019, [2, 2, 3, 3, 4, 2, 3, 3, 3]),
            "lutai": {2021: 1, 2024: 1},
            "xining": _years(2019, [1, 1, 2, 1, 2, 1, 2, 1, 1]),
        },
        beta=4.0,
        doc={"sjz": "冀工信节〔{y}〕{n}号", "lutai": "冀工信节〔{y}〕{n}号", "xining": "工信厅节函〔{y}〕{n}号"},
    ),
    AwardPlan(
        "智能制造标杆企业",
        _L1,
        {12: 1},
        {"sjz": {2021: 1, 2023: 1, 2024: 1, 2025: 2, 2026: 1, 2027: 1}, "lutai": {2024: 1}},
        beta=6.0,
        doc={"sjz": "冀工信装〔{y}〕{n}号", "lutai": "冀工信装〔{y}〕{n}号"},
    ),
    AwardPlan(
        "制造业单项冠军",
        {"sjz": {"国家级": 0.6, "省级": 0.4}, "xining": {"国家级": 1.0}},
        {11: 1},
        {"sjz": {2017: 1, 2020: 1, 2024: 1, 2026: 1}, "xining": {2025: 1}},
        beta=10.0,
        doc={"sjz": "工信部联政法函〔{y}〕{n}号", "xining": "工信部联政法函〔{y}〕{n}号"},
    ),
    AwardPlan(
        "科技领军企业",
        _L1,
        {12: 1},
        {"sjz": {2022: 2, 2023: 3, 2024: 2, 2025: 2, 2026: 2}},
        beta=8.0,
        doc={"sjz": "冀科高〔{y}〕{n}号"},
    ),
)
VALIDITY = {"创新型中小企业": 3, "专精特新中小企业": 3, "专精特新小巨人": 3, "高新技术企业": 3}

# The other units of each province (--size province): each plan's yearly first-time grants per unit
# of strength, against the base group's (the sjz group for 河北省, the xining group for 青海省).
# Calibrated so that the province's simulated totals sit near the plans' figures: 河北省 about
# 5,000 创新型中小企业 a year, 专精特新 stocks of about 3,000 (2022) to 4,500 (2025) and
# “小巨人” of about 250 to 450, just under the province's reported totals; 青海省's other units
# hold about a third of 西宁市's 专精特新 so that 西宁市's share stays near its 65% target. A list a
# city keeps itself (levels only 市级: 西宁's 市级科技型企业) is not extended to other units.
REST_INTENSITY = {
    "hebei": {
        "规上工业企业": 1.1,
        "科技型中小企业": 1.0,
        "创新型中小企业": 1.8,
        "专精特新中小企业": 0.95,
        "专精特新小巨人": 0.55,
        "高新技术企业": 0.8,
        "领跑者企业": 0.8,
        "上市企业": 0.7,
        "新三板挂牌企业": 0.8,
        "区域股权市场挂牌企业": 0.8,
        "股份制改造": 1.6,
        "绿色工厂": 1.4,
        "智能制造标杆企业": 0.8,
        "制造业单项冠军": 0.6,
        "科技领军企业": 0.6,
    },
    "qinghai": {
        "规上工业企业": 0.8,
        "科技型中小企业": 0.5,
        "创新型中小企业": 0.5,
        "专精特新中小企业": 0.3,
        "专精特新小巨人": 0.5,
        "高新技术企业": 0.4,
        "上市企业": 0.5,
        "新三板挂牌企业": 0.5,
        "区域股权市场挂牌企业": 0.5,
        "绿色工厂": 0.5,
        "制造业单项冠军": 0.5,
    },
}

# Pinned first-time grants (unit, type, year) -> n: Xinle's 2023 plan straddled
# (target 6 专精特新: 5; 3 小巨人: 3; 5 高新: 6; 1 单项冠军: 0; 1 领跑者: 1; 1 领军: 1).
PINNED = {
    ("新乐市", "专精特新中小企业", 2023): 5,
    ("新乐市", "专精特新小巨人", 2023): 3,
    ("新乐市", "高新技术企业", 2023): 6,
    ("新乐市", "制造业单项冠军", 2023): 0,
    ("新乐市", "领跑者企业", 2023): 1,
    ("新乐市", "科技领军企业", 2023): 1,
}
