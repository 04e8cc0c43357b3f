"""Deterministic synthetic monthly submissions (月调度报送) for demos, tests and benchmarks.

`generate_demo(out_dir, seed=0, size="small", until=None)` simulates a world of
enterprises, awards, finances, clusters and reported indicators for every
county-level unit of the region registry, then writes one submission per unit
and month following the input contract (docs: /work/shared/spec/workbook-contract.md,
analysis.contract). Same seed and same `until` give byte-identical files: the
world is always simulated to a fixed horizon (end of 2027, or of `until`'s year
if later) and only truncated when written, xlsx metadata carries the
submission date, zip entries carry a fixed timestamp.

What the files look like (and why):

- `{unit}-{YYYY-MM}.xlsx`: one workbook per unit and month with the sheets
  填报说明 (填报期（年月） = the period, 报送类型, 填报日期), 企业名录 (the full
  register every month), 资质认定 (every award held or once held: awards
  accumulate, revocations show from the month they happen), 企业年度财务 (the
  two latest years whose figures are out: year Y from the April submission of
  Y+1), 集群名录, 集群月度 (the month's 1–N月累计 row; a unit's first written
  file back-fills from January of the previous year so that 同比 can be
  computed), 指标填报 and, for lagging units, 情况说明.
- CSV units (CSV_UNITS): one file per sheet, `{unit}-{YYYY-MM}-{sheet}.csv`,
  no 填报说明 (the period is in the file name); 深泽县 saves GBK (Excel's
  "CSV (逗号分隔)" on Chinese Windows), 井陉矿区 UTF-8 with BOM, 湟源县 plain UTF-8.
- Province files `河北省-{YYYY-MM}.xlsx` and `青海省-{YYYY-MM}.xlsx`: the
  provincial departments of industry report province-wide totals that no
  county register carries (专精特新中小企业, 专精特新“小巨人”企业 in effect;
  for 河北省 also flows and rates of the provincial plan) in 指标填报 with
  地区 = the province. 青海省's totals are derived from 西宁市's simulated
  stock so that 西宁市's shares sit near its 65% / 50% targets.
- Late submissions: 填报说明's 报送类型 is “逾期报送”, 填报日期 is after the
  10th of the following month (the deadline), and the file's mtime is that
  date (normal files: the 3rd–9th of the following month, Beijing time).
  Missing months: a few units skip a few months (no file at all).
- One correction: `新乐市-2023-06（更正）.xlsx` (the unit's 2023-06, or its
  first written month when 2023-06 is not written): a full resubmission with
  changed values (报送类型 “更正”, later mtime). The name sorts after the
  original in plain code-point order (“（” > “.”), which is the order
  analysis.ingest takes files in; `-更正` would sort before it.
- Flow indicators in 指标填报 (新增发明专利, 对接活动场次, …) are the month's
  own figure (备注 “当月数”); stocks (库内企业数, 全省有效期内企业数) and rates
  are the level at the end of the month.
- Units whose registry code is null (development zones) issue credit codes
  with the nearest ancestor's division code (芦台经济开发区: 唐山市 130200).

`--size province` scales every register about twenty-fold (≥100,000
enterprises, ≥150,000 awards) and writes only the latest month by default.
"""
from __future__ import annotations

import calendar
import csv
import io
import math
import os
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from . import creditcode
from .errors import UserError
from .regions import load_regions
from .yamlio import load_yaml
from . import paths

FIRST_MONTH = (2022, 1)
HIST_START = 2015           # awards are simulated from this year so 2022 starts with a realistic stock
HORIZON_YEAR = 2027          # the world is simulated to the end of this year (or `until`'s year if later)
PROVINCE_SCALE = 20          # registers and award counts of --size province
BEIJING = timezone(timedelta(hours=8))
EXCEL_EPOCH = date(1899, 12, 30)

CSV_UNITS = {"井陉矿区": "utf-8-sig", "深泽县": "gbk", "湟源县": "utf-8"}
PROVINCE_REPORTERS = ("河北省", "青海省")
CORRECTION = ("新乐市", "2023-06")

# Header dialects of some units (all within the contract's forgiving header rules).
STAR_UNITS = {"正定县"}                 # required headers marked with a leading *
FULLWIDTH_UNITS = {"城西区"}            # （万元） with full-width brackets
ALIAS_UNITS = {"晋州市"}                # 社会信用代码 instead of 统一社会信用代码
SERIAL_UNITS = {"藁城区", "鹿泉区"}      # extra 序号 / 备注 columns
PERCENT_TEXT_UNITS = {"灵寿县"}         # rates written as text with a % sign
CODE_REGION_UNITS = {"城中区"}          # 所属地区 written as the 6-digit code

# --- the regions' profiles ---------------------------------------------------------------------

# group of a unit: by the city it belongs to
GROUP_OF_CITY = {"石家庄市": "sjz", "唐山市": "lutai", "西宁市": "xining"}

# Strength multipliers (1 = average); the rest is drawn from the seed.
STRENGTH = {
    "鹿泉区": 2.2, "藁城区": 1.8, "正定县": 1.7, "栾城区": 1.5, "辛集市": 1.6, "裕华区": 1.4, "长安区": 1.3,
    "新乐市": 1.2, "晋州市": 1.1, "无极县": 1.0, "元氏县": 1.0, "赵县": 0.9, "平山县": 0.8, "桥西区": 1.0,
    "新华区": 0.9, "井陉县": 0.6, "高邑县": 0.6, "深泽县": 0.5, "行唐县": 0.5, "灵寿县": 0.45, "赞皇县": 0.45,
    "井陉矿区": 0.3,
    "城东区": 1.4, "城中区": 1.0, "城西区": 1.1, "城北区": 1.3, "湟中区": 1.2, "大通回族土族自治县": 0.9, "湟源县": 0.5,
}

# industry key -> (主导产业 label, GB/T 4754-2017 codes, name words)
INDUSTRIES = {
    "equip": ("装备制造", ["3411", "3441", "3444", "3451", "3484", "3511", "3572"],
              ["机械制造", "精密机械", "智能装备", "机电设备", "重工机械", "农业机械", "阀门", "轴承", "泵业"]),
    "food": ("食品加工", ["1312", "1391", "1411", "1431", "1469", "1441"],
             ["食品", "粮油", "食品科技", "调味品", "乳业", "面业"]),
    "pharma": ("生物医药", ["2710", "2720", "2730", "2740", "2761", "2770"],
               ["药业", "生物制药", "医药科技", "生物科技", "制药"]),
    "electronics": ("电子信息", ["3971", "3972", "3976", "3981", "3982", "3983", "3985"],
                    ["电子科技", "信息技术", "光电科技", "通信设备", "微电子"]),
    "chem": ("医药化工", ["2614", "2619", "2641", "2662", "2669", "2710"],
             ["化工", "精细化工", "化学科技", "新材料科技"]),
    "alloy": ("有色金属合金", ["3240", "3251", "3252", "3216"], ["合金材料", "有色金属", "铝业", "新材料"]),
    "pv": ("光伏制造", ["3825", "3841", "3976"], ["光伏科技", "新能源", "光电", "储能科技", "锂电"]),
    "leather": ("皮革", ["1910", "1921", "1923"], ["皮革", "皮具", "皮业", "裘革"]),
    "textile": ("纺织服装", ["1711", "1713", "1810"], ["纺织", "服饰", "制衣", "印染"]),
    "building": ("建材", ["3021", "3031", "3032", "3071"], ["建材", "新型建材", "水泥制品", "石材", "陶瓷"]),
    "board": ("板材家具", ["2021", "2022", "2110"], ["木业", "板业", "家居"]),
    "digital": ("数字经济", ["6511", "6513", "6531"], ["软件", "数字科技", "网络科技", "信息科技"]),
    "craft": ("宫灯工艺品", ["2439"], ["工艺品", "灯饰"]),
    "auto": ("汽车零部件", ["3670"], ["汽车零部件", "汽配", "车辆配件"]),
    "agri": ("高原特色农畜产品精深加工", ["1353", "1441", "1371"], ["牧业", "食品", "牛羊肉制品", "农畜产品"]),
    "tibetan": ("中藏药", ["2730", "2740"], ["藏药", "药业", "高原生物科技"]),
    "lithium": ("锂电储能", ["3841", "3849"], ["锂电", "储能科技", "新能源"]),
    "newmat": ("新材料", ["2662", "3240", "3099"], ["新材料科技", "材料科技", "化工"]),
}

# unit -> clusters: (name part, industry key, 集群级别)
CLUSTERS = {
    "长安区": [("数字经济", "digital", "市级"), ("智能装备", "equip", "其他")],
    "桥西区": [("电子信息", "electronics", "市级")],
    "新华区": [("装备制造", "equip", "市级"), ("生物医药", "pharma", "其他")],
    "井陉矿区": [("建材", "building", "其他")],
    "裕华区": [("电子信息", "electronics", "市级"), ("生物医药", "pharma", "市级")],
    "藁城区": [("宫灯", "craft", "省级重点"), ("农机装备", "equip", "市级"), ("食品", "food", "其他")],
    "鹿泉区": [("电子信息", "electronics", "省级重点"), ("装备制造", "equip", "市级")],
    "栾城区": [("生物医药", "pharma", "市级"), ("装备制造", "equip", "其他")],
    "井陉县": [("建材", "building", "市级"), ("化工", "chem", "其他")],
    "正定县": [("板材", "board", "省级重点"), ("数字经济", "digital", "市级"), ("食品", "food", "其他")],
    "行唐县": [("特色食品", "food", "市级")],
    "灵寿县": [("石材", "building", "市级")],
    "高邑县": [("建筑陶瓷", "building", "市级")],
    "深泽县": [("纺织服装", "textile", "市级")],
    "赞皇县": [("特色食品", "food", "省级重点")],
    "无极县": [("皮革", "leather", "省级重点"), ("汽车零部件", "auto", "其他")],
    "平山县": [("装备制造", "equip", "市级"), ("建材", "building", "其他")],
    "元氏县": [("医药化工", "chem", "省级重点")],
    "赵县": [("生物医药", "pharma", "市级"), ("食品", "food", "其他")],
    "辛集市": [("皮革", "leather", "省级重点"), ("化工", "chem", "市级")],
    "晋州市": [("纺织服装", "textile", "市级"), ("农机装备", "equip", "其他")],
    "新乐市": [("装备制造", "equip", "省级重点"), ("食品加工", "food", "市级"), ("生物医药", "pharma", "其他")],
    "芦台经济开发区": [("装备制造", "equip", "市级"), ("新材料", "newmat", "其他"), ("食品加工", "food", "其他")],
    "城东区": [("光伏制造", "pv", "省级重点")],
    "城中区": [("光伏制造", "pv", "市级"), ("锂电储能", "lithium", "市级")],
    "城西区": [("新材料", "newmat", "市级")],
    "城北区": [("中藏药", "tibetan", "省级重点"), ("高原动植物资源精深加工", "agri", "市级")],
    "湟中区": [("特色化工新材料", "newmat", "市级"), ("合金新材料", "alloy", "其他")],
    "大通回族土族自治县": [("有色金属合金", "alloy", "省级重点")],
    "湟源县": [("高原特色农畜产品精深加工", "agri", "市级")],
}
XINING_CLUSTER_SUFFIX = "中小企业特色产业集群"
DEFAULT_CLUSTERS = [("装备制造", "equip", "其他")]

TRADE_CHARS = list("华龙恒信金泰鑫源宏达博远瑞丰康中诚德润正天海佳新明盛通安利永兴昌隆峰祥和嘉宇晟晨凯旭辉创"
                   "弘鼎立航腾跃钧铭卓越强益顺汇聚禾泓浩升誉冀燕泽晶睿")

# --- awards ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardPlan:
    type: str
    levels: dict          # group -> {level: share}; "" for types without a level
    batches: dict         # month -> weight
    schedule: dict        # group -> {year: first-time grants}
    renew: float = 0.0    # probability a 3-year award is renewed at expiry
    beta: float = 3.0     # selectivity on enterprise quality
    by_size: bool = False  # selected on size instead of quality
    prereq: str | None = None
    hazard: float = 0.0   # yearly revocation hazard (撤销/退规/摘牌)
    explicit_expiry: float = 0.0  # share of rows with 有效期至 written
    doc: dict = field(default_factory=dict)  # group -> document number pattern


def _years(start: int, values: list[int]) -> dict[int, int]:
    return {start + i: v for i, v in enumerate(values)}


EVERY_MONTH = {m: 1.0 for m in range(1, 13)}
_L1 = {"sjz": {"省级": 1.0}, "lutai": {"省级": 1.0}, "xining": {"省级": 1.0}, "other": {"省级": 1.0}}
_NONE = {g: {"": 1.0} for g in ("sjz", "lutai", "xining", "other")}

AWARD_PLANS: tuple[AwardPlan, ...] = (
    AwardPlan("规上工业企业", _NONE, {1: 6.0, **{m: 0.4 for m in range(2, 13)}},
              {"sjz": {**{y: 75 for y in range(2015, 2022)}, **_years(2022, [95, 90, 100, 95, 90, 90])},
               "lutai": {**{y: 9 for y in range(2015, 2022)}, **_years(2022, [6, 5, 7, 6, 6, 6])},
               "xining": {**{y: 34 for y in range(2015, 2022)}, **_years(2022, [22, 20, 24, 22, 18, 20])}},
              beta=3.0, by_size=True, hazard=0.02),
    AwardPlan("科技型中小企业", {"sjz": {"省级": 1.0}, "lutai": {"省级": 1.0}, "xining": {"省级": 1.0},
                          "other": {"省级": 1.0}}, {3: 1, 5: 1, 7: 1, 9: 1, 11: 1},
              {"sjz": {**{y: 80 for y in range(2016, 2022)}, **_years(2022, [170, 180, 175, 180, 170, 170])},
               "lutai": {**{y: 26 for y in range(2016, 2022)}, **_years(2022, [22, 19, 21, 20, 18, 20])},
               "xining": {**{y: 43 for y in range(2016, 2022)}, **_years(2022, [28, 30, 36, 38, 30, 30])}},
              beta=1.5, hazard=0.004, doc={"sjz": "冀科高函〔{y}〕{n}号", "lutai": "冀科高函〔{y}〕{n}号",
                                            "xining": "青科发高〔{y}〕{n}号"}),
    # Xining's 市级科技型企业: a separate municipal list (a second plan for the same type).
    AwardPlan("科技型中小企业", {"xining": {"市级": 1.0}}, {4: 1, 10: 1},
              {"xining": {**{y: 57 for y in range(2019, 2022)}, **_years(2022, [40, 45, 45, 45, 40, 40])}},
              beta=1.2, hazard=0.004, doc={"xining": "宁科〔{y}〕{n}号"}),
    AwardPlan("创新型中小企业", _NONE, {4: 1, 7: 1, 10: 1, 12: 1},
              {"sjz": _years(2022, [470, 520, 480, 530, 500, 500]), "lutai": _years(2022, [20, 22, 20, 24, 20, 20]),
               "xining": _years(2022, [55, 60, 58, 62, 60, 60])},
              renew=0.75, beta=2.5, hazard=0.003, explicit_expiry=0.5,
              doc={"sjz": "冀工信企业函〔{y}〕{n}号", "lutai": "冀工信企业函〔{y}〕{n}号", "xining": "青工信中小〔{y}〕{n}号"}),
    AwardPlan("专精特新中小企业", _L1, {3: 1, 7: 1, 11: 1},
              {"sjz": _years(2017, [10, 25, 45, 90, 130, 150, 165, 115, 100, 95, 95]),
               "lutai": _years(2018, [2, 3, 5, 6, 5, 6, 5, 4, 5, 5]),
               "xining": _years(2019, [4, 8, 12, 14, 16, 15, 14, 10, 10])},
              renew=0.85, beta=5.0, hazard=0.003, explicit_expiry=0.55,
              doc={"sjz": "冀工信企业函〔{y}〕{n}号", "lutai": "冀工信企业函〔{y}〕{n}号", "xining": "青工信中小〔{y}〕{n}号"}),
    AwardPlan("专精特新小巨人", {g: {"国家级": 1.0} for g in ("sjz", "lutai", "xining", "other")}, {7: 1},
              {"sjz": _years(2019, [8, 12, 20, 18, 17, 16, 18, 12, 12]),
               "lutai": _years(2019, [1, 1, 2, 1, 2, 2, 1, 1, 1]),
               "xining": _years(2019, [1, 1, 2, 2, 2, 2, 2, 1, 1])},
              renew=0.92, beta=8.0, prereq="专精特新中小企业", explicit_expiry=0.6,
              doc={g: "工信厅企业函〔{y}〕{n}号" for g in ("sjz", "lutai", "xining")}),
    AwardPlan("高新技术企业", _NONE, {10: 1, 12: 1},
              {"sjz": _years(2016, [12, 14, 16, 18, 20, 22, 21, 19, 23, 18, 20, 20]),
               "lutai": _years(2016, [2, 3, 3, 4, 5, 6, 5, 6, 4, 6, 5, 5]),
               "xining": _years(2016, [12, 15, 18, 22, 25, 29, 32, 35, 37, 37, 33, 33])},
              renew=0.8, beta=4.0, hazard=0.004, explicit_expiry=0.8,
              doc={g: "国科火字〔{y}〕{n}号" for g in ("sjz", "lutai", "xining")}),
    AwardPlan("领跑者企业", {"sjz": {"省级": 0.7, "市级": 0.3}, "lutai": {"省级": 1.0}, "other": {"省级": 1.0}}, {12: 1},
              {"sjz": _years(2022, [15, 12, 10, 8, 8, 8]), "lutai": _years(2022, [1, 1, 0, 1, 1, 0])},
              beta=7.0, doc={"sjz": "冀工信企业〔{y}〕{n}号", "lutai": "冀工信企业〔{y}〕{n}号"}),
    AwardPlan("上市企业", _NONE, EVERY_MONTH,
              {"sjz": {2016: 1, 2019: 1, 2022: 1, 2023: 1, 2024: 2, 2025: 3, 2026: 1, 2027: 1},
               "xining": {2017: 1, 2021: 1, 2025: 1}}, beta=9.0, by_size=True),
    AwardPlan("新三板挂牌企业", _NONE, EVERY_MONTH,
              {"sjz": {**{y: 2 for y in range(2015, 2022)}, **_years(2022, [2, 2, 1, 2, 2, 2])},
               "lutai": {2016: 1, 2023: 1}, "xining": {2016: 1, 2017: 1, 2024: 1}}, beta=6.0, hazard=0.04),
    AwardPlan("区域股权市场挂牌企业", _NONE, EVERY_MONTH,
              {"sjz": {**{y: 6 for y in range(2017, 2022)}, **_years(2022, [12, 14, 10, 12, 12, 12])},
               "lutai": _years(2019, [1, 1, 2, 2, 1, 2, 1, 1, 1]), "xining": _years(2018, [2, 2, 3, 3, 3, 2, 3, 2, 2, 2])},
              beta=3.0, hazard=0.02),
    AwardPlan("股份制改造", _NONE, EVERY_MONTH,
              {"sjz": {**{y: 3 for y in range(2018, 2022)}, **_years(2022, [5, 6, 4, 5, 5, 5])},
               "lutai": _years(2022, [1, 0, 1, 1, 1, 1])}, beta=5.0),
    AwardPlan("绿色工厂", {"sjz": {"省级": 0.7, "国家级": 0.2, "市级": 0.1}, "lutai": {"省级": 1.0},
                       "xining": {"国家级": 0.4, "省级": 0.6}, "other": {"省级": 1.0}}, {12: 1},
              {"sjz": _years(2019, [2, 2, 3, 3, 4, 2, 3, 3, 3]), "lutai": {2021: 1, 2024: 1},
               "xining": _years(2019, [1, 1, 2, 1, 2, 1, 2, 1, 1])}, beta=4.0,
              doc={"sjz": "冀工信节〔{y}〕{n}号", "lutai": "冀工信节〔{y}〕{n}号", "xining": "工信厅节函〔{y}〕{n}号"}),
    AwardPlan("智能制造标杆企业", _L1, {12: 1},
              {"sjz": {2021: 1, 2023: 1, 2024: 1, 2025: 2, 2026: 1, 2027: 1}, "lutai": {2024: 1}}, beta=6.0,
              doc={"sjz": "冀工信装〔{y}〕{n}号", "lutai": "冀工信装〔{y}〕{n}号"}),
    AwardPlan("制造业单项冠军", {"sjz": {"国家级": 0.6, "省级": 0.4}, "xining": {"国家级": 1.0},
                          "other": {"国家级": 1.0}}, {11: 1},
              {"sjz": {2017: 1, 2020: 1, 2024: 1, 2026: 1}, "xining": {2025: 1}}, beta=10.0,
              doc={"sjz": "工信部联政法函〔{y}〕{n}号", "xining": "工信部联政法函〔{y}〕{n}号"}),
    AwardPlan("科技领军企业", _L1, {12: 1}, {"sjz": {2022: 2, 2023: 3, 2024: 2, 2025: 2, 2026: 2}}, beta=8.0,
              doc={"sjz": "冀科高〔{y}〕{n}号"}),
)
VALIDITY = {"创新型中小企业": 3, "专精特新中小企业": 3, "专精特新小巨人": 3, "高新技术企业": 3}

# Pinned first-time grants (unit, type, year) -> n: Xinle's 2023 plan straddled
# (target 6 专精特新: 5; 3 小巨人: 3; 5 高新: 6; 1 单项冠军: 0; 1 领跑者: 1; 1 领军: 1).
PINNED = {
    ("新乐市", "专精特新中小企业", 2023): 5, ("新乐市", "专精特新小巨人", 2023): 3,
    ("新乐市", "高新技术企业", 2023): 6, ("新乐市", "制造业单项冠军", 2023): 0,
    ("新乐市", "领跑者企业", 2023): 1, ("新乐市", "科技领军企业", 2023): 1,
}

SHEET_COLUMNS = {
    "企业名录": ["统一社会信用代码", "企业名称", "所属地区", "所属集群", "行业代码", "是否规上"],
    "资质认定": ["统一社会信用代码", "资质类型", "级别", "认定日期", "有效期至", "撤销日期", "批次文号"],
    "企业年度财务": ["统一社会信用代码", "年度", "营业收入(万元)", "主营业务收入(万元)", "研发费用(万元)", "职工人数",
                 "研发人员数", "大专以上学历人数", "有效发明专利数"],
    "集群名录": ["集群名称", "所属地区", "主导产业", "集群级别"],
    "集群月度": ["集群名称", "年月", "本年累计营业收入(万元)", "企业数", "规上企业数"],
    "指标填报": ["地区", "年月", "指标", "数值", "单位", "备注"],
    "情况说明": ["地区", "年月", "指标", "进展情况", "存在问题", "下步措施"],
}
REQUIRED = {"统一社会信用代码", "企业名称", "所属地区", "资质类型", "认定日期", "年度", "集群名称", "年月",
            "本年累计营业收入(万元)", "地区", "指标", "数值", "进展情况"}


# --- small helpers -----------------------------------------------------------------------------

def _mi(year: int, month: int) -> int:
    return year * 12 + month - 1


def _ym(mi: int) -> tuple[int, int]:
    return mi // 12, mi % 12 + 1


def _period(mi: int) -> str:
    y, m = _ym(mi)
    return f"{y:04d}-{m:02d}"


def _month_end(mi: int) -> date:
    y, m = _ym(mi)
    return date(y, m, calendar.monthrange(y, m)[1])


def _day(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - date(1970, 1, 1)).days


def _excel(days: np.ndarray) -> np.ndarray:
    return days + 25569.0


def parse_month(text: str) -> int:
    try:
        y, m = (int(x) for x in str(text).strip().split("-"))
        if not 1 <= m <= 12 or y < 2000:
            raise ValueError
    except ValueError:
        raise UserError(f"年月“{text}”格式不对，应为 YYYY-MM（如 2023-06）") from None
    return _mi(y, m)


def _rng(seed: int, *keys: object) -> np.random.Generator:
    """A generator for one purpose, independent of the order things are generated in."""
    words = [seed & 0xFFFFFFFF]
    for k in keys:
        words += [b for b in str(k).encode("utf-8")] if isinstance(k, str) else [int(k) & 0xFFFFFFFF]
    return np.random.default_rng(np.random.SeedSequence(words))


def _short(unit: str) -> str:
    if unit.startswith("大通"):
        return "大通"
    if unit.endswith("经济开发区"):
        return unit[:-5]
    return unit[:-1] if len(unit) > 2 and unit[-1] in "市区县" else unit


# --- the world ---------------------------------------------------------------------------------

@dataclass
class Unit:
    index: int
    name: str
    code: str | None          # registry code (None for zones)
    division: str             # the code credit codes carry
    group: str
    province: str
    strength: float
    trend: float


@dataclass
class DemoWorld:
    """Every generated table (all units, whole horizon); files are monthly cuts of it."""
    seed: int
    size: str
    units: list[Unit]
    enterprises: pd.DataFrame   # ent, unit, 统一社会信用代码, 企业名称, 所属集群, 行业代码, q, size, entry_day
    awards: pd.DataFrame        # ent, unit, 资质类型, 级别, grant_day, expiry_day, written_expiry, revoke_day, 批次文号
    finance: pd.DataFrame       # ent, unit, 年度 + the contract columns
    clusters: pd.DataFrame      # 集群名称, 所属地区, 主导产业, 集群级别
    cluster_months: pd.DataFrame  # 集群名称, unit, mi, 本年累计营业收入(万元)
    indicators: pd.DataFrame    # unit (reporter), mi, 地区, 指标, 数值, 单位, 备注
    notes: pd.DataFrame         # unit, mi, 地区, 指标, 进展情况, 存在问题, 下步措施

    def valid_at(self, award_type: str, when: date, units: list[str] | None = None,
                 level: str | None = None) -> int:
        """Distinct enterprises holding a valid award of the type at `when` (the contract's rule)."""
        a = self.awards
        d = _day(when)
        m = (a["资质类型"] == award_type) & (a["grant_day"] <= d) & (a["expiry_day"] >= d)
        m &= ~(a["revoke_day"] <= d)
        if level:
            m &= a["级别"] == level
        if units is not None:
            m &= a["unit"].isin(units)
        return int(a.loc[m, "ent"].nunique())

    def first_granted(self, award_type: str, year: int, units: list[str] | None = None) -> int:
        """Enterprises first granted the type in `year`."""
        a = self.awards[self.awards["资质类型"] == award_type]
        if units is not None:
            a = a[a["unit"].isin(units)]
        first = a.groupby("ent")["grant_day"].min()
        lo, hi = _day(date(year, 1, 1)), _day(date(year, 12, 31))
        return int(((first >= lo) & (first <= hi)).sum())


def _units(seed: int) -> list[Unit]:
    reg = load_regions()
    rng = _rng(seed, "units")
    out = []
    for i, r in enumerate(reg.units()):
        anc = reg.ancestors(r.name)
        city = next((a.name for a in anc if a.level == "city"), None)
        province = next((a.name for a in anc if a.level == "province"), "")
        division = r.code or next((a.code for a in anc if a.code), "110000")
        strength = STRENGTH.get(r.name, 1.0) * float(rng.lognormal(0, 0.3))
        out.append(Unit(i, r.name, r.code, division, GROUP_OF_CITY.get(city, "other"), province, strength,
                        float(rng.normal(0, 0.07))))
    return out


def _schedule(plan: AwardPlan, group: str, year: int, scale: int, n_group_units: int) -> int:
    if group == "other":  # a unit outside the five plans: an average Shijiazhuang unit
        n = plan.schedule.get("sjz", {}).get(min(year, HORIZON_YEAR), 0) / 22
        return int(round(n * scale))
    sched = plan.schedule.get(group)
    if not sched:
        return 0
    if year in sched:
        n = sched[year]
    elif year > max(sched):
        n = sched[max(sched)]
    else:
        n = 0
    return int(round(n * scale))


def _allocate(seed: int, units: list[Unit], scale: int, horizon: int) -> dict[tuple[int, int, int], np.ndarray]:
    """(unit index, plan index, year) -> first-time grants per batch month (array over 1..12)."""
    out: dict[tuple[int, int, int], np.ndarray] = {}
    groups: dict[str, list[Unit]] = {}
    for u in units:
        groups.setdefault(u.group, []).append(u)
    for p_i, plan in enumerate(AWARD_PLANS):
        bw = np.zeros(12)
        for m, w in plan.batches.items():
            bw[m - 1] = w
        bw /= bw.sum()
        for group, members in groups.items():
            if group not in plan.levels and group != "other":
                continue
            rng = _rng(seed, "alloc", p_i, group)
            noise = rng.lognormal(0, 0.25, len(members))
            for year in range(HIST_START, horizon + 1):
                if group == "other":
                    totals = {u.index: _schedule(plan, group, year, scale, 1) for u in members}
                else:
                    total = _schedule(plan, group, year, scale, len(members))
                    pinned = {u.index: PINNED[(u.name, plan.type, year)]
                              for u in members if (u.name, plan.type, year) in PINNED and scale == 1}
                    free = [u for u in members if u.index not in pinned]
                    rest = max(0, total - sum(pinned.values()))
                    w = np.array([u.strength * max(0.15, 1 + u.trend * (year - 2022)) for u in free])
                    w = w * noise[[members.index(u) for u in free]]
                    counts = rng.multinomial(rest, w / w.sum()) if free and rest else np.zeros(len(free), int)
                    totals = {**pinned, **{u.index: int(c) for u, c in zip(free, counts)}}
                for ui, n in totals.items():
                    if n:
                        out[(ui, p_i, year)] = rng.multinomial(n, bw)
    return out


def _names(rng: np.random.Generator, unit: Unit, ind_keys: list[str], taken: set[str]) -> list[str]:
    """地名 + 字号 + 行业 + 有限公司 names, unique across the whole world."""
    province_short = unit.province[:2] if unit.province else "河北"
    city_short = {"sjz": "石家庄", "lutai": "唐山", "xining": "西宁"}.get(unit.group, province_short)
    prefixes = [province_short, city_short, _short(unit.name)]
    if unit.group == "xining":
        prefixes = ["青海", "西宁", "青海", _short(unit.name)]
    if unit.name.endswith("市") and unit.group == "sjz":
        prefixes.append(unit.name)
    suffixes = ["有限公司"] * 14 + ["股份有限公司"] * 3 + ["有限责任公司"] * 3
    nc = len(TRADE_CHARS)
    out = []
    for key in ind_keys:
        words = INDUSTRIES[key][2]
        while True:
            a, b, p, w, x = rng.integers(0, 1 << 30, 5)
            if a % nc == b % nc:
                continue
            name = (f"{prefixes[p % len(prefixes)]}{TRADE_CHARS[a % nc]}{TRADE_CHARS[b % nc]}"
                    f"{words[w % len(words)]}{suffixes[x % len(suffixes)]}")
            if name not in taken:
                taken.add(name)
                out.append(name)
                break
    return out


def build_world(seed: int = 0, size: str = "small", until: int | None = None) -> DemoWorld:
    """Simulate the whole world to the horizon (deterministic in `seed`, `size` and the horizon)."""
    if size not in ("small", "province"):
        raise UserError(f"规模“{size}”无效，应为 small 或 province")
    scale = PROVINCE_SCALE if size == "province" else 1
    horizon = max(HORIZON_YEAR, _ym(until)[0] if until is not None else HORIZON_YEAR)
    units = _units(seed)
    alloc = _allocate(seed, units, scale, horizon)
    start_day = _day(date(*FIRST_MONTH, 1))
    horizon_day = _day(date(horizon, 12, 31))

    ent_frames, award_frames, cluster_rows = [], [], []
    code_rng = random.Random(seed * 1_000_003 + 17)
    codes_taken: set[str] = set()
    names_taken: set[str] = set()
    plan_order = list(range(len(AWARD_PLANS)))
    for u in units:
        rng = _rng(seed, "unit", u.index)
        specs = CLUSTERS.get(u.name, DEFAULT_CLUSTERS)
        suffix = XINING_CLUSTER_SUFFIX if u.group == "xining" else "产业集群"
        cl_names = [f"{u.name}{part}{suffix}" for part, _, _ in specs]
        for (part, ind, level), cname in zip(specs, cl_names):
            cluster_rows.append({"集群名称": cname, "所属地区": u.name, "主导产业": INDUSTRIES[ind][0],
                                 "集群级别": level, "unit": u.name, "ind": ind})
        # register size from the largest award list of the unit
        need = {}
        for (ui, p_i, year), per_batch in alloc.items():
            if ui == u.index:
                need[AWARD_PLANS[p_i].type] = need.get(AWARD_PLANS[p_i].type, 0) + int(per_batch.sum())
        n = int(math.ceil(1.35 * max(need.values(), default=0) + 12 * scale))
        q = rng.random(n)
        log_size = 8.0 + 1.2 * q + rng.normal(0, 0.9, n)            # ln(revenue 万元): median ~ 3,000–10,000
        late = rng.random(n) < 0.15
        entry = np.where(late, rng.integers(start_day + 31, horizon_day - 200, n), 0)
        cw = np.array([3.0] + [1.5] * (len(specs) - 1))
        cl_idx = rng.choice(len(specs), n, p=cw / cw.sum())
        no_cluster = rng.random(n) < 0.1
        ind_keys = [specs[i][1] for i in cl_idx]
        inds = np.array([INDUSTRIES[k][1][j % len(INDUSTRIES[k][1])] for k, j in zip(ind_keys, rng.integers(0, 99, n))])
        names = _names(rng, u, ind_keys, names_taken)
        codes = []
        for _ in range(n):
            c = creditcode.generate(code_rng, u.division)
            while c in codes_taken:
                c = creditcode.generate(code_rng, u.division)
            codes_taken.add(c)
            codes.append(c)
        ent = pd.DataFrame({
            "unit": u.name, "统一社会信用代码": codes, "企业名称": names,
            "所属集群": np.where(no_cluster, None, np.array(cl_names, dtype=object)[cl_idx]),
            "行业代码": inds, "q": q, "log_size": log_size, "entry_day": entry,
        })
        ent_frames.append(ent)

        # awards: first-time grants, chronologically, per plan
        first_grant: dict[str, np.ndarray] = {}
        for p_i in plan_order:
            plan = AWARD_PLANS[p_i]
            score = (log_size - log_size.mean()) / (log_size.std() + 1e-9) / 3 + 0.5 if plan.by_size else q
            entered = first_grant.setdefault(plan.type, np.full(n, np.iinfo(np.int64).max, dtype=np.int64))
            levels = plan.levels.get(u.group) or plan.levels.get("other") or {"": 1.0}
            lv_names, lv_w = list(levels), np.array(list(levels.values()))
            brng = _rng(seed, "batch", u.index, p_i)
            rows_e, rows_d, rows_lv = [], [], []
            for year in range(HIST_START, horizon + 1):
                per_batch = alloc.get((u.index, p_i, year))
                if per_batch is None:
                    continue
                for m in range(1, 13):
                    k = int(per_batch[m - 1])
                    if not k:
                        continue
                    day_of_month = int(_rng(seed, "day", p_i, year, m).integers(5, 29))
                    d = _day(date(year, m, day_of_month))
                    ok = (entered == np.iinfo(np.int64).max) & (entry <= d)
                    if plan.prereq:
                        ok &= first_grant.get(plan.prereq, np.full(n, np.iinfo(np.int64).max)) <= d
                    cand = np.flatnonzero(ok)
                    if not len(cand):
                        continue
                    key = plan.beta * score[cand] + brng.gumbel(size=len(cand))
                    chosen = cand[np.argsort(-key, kind="stable")[:k]]
                    entered[chosen] = d
                    rows_e.append(chosen)
                    rows_d.append(np.full(len(chosen), d))
                    rows_lv += list(np.array(lv_names, dtype=object)[brng.choice(len(lv_names), len(chosen),
                                                                                 p=lv_w / lv_w.sum())])
            if not rows_e:
                continue
            e = np.concatenate(rows_e)
            d = np.concatenate(rows_d)
            frame = _chains(seed, u, p_i, plan, e, d, np.array(rows_lv, dtype=object), horizon_day)
            frame["批次文号"] = _doc_numbers(seed, p_i, plan, u.group, frame["grant_day"].to_numpy())
            award_frames.append(frame)

    enterprises = pd.concat(ent_frames, ignore_index=True)
    # global enterprise id
    offsets = {}
    pos = 0
    for u, frame in zip(units, ent_frames):
        offsets[u.name] = pos
        pos += len(frame)
    enterprises.insert(0, "ent", np.arange(len(enterprises)))
    awards = pd.concat(award_frames, ignore_index=True)
    awards["ent"] = awards["local"] + awards["unit"].map(offsets).astype(np.int64)
    awards = awards.drop(columns="local").sort_values(["unit", "grant_day", "type_order", "ent"],
                                                      kind="stable").reset_index(drop=True)
    finance = _finance(seed, enterprises, horizon)
    clusters = pd.DataFrame(cluster_rows)
    cluster_months = _cluster_months(seed, clusters, enterprises, finance, units, horizon)
    indicators = _indicators(seed, units, horizon, awards)
    notes = _notes(seed, units, horizon, awards, indicators, cluster_months, enterprises)
    return DemoWorld(seed, size, units, enterprises, awards, finance, clusters.drop(columns=["unit", "ind"]),
                     cluster_months, indicators, notes)


def _add_years(days: np.ndarray, years: int) -> np.ndarray:
    d = pd.to_datetime(days, unit="D")
    shifted = pd.DatetimeIndex(d) + pd.DateOffset(years=years)
    return ((shifted - pd.Timestamp("1970-01-01")).days).to_numpy().astype(np.int64)


def _doc_numbers(seed: int, p_i: int, plan: AwardPlan, group: str, days: np.ndarray) -> list:
    """One 批次文号 per batch (type, group, year, month): every award of a batch shares it."""
    pattern = plan.doc.get(group, "")
    if not pattern:
        return [None] * len(days)
    dt = pd.to_datetime(days, unit="D")
    cache: dict[tuple[int, int], str] = {}
    out = []
    for y, m in zip(dt.year, dt.month):
        if (y, m) not in cache:
            cache[(y, m)] = pattern.format(y=y, n=int(_rng(seed, "doc", p_i, group, y, m).integers(8, 260)))
        out.append(cache[(y, m)])
    return out


def _chains(seed, u: Unit, p_i: int, plan: AwardPlan, ent: np.ndarray, day: np.ndarray, lv: np.ndarray,
            horizon_day: int) -> pd.DataFrame:
    """Award rows: first grants plus renewals of 3-year awards, expiries and revocations."""
    rng = _rng(seed, "chain", u.index, p_i)
    validity = VALIDITY.get(plan.type)
    es, ds, lvs = [ent], [day], [lv]
    if validity:
        cur_e, cur_d, cur_lv = ent, day, lv
        while len(cur_e):
            keep = rng.random(len(cur_e)) < plan.renew
            nd = _add_years(cur_d[keep], validity)
            inside = nd <= horizon_day
            cur_e, cur_d, cur_lv = cur_e[keep][inside], nd[inside], cur_lv[keep][inside]
            es.append(cur_e), ds.append(cur_d), lvs.append(cur_lv)
    e, d = np.concatenate(es), np.concatenate(ds)
    out = pd.DataFrame({"local": e, "unit": u.name, "资质类型": plan.type,
                        "级别": np.array([x or None for x in np.concatenate(lvs)], dtype=object), "grant_day": d})
    if validity:
        out["expiry_day"] = _add_years(d, validity) - 1
        out["written_expiry"] = rng.random(len(out)) < plan.explicit_expiry
    else:
        out["expiry_day"] = np.iinfo(np.int64).max // 2
        out["written_expiry"] = False
    # revocations: a yearly hazard over the time the award runs (to its expiry or the horizon)
    end = np.minimum(out["expiry_day"].to_numpy(), horizon_day)
    years_run = np.maximum(end - d, 1) / 365.25
    revoked = rng.random(len(out)) < 1 - np.exp(-plan.hazard * years_run)
    when = d + (rng.random(len(out)) * (end - d)).astype(np.int64)
    out["revoke_day"] = np.where(revoked & (when > d + 30), when, np.iinfo(np.int64).max // 2)
    if validity:  # a revoked award is not renewed: drop later rows of the same enterprise
        rv = out.loc[out["revoke_day"] < np.iinfo(np.int64).max // 2, ["local", "revoke_day"]]
        first_rv = rv.groupby("local")["revoke_day"].min()
        cut = out["local"].map(first_rv)
        out = out[~(cut.notna() & (out["grant_day"] > cut))]
    out["type_order"] = p_i
    return out.reset_index(drop=True)


def _finance(seed: int, ent: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Annual figures 2019..horizon-1 with spreads around the eligibility thresholds."""
    rng = _rng(seed, "finance")
    n = len(ent)
    years = list(range(2019, horizon))
    q = ent["q"].to_numpy()
    rev = np.exp(ent["log_size"].to_numpy())
    rd_base = np.clip(0.6 + 5.0 * q + rng.normal(0, 0.9, n), 0.05, 14)
    main_share = 1 - rng.beta(1.5, 6, n) * 0.6
    productivity = rng.lognormal(np.log(75), 0.35, n)          # 万元 per employee
    rd_staff = np.clip(0.03 + 0.15 * q + rng.normal(0, 0.04, n), 0.003, 0.6)
    tertiary = np.clip(0.10 + 0.30 * q + rng.normal(0, 0.08, n), 0.02, 0.95)
    patents = rng.poisson(0.3 + 8 * q ** 2 * np.clip(np.log10(rev) - 2, 0.3, 3), n).astype(float)
    frames = []
    for y in years:
        growth = rng.normal(0.07 + 0.06 * q, 0.12)
        rev = np.maximum(rev * (1 + growth), 50.0)
        rd_ratio = np.clip(rd_base * (rev / 5000) ** -0.2 + rng.normal(0, 0.3, n), 0.02, 20) / 100
        staff = np.maximum(np.round(rev / productivity * rng.lognormal(0, 0.05, n)), 8)
        rds = np.minimum(np.round(staff * np.clip(rd_staff + rng.normal(0, 0.01, n), 0.002, 0.7)), staff)
        ter = np.minimum(np.round(staff * np.clip(tertiary + rng.normal(0, 0.015, n), 0.01, 0.98)), staff)
        patents = patents + rng.poisson(0.15 + 2.5 * q ** 3, n) - (rng.random(n) < 0.05)
        patents = np.maximum(patents, 0)
        frames.append(pd.DataFrame({
            "ent": ent["ent"].to_numpy(), "unit": ent["unit"].to_numpy(), "年度": y,
            "营业收入(万元)": np.round(rev, 2),
            "主营业务收入(万元)": np.round(rev * np.clip(main_share + rng.normal(0, 0.02, n), 0.3, 1.0), 2),
            "研发费用(万元)": np.round(rev * rd_ratio, 2),
            "职工人数": staff.astype(np.int64), "研发人员数": rds.astype(np.int64),
            "大专以上学历人数": ter.astype(np.int64), "有效发明专利数": patents.astype(np.int64),
        }))
    return pd.concat(frames, ignore_index=True).sort_values(["ent", "年度"], kind="stable").reset_index(drop=True)


SEASON = np.array([0.060, 0.055, 0.085, 0.083, 0.085, 0.088, 0.080, 0.082, 0.088, 0.086, 0.090, 0.118])
# Xinle's 2023 cluster growth: its 12% (确保) / 14% (力争) target straddled across clusters
XINLE_2023_GROWTH = {"新乐市装备制造产业集群": 0.148, "新乐市食品加工产业集群": 0.082, "新乐市生物医药产业集群": 0.121}


def _cluster_months(seed, clusters: pd.DataFrame, ent: pd.DataFrame, fin: pd.DataFrame, units: list[Unit],
                    horizon: int) -> pd.DataFrame:
    strength = {u.name: u.strength for u in units}
    rev2021 = fin[fin["年度"] == 2021].set_index("ent")["营业收入(万元)"]
    ent_rev = ent.assign(rev=ent["ent"].map(rev2021)).groupby("所属集群")["rev"].sum()
    rows = []
    for i, c in enumerate(clusters.itertuples(index=False)):
        rng = _rng(seed, "cluster", c.集群名称)
        base = float(ent_rev.get(c.集群名称, 20000.0)) * rng.uniform(1.8, 3.0)
        s = strength.get(c.unit, 1.0)
        annual = base
        for y in range(2021, horizon + 1):
            if y > 2021:
                g = XINLE_2023_GROWTH.get(c.集群名称) if y == 2023 else None
                if g is None:
                    g = rng.normal(0.105 + 0.02 * (min(s, 2.0) - 1), 0.035)
                annual *= 1 + g
            slope = rng.normal(0, 0.02)
            inc = annual * SEASON / SEASON.sum() * (1 + rng.normal(0, 0.025, 12)) \
                * (1 + slope * (np.arange(12) - 5.5) / 5.5)
            cum = np.round(np.cumsum(inc), 1)
            for m in range(12):
                rows.append((c.集群名称, c.unit, _mi(y, m + 1), cum[m]))
    out = pd.DataFrame(rows, columns=["集群名称", "unit", "mi", "本年累计营业收入(万元)"])
    return out


# --- reported indicators -----------------------------------------------------------------------

# rate indicators of the Shijiazhuang plan (and Hebei's): (name, start mean, start sd, yearly rise, cap)
RATES = [
    ("数字化研发设计工具普及率", 71.0, 3.5, 2.2, 92.0),
    ("经营管理数字化普及率", 74.0, 3.5, 2.0, 93.0),
    ("工业云平台普及率", 44.0, 5.0, 4.0, 85.0),
    ("工业电子商务应用率", 63.0, 4.5, 3.4, 90.0),
    ("工业诊断服务覆盖率", 58.0, 12.0, 24.0, 100.0),
]
# flows: (name, yearly group total, months in which they happen (None: any))
SJZ_FLOWS = [
    ("新增发明专利", 100, None), ("对接活动场次", 10, None), ("开展节能诊断企业", 20, None),
    ("工业设计赋能新产品", 10, None), ("开展品牌提升企业", 10, None), ("新增主导或参与制修订标准", 6, None),
    ("申报首台(套)重大技术装备评定企业", 5, (4, 5, 9, 10)), ("选派科技特派服务团", 2, (3,)),
    ("选派科技特派员", 100, (3, 4)),
]
XINLE_FLOWS = [  # yearly totals; 2023 pinned to straddle the plan
    ("中小企业服务活动场次", 6, 6), ("中小企业服务企业家次", 110, 92), ("建立和完善质量管理体系企业", 1, 1),
    ("加强全面质量管理企业", 2, 1), ("省级以上科技创新平台", 1, 1), ("产业技术创新战略联盟", 1, 0),
]


_IND_UNITS: dict[str, str] | None = None


def indicator_unit(name: str) -> str:
    global _IND_UNITS
    if _IND_UNITS is None:
        _IND_UNITS = {n["name"]: str(n.get("unit") or "") for n in load_yaml(paths.INDICATORS_FILE)["indicators"]}
    return _IND_UNITS.get(name, "")


def _indicators(seed: int, units: list[Unit], horizon: int, awards: pd.DataFrame) -> pd.DataFrame:
    months = np.arange(_mi(*FIRST_MONTH), _mi(horizon, 12) + 1)
    t = (months - months[0]) / 12.0
    rows = []

    def add(reporter, region, mi, name, value, note=""):
        rows.append((reporter, int(mi), region, name, value, indicator_unit(name), note))

    sjz = [u for u in units if u.group == "sjz"]
    sjz_total = sum(u.strength for u in sjz)
    for u in units:
        rng = _rng(seed, "ind", u.index)
        rel = u.strength / (sjz_total / len(sjz)) if sjz else 1.0
        if u.group in ("sjz", "other"):
            for name, mean, sd, rise, cap in RATES:
                r0 = rng.normal(mean + 1.2 * (min(rel, 2) - 1), sd)
                slope = max(0.2, rng.normal(rise, rise * 0.3))
                vals = np.minimum(cap, r0 + slope * t + rng.normal(0, 0.25, len(t)))
                vals = np.round(np.maximum.accumulate(vals) if name == "工业诊断服务覆盖率" else vals, 1)
                for mi, v in zip(months, vals):
                    add(u.name, u.name, mi, name, f"{v:.1f}%" if u.name in PERCENT_TEXT_UNITS else float(v))
            share = u.strength / sjz_total if u.group == "sjz" else 1 / 22
            for name, total, when in SJZ_FLOWS:
                for mi in months:
                    y, m = _ym(mi)
                    if when is not None and m not in when:
                        continue
                    lam = total * share * max(0.2, 1 + u.trend * (y - 2022)) / (12 if when is None else len(when))
                    add(u.name, u.name, mi, name, int(rng.poisson(lam)), "当月数")
            pool = max(1, int(round(50 * share * rng.uniform(0.7, 1.3))))
            for mi in months:
                y, m = _ym(mi)
                pool_now = pool + int((mi - months[0]) // 6 * rng.uniform(0, 0.6))
                if m in (3, 6, 9, 12):
                    add(u.name, u.name, mi, "上市培育库入库企业", pool_now, "库内企业数")
        if u.name == "新乐市":
            for name, yearly, pinned in XINLE_FLOWS:
                for y in range(2022, horizon + 1):
                    n = pinned if y == 2023 else int(rng.poisson(yearly))
                    per = rng.multinomial(n, SEASON / SEASON.sum()) if n else np.zeros(12, int)
                    for m in range(12):
                        add(u.name, u.name, _mi(y, m + 1), name, int(per[m]), "当月数")
        if u.group == "lutai":
            r0, slope = 36.5, 3.3
            vals = np.round(np.minimum(70, r0 + slope * t + rng.normal(0, 0.4, len(t))), 1)
            for mi, v in zip(months, vals):
                add(u.name, u.name, mi, "高新技术产业增加值占规上工业增加值比重", float(v), "1—本月累计")
            for mi in months:
                add(u.name, u.name, mi, "新增发明专利", int(rng.poisson(1.6)), "当月数")
        if u.group == "xining":
            recognised = {"城北区": _mi(2024, 12), "城东区": _mi(2025, 11)}.get(u.name)
            for mi in months:
                if mi % 3 == 2:
                    add(u.name, u.name, mi, "中小企业特色产业集群", int(recognised is not None and mi >= recognised),
                        "累计认定数")
                add(u.name, u.name, mi, "新增发明专利", int(rng.poisson(2.0 * u.strength)), "当月数")

    # province reporters
    rng = _rng(seed, "province")
    step = lambda points: np.interp(months, [_mi(y, m) for y, m, _ in points], [v for _, _, v in points])  # noqa: E731
    hb_srdi = step([(2022, 1, 2650), (2022, 12, 3150), (2023, 12, 3620), (2024, 12, 4300), (2025, 12, 4870),
                    (2027, 12, 5800)])
    hb_lg = np.array([175 + sum(inc for (yy, inc) in ((2022, 68), (2023, 47), (2024, 95), (2025, 125), (2026, 80),
                                                       (2027, 70)) if mi >= _mi(yy, 7)) for mi in months])
    hb_rates = {"数字化研发设计工具普及率": (72.5, 1.9), "经营管理数字化普及率": (75.8, 1.6), "工业诊断服务覆盖率": (70, 18)}
    for k, mi in enumerate(months):
        y, m = _ym(mi)
        srdi = int(round(hb_srdi[k] / 10) * 10 + (rng.integers(-3, 4) if m in (3, 7, 11) else 0))
        add("河北省", "河北省", mi, "专精特新中小企业", srdi, "全省有效期内企业数")
        add("河北省", "河北省", mi, "专精特新“小巨人”企业", int(hb_lg[k]), "全省有效期内企业数")
        add("河北省", "河北省", mi, "新增发明专利", int(rng.normal(88, 12)), "当月数")
        add("河北省", "河北省", mi, "对接活动场次", int(rng.poisson(8.5)), "当月数")
        add("河北省", "河北省", mi, "认定首台(套)重大技术装备和核心零部件", int(rng.poisson(2.5)), "当月数")
        for name, (r0, rise) in hb_rates.items():
            add("河北省", "河北省", mi, name, float(round(min(100.0, r0 + rise * t[k]), 1)))
    # Qinghai: totals that put Xining near its 65% / 50% shares
    xn_units = [u.name for u in units if u.group == "xining"]
    a = awards[awards["unit"].isin(xn_units)]
    for k, mi in enumerate(months):
        d = _day(_month_end(mi))
        share_srdi = 0.58 + 0.09 * min(1.0, t[k] / 4)
        share_lg = 0.44 + 0.08 * min(1.0, t[k] / 4)
        for name, atype, share in (("专精特新中小企业", "专精特新中小企业", share_srdi),
                                   ("专精特新“小巨人”企业", "专精特新小巨人", share_lg)):
            m_ = (a["资质类型"] == atype) & (a["grant_day"] <= d) & (a["expiry_day"] >= d) & ~(a["revoke_day"] <= d)
            xn = a.loc[m_, "ent"].nunique()
            add("青海省", "青海省", mi, name, int(max(xn + 1, round(xn / share))), "全省有效期内企业数")
    return pd.DataFrame(rows, columns=["unit", "mi", "地区", "指标", "数值", "单位", "备注"])


# --- 情况说明 -----------------------------------------------------------------------------------

PROBLEMS = {
    "award": ["后备企业储备不足，部分企业研发投入、知识产权等指标达不到认定条件",
              "企业对梯度培育政策了解不够，申报积极性不高",
              "受市场需求偏弱影响，部分企业营业收入下滑，不再符合申报条件",
              "部分企业财务核算不规范，研发费用归集不完整，影响申报",
              "本年度批次认定结果尚未公布，部分已申报企业未计入"],
    "rate": ["中小企业数字化改造投入大、见效慢，改造意愿不强",
             "部分企业缺乏专业技术人员，数字化工具应用不充分",
             "服务商资源不足，诊断和改造服务覆盖面有限"],
    "cluster": ["受原材料价格上涨和订单减少影响，部分骨干企业产值下降",
                "新建项目尚未达产，对集群营业收入的拉动作用尚未显现",
                "食品加工企业受季节性因素影响，上半年产销偏弱"],
}
MEASURES = {
    "award": ["建立后备企业培育库，实行一企一策精准辅导",
              "组织专题政策宣讲和申报培训，逐企业开展申报辅导",
              "加强与省、市主管部门沟通，争取更多企业纳入推荐名单",
              "联合第三方服务机构帮助企业规范研发费用归集和知识产权管理"],
    "rate": ["组织数字化转型诊断服务进企业，推广可复制的改造方案",
             "用好技改资金，支持企业上云用云和数字化工具应用",
             "开展数字化转型典型案例观摩交流活动"],
    "cluster": ["落实领导包联帮扶机制，逐户解决骨干企业生产经营困难",
                "加快在建项目建设进度，推动早投产、早达效",
                "组织企业参加产需对接活动，帮助企业开拓市场"],
}
# annual quotas the units were given (任务分解): group totals spread by planned share
QUOTAS = {"专精特新中小企业": ("专精特新中小企业", {"sjz": 80, "lutai": 5, "xining": 12}),
          "专精特新“小巨人”企业": ("专精特新小巨人", {"sjz": 12, "lutai": 1.5, "xining": 2}),
          "高新技术企业": ("高新技术企业", {"sjz": 20, "lutai": 5, "xining": 35}),
          "创新型中小企业": ("创新型中小企业", {"sjz": 500})}
RATE_TARGETS = {"数字化研发设计工具普及率": (76, 78), "经营管理数字化普及率": (78, 80), "工业云平台普及率": (50, 60),
                "工业电子商务应用率": (70, 80), "工业诊断服务覆盖率": (100, 100)}


def _notes(seed: int, units: list[Unit], horizon: int, awards: pd.DataFrame, ind: pd.DataFrame,
           cm: pd.DataFrame, ent: pd.DataFrame) -> pd.DataFrame:
    rows = []
    first_note = _mi(2022, 9)
    by_group: dict[str, list[Unit]] = {}
    for u in units:
        by_group.setdefault(u.group, []).append(u)
    first = awards.groupby(["unit", "资质类型", "ent"])["grant_day"].min().reset_index()
    gd = pd.to_datetime(first["grant_day"], unit="D")
    first["mi"] = gd.dt.year * 12 + gd.dt.month - 1
    first_by = dict(tuple(first.groupby(["unit", "资质类型"], sort=False)))
    ind_by = dict(tuple(ind.groupby(["unit", "指标"], sort=False)))
    for u in units:
        rng = _rng(seed, "notes", u.index)
        members = by_group.get(u.group, [u])
        share = u.strength / sum(x.strength for x in members) if u.group != "other" else 1 / 22
        checks = []  # (indicator, kind, fn(mi) -> (progress text, lagging))
        for label, (atype, quotas) in QUOTAS.items():
            if u.group not in quotas:
                continue
            quota = max(1.0, quotas[u.group] * share) if u.group != "lutai" else quotas[u.group]
            f = first_by.get((u.name, atype))
            f_mi = np.sort(f["mi"].to_numpy()) if f is not None else np.array([], dtype=np.int64)

            def fn(mi, f_mi=f_mi, quota=quota, label=label):
                y, m = _ym(mi)
                got = int(np.searchsorted(f_mi, mi, side="right") - np.searchsorted(f_mi, _mi(y, 1)))
                expected = quota * m / 12
                pct = got / max(1, round(quota)) * 100
                lag = got < expected * 0.75 and m >= 3
                gap = m / 12 * 100 - pct
                text = (f"截至{m}月底，本年新认定{label}{got}家，完成年度任务{max(1, round(quota))}家的{pct:.0f}%，"
                        f"低于序时进度{gap:.0f}个百分点。")
                return text, lag
            checks.append((label, "award", fn))
        if u.group == "sjz":
            for name, (t23, t25) in RATE_TARGETS.items():
                frame = ind_by.get((u.name, name))
                s = dict(zip(frame["mi"], frame["数值"])) if frame is not None else {}

                def fn(mi, s=s, name=name, t23=t23, t25=t25):
                    if mi not in s:
                        return "", False
                    v = float(str(s[mi]).rstrip("%"))
                    target = t23 if mi <= _mi(2023, 12) else t25
                    base_mi, end_mi = (_mi(2022, 1), _mi(2023, 12)) if mi <= _mi(2023, 12) else (_mi(2023, 12), _mi(2025, 12))
                    expect = 70 + (target - 70) * min(1, (mi - base_mi) / (end_mi - base_mi)) if name != "工业云平台普及率" \
                        else target - 8 * (1 - min(1, (mi - base_mi) / (end_mi - base_mi)))
                    lag = v < min(target, expect) - 1.0 and mi <= _mi(2025, 12)
                    text = f"截至{_ym(mi)[1]}月底，全{u.name[-1]}{name}为{v:.1f}%，距{_ym(end_mi)[0]}年目标{target}%还差{target - v:.1f}个百分点。"
                    return text, lag
                checks.append((name, "rate", fn))
        if u.name == "新乐市":
            c = cm[cm["unit"] == u.name].groupby("mi")["本年累计营业收入(万元)"].sum().to_dict()

            def fn(mi, c=c):
                y, m = _ym(mi)
                if mi - 12 not in c or y != 2023:
                    return "", False
                g = (c[mi] / c[mi - 12] - 1) * 100
                text = f"1—{m}月，全市县域特色产业集群累计实现营业收入{c[mi] / 10000:.2f}亿元，同比增长{g:.1f}%，低于全年12%的目标。"
                return text, g < 12
            checks.append(("县域特色产业集群营业收入增速", "cluster", fn))
        for label, kind, fn in checks:
            explains = rng.random() < 0.75       # some lagging indicators are deliberately left unexplained
            p_i, m_i = int(rng.integers(0, 99)), int(rng.integers(0, 99))
            if not explains:
                continue
            for mi in range(first_note, _mi(horizon, 12) + 1):
                text, lag = fn(mi)
                if not lag:
                    continue
                probs, meas = PROBLEMS[kind], MEASURES[kind]
                k = (mi // 3) % 2  # wording changes every quarter
                rows.append((u.name, mi, u.name, label, text, probs[(p_i + k) % len(probs)],
                             meas[(m_i + k) % len(meas)] + "；" + meas[(m_i + k + 1) % len(meas)] + "。"))
    return pd.DataFrame(rows, columns=["unit", "mi", "地区", "指标", "进展情况", "存在问题", "下步措施"])


# --- writing -----------------------------------------------------------------------------------

@dataclass
class DemoSummary:
    out_dir: Path
    seed: int
    size: str
    first_period: str
    last_period: str
    files: list[Path] = field(default_factory=list)
    units: int = 0
    enterprises: int = 0          # distinct enterprises in the written registers
    awards: int = 0               # distinct award rows in the written files
    csv_files: int = 0
    gbk_files: list[Path] = field(default_factory=list)
    late: list[Path] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)   # (unit, period) with no file
    corrections: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    world: DemoWorld | None = None

    def text(self) -> str:
        return (f"已生成演示报送数据：{len(self.files)} 个文件（其中 CSV {self.csv_files} 个，GBK 编码 {len(self.gbk_files)} 个），"
                f"{self.units} 个县级单位及 2 个省级报送单位，填报期 {self.first_period} 至 {self.last_period}；"
                f"企业 {self.enterprises:,} 家，资质认定 {self.awards:,} 条；逾期报送 {len(self.late)} 份，"
                f"缺报 {len(self.missing)} 个单位月份，更正 {len(self.corrections)} 份；用时 {self.seconds:.1f} 秒。\n"
                f"输出目录：{self.out_dir}")


def _schedule_files(seed: int, units: list[Unit], all_months: list[int]):
    """Per (unit, mi): submission datetime and 报送类型; and the (unit, mi) that are never sent.

    Drawn over the whole horizon so that a shorter run gives the same calendar for its months.
    """
    rng = _rng(seed, "calendar")
    missing: set[tuple[str, int]] = set()
    candidates = [u for u in units if u.name not in ("新乐市",) and u.name not in CSV_UNITS]
    order = rng.permutation(len(candidates))
    for j in order[:4]:
        u = candidates[j]
        k = int(rng.integers(1, 4))
        inner = [mi for mi in all_months[1:-1]]
        for mi in rng.choice(inner, k, replace=False) if len(inner) >= k else []:
            missing.add((u.name, int(mi)))
    info = {}
    for u in [*units, *[Unit(-1 - i, p, None, "", "province", p, 1.0, 0.0) for i, p in enumerate(PROVINCE_REPORTERS)]]:
        r = _rng(seed, "when", u.name)
        days = r.integers(3, 10, len(all_months))
        hours = r.integers(9, 18, len(all_months))
        mins = r.integers(0, 60, len(all_months))
        late = r.random(len(all_months)) < (0.03 if u.group != "province" else 0.0)
        late_days = r.integers(12, 40, len(all_months))
        for k, mi in enumerate(all_months):
            y, m = _ym(mi + 1)
            day = int(late_days[k]) if late[k] else int(days[k])
            when = datetime(y, m, 1, int(hours[k]), int(mins[k]), tzinfo=BEIJING) + timedelta(days=day - 1)
            info[(u.name, mi)] = (when, "逾期报送" if late[k] else "正常报送")
    return info, missing


def generate_demo(out_dir: str | os.PathLike, seed: int = 0, size: str = "small", until: str | None = None,
                  months: int | None = None, progress: bool = False) -> DemoSummary:
    """Write the demo submissions into `out_dir`; see the module docstring."""
    t0 = time.perf_counter()
    today = date.today()
    last = parse_month(until) if until else _mi(today.year, today.month)
    first_all = _mi(*FIRST_MONTH)
    if last < first_all:
        raise UserError(f"截止年月不能早于 {_period(first_all)}")
    if months is None:
        months = 1 if size == "province" else None
    first = first_all if months is None else max(first_all, last - months + 1)
    world = build_world(seed, size, last)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written_months = list(range(first, last + 1))
    horizon = max(HORIZON_YEAR, _ym(last)[0])
    info, missing = _schedule_files(seed, world.units, list(range(first_all, _mi(horizon, 12) + 1)))
    corr_unit, corr_period = CORRECTION
    corr_mi = parse_month(corr_period)
    if corr_mi not in written_months:
        corr_mi = written_months[0]
    jobs = []
    for u in world.units:
        first_written = None
        for mi in written_months:
            if (u.name, mi) in missing:
                continue
            first_written = mi if first_written is None else first_written
            jobs.append((u.name, mi, first_written == mi, False))
            if u.name == corr_unit and mi == corr_mi:
                jobs.append((u.name, mi, first_written == mi, True))
    for p in PROVINCE_REPORTERS:
        jobs += [(p, mi, False, False) for mi in written_months]

    writer = _Writer(world, out, info, (corr_unit, corr_mi))
    summary = DemoSummary(out, seed, size, _period(first), _period(last), units=len(world.units), world=world)
    ents, award_ids = set(), set()
    iterator = jobs
    if progress:
        try:
            from tqdm import tqdm
            iterator = tqdm(jobs, desc="写入", unit="份", leave=False)
        except ImportError:  # pragma: no cover
            pass
    for unit, mi, backfill, correction in iterator:
        paths_, e_ids, a_ids = writer.write(unit, mi, backfill, correction)
        summary.files += paths_
        ents.update(e_ids)
        award_ids.update(a_ids)
        kind = info[(unit, mi)][1]
        if correction:
            summary.corrections += paths_
        elif kind == "逾期报送":
            summary.late += paths_
    summary.missing = sorted((u, _period(mi)) for u, mi in missing if mi in written_months)
    summary.enterprises = len(ents)
    summary.awards = len(award_ids)
    summary.csv_files = sum(p.suffix == ".csv" for p in summary.files)
    summary.gbk_files = [p for p in summary.files if p.suffix == ".csv" and CSV_UNITS.get(p.name.split("-")[0]) == "gbk"]
    summary.seconds = time.perf_counter() - t0
    return summary


class _Writer:
    """Monthly cuts of the world, written as xlsx (a small SpreadsheetML writer, _Xlsx) or CSV."""

    def __init__(self, world: DemoWorld, out: Path, info: dict, correction: tuple[str, int]):
        self.w = world
        self.correction = correction
        self.out = out
        self.info = info
        self.units = {u.name: u for u in world.units}
        self.by_unit = {
            "ent": dict(tuple(world.enterprises.groupby("unit", sort=False))),
            "awards": dict(tuple(world.awards.groupby("unit", sort=False))),
            "fin": dict(tuple(world.finance.groupby("unit", sort=False))),
            "clusters": dict(tuple(world.clusters.groupby("所属地区", sort=False))),
            "cm": dict(tuple(world.cluster_months.groupby("unit", sort=False))),
            "ind": dict(tuple(world.indicators.groupby("unit", sort=False))),
            "notes": dict(tuple(world.notes.groupby("unit", sort=False))),
        }
        sources = {"ent": world.enterprises, "awards": world.awards, "fin": world.finance, "clusters": world.clusters,
                   "cm": world.cluster_months, "ind": world.indicators, "notes": world.notes}
        self.empty = {k: v.iloc[0:0] for k, v in sources.items()}
        self.ent_code = world.enterprises["统一社会信用代码"].to_numpy()
        # 规上 status per enterprise over time
        a = world.awards[world.awards["资质类型"] == "规上工业企业"]
        self.above = a[["ent", "grant_day", "revoke_day"]]

    def _get(self, key: str, unit: str) -> pd.DataFrame:
        return self.by_unit[key].get(unit, self.empty[key])

    # -- sheets of one unit and month

    def sheets(self, unit: str, mi: int, backfill: bool, correction: bool) -> tuple[list, set, set]:
        """The sheets of one file. The file a correction replaces carries two slips (a cluster's
        revenue keyed 3% short, a rate 1.4 points low); the correction has the true values."""
        erroneous = (unit, mi) == self.correction and not correction
        end = _day(_month_end(mi))
        period = _period(mi)
        u = self.units.get(unit)
        out = []
        ent_ids, award_ids = set(), set()
        if u is not None:
            ent = self._get("ent", unit)
            ent = ent[ent["entry_day"] <= end]
            ent_ids = set(ent["ent"].tolist())
            ab = self.above[(self.above["grant_day"] <= end) & (self.above["revoke_day"] > end)]
            above = set(ab["ent"].tolist())
            region = u.code if (unit in CODE_REGION_UNITS and u.code) else unit
            out.append(("企业名录", [
                ent["统一社会信用代码"].tolist(), ent["企业名称"].tolist(), [region] * len(ent),
                ent["所属集群"].tolist(), ent["行业代码"].tolist(),
                ["是" if e in above else "否" for e in ent["ent"].tolist()]], ["s", "s", "s", "s", "s", "s"]))
            aw = self._get("awards", unit)
            aw = aw[aw["grant_day"] <= end]
            award_ids = set(aw.index.tolist())
            grant = aw["grant_day"].to_numpy().astype(np.int64)
            expiry = np.where(aw["written_expiry"].to_numpy(), aw["expiry_day"].to_numpy(), -1)
            revoke = aw["revoke_day"].to_numpy()
            revoke = np.where(revoke <= end, revoke, -1)
            out.append(("资质认定", [
                self.ent_code[aw["ent"].to_numpy()].tolist(), aw["资质类型"].tolist(), aw["级别"].tolist(),
                grant.tolist(), expiry.tolist(), revoke.tolist(), aw["批次文号"].tolist()],
                ["s", "s", "s", "d", "d", "d", "s"]))
            y, m = _ym(mi)
            latest = y - 1 if m >= 4 else y - 2
            fin = self._get("fin", unit)
            fin = fin[fin["年度"].isin((latest - 1, latest)) & fin["ent"].isin(ent_ids)]
            cols = SHEET_COLUMNS["企业年度财务"]
            out.append(("企业年度财务", [self.ent_code[fin["ent"].to_numpy()].tolist()]
                        + [fin[c].tolist() for c in cols[1:]], ["s"] + ["n"] * 8))
            cl = self._get("clusters", unit)
            out.append(("集群名录", [cl["集群名称"].tolist(), [region] * len(cl), cl["主导产业"].tolist(),
                                 cl["集群级别"].tolist()], ["s"] * 4))
            cm = self._get("cm", unit)
            lo = _mi(y - 1, 1) if backfill else mi
            cm = cm[(cm["mi"] >= lo) & (cm["mi"] <= mi)].sort_values(["集群名称", "mi"], kind="stable")
            counts = ent.groupby("所属集群").size()
            above_counts = ent[ent["ent"].isin(above)].groupby("所属集群").size()
            vals = cm["本年累计营业收入(万元)"].to_numpy().copy()
            if erroneous and len(cm):
                first_cluster = cm["集群名称"].iloc[0]
                slip = (cm["mi"].to_numpy() == mi) & (cm["集群名称"].to_numpy() == first_cluster)
                vals = np.where(slip, np.round(vals / 1.031, 1), vals)
            out.append(("集群月度", [cm["集群名称"].tolist(), [_period(x) for x in cm["mi"]], vals.tolist(),
                                 [int(counts.get(c, 0)) for c in cm["集群名称"]],
                                 [int(above_counts.get(c, 0)) for c in cm["集群名称"]]], ["s", "s", "n", "n", "n"]))
        ind = self._get("ind", unit)
        ind = ind[ind["mi"] == mi]
        vals = ind["数值"].tolist()
        if erroneous:
            names = ind["指标"].tolist()
            if "数字化研发设计工具普及率" in names:
                k = names.index("数字化研发设计工具普及率")
                if isinstance(vals[k], float):
                    vals[k] = round(vals[k] - 1.4, 1)
        out.append(("指标填报", [ind["地区"].tolist(), [period] * len(ind), ind["指标"].tolist(), vals,
                             ind["单位"].tolist(), ind["备注"].tolist()], ["s", "s", "s", "v", "s", "s"]))
        notes = self._get("notes", unit)
        notes = notes[notes["mi"] == mi]
        if len(notes):
            out.append(("情况说明", [notes["地区"].tolist(), [period] * len(notes), notes["指标"].tolist(),
                                 notes["进展情况"].tolist(), notes["存在问题"].tolist(), notes["下步措施"].tolist()],
                        ["s"] * 6))
        return out, ent_ids, award_ids

    def write(self, unit: str, mi: int, backfill: bool, correction: bool) -> tuple[list[Path], set, set]:
        sheets, ent_ids, award_ids = self.sheets(unit, mi, backfill, correction)
        period = _period(mi)
        when, kind = self.info[(unit, mi)]
        if correction:
            when, kind = when + timedelta(days=13, hours=2), "更正"
        encoding = CSV_UNITS.get(unit)
        if encoding:
            paths_ = []
            for name, cols, types in sheets:
                path = self.out / f"{unit}-{period}-{name}.csv"
                _write_csv(path, self._headers(unit, name), cols, types, encoding)
                paths_.append(path)
        else:
            stem = f"{unit}-{period}（更正）" if correction else f"{unit}-{period}"
            path = self.out / f"{stem}.xlsx"
            _write_xlsx(path, unit, period, when, kind, [(n, self._headers(unit, n), c, t) for n, c, t in sheets],
                        serial=unit in SERIAL_UNITS, correction=correction)
            paths_ = [path]
        ts = when.timestamp()
        for p in paths_:
            os.utime(p, (ts, ts))
        return paths_, ent_ids, award_ids

    @staticmethod
    def _headers(unit: str, sheet: str) -> list[str]:
        out = []
        for h in SHEET_COLUMNS[sheet]:
            if unit in ALIAS_UNITS and h == "统一社会信用代码":
                h = "社会信用代码"
            if unit in FULLWIDTH_UNITS:
                h = h.replace("(", "（").replace(")", "）")
            if unit in STAR_UNITS and h in REQUIRED:
                h = "*" + h
            out.append(h)
        return out


def _cell_text(v, t) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if t == "d":
        return "" if v < 0 else (date(1970, 1, 1) + timedelta(days=int(v))).isoformat()
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".") if not v.is_integer() else str(int(v))
    return str(v)


def _write_csv(path: Path, headers: list[str], cols: list[list], types: list[str], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    n = len(cols[0]) if cols else 0
    for i in range(n):
        w.writerow([_cell_text(c[i], t) for c, t in zip(cols, types)])
    path.write_bytes(buf.getvalue().encode(encoding))


INSTRUCTIONS = [
    "1. 企业名录为本地区在库企业全量名单，每月报送全量。",
    "2. 资质认定表填写企业持有或曾持有的各类资质；有效期至为空的，按资质类型的默认有效期计算。",
    "3. 金额单位为万元；百分比直接填写数值（如76表示76%），不要填0.76。",
    "4. 集群月度填写1月至本月累计数；指标填报中流量指标填当月数。",
    "5. 请于每月10日前报送上月数据，逾期报送的请在报送类型中注明。",
]


_COLS = [chr(65 + i) for i in range(26)] + [f"A{chr(65 + i)}" for i in range(26)]
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right>'
    '<top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _esc(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _num(v) -> str:
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


class _Xlsx:
    """A small, fast SpreadsheetML writer: shared strings, a date style, frozen header rows.

    Written by hand (not openpyxl/xlsxwriter) because the demo writes thousands of files and
    cell-by-cell writers spend ~45 ms on a 5,000-cell file; this spends a few.
    """

    def __init__(self):
        self.strings: dict[str, int] = {}
        self.sheets: list[tuple[str, str]] = []

    def sid(self, text: str) -> int:
        i = self.strings.get(text)
        if i is None:
            i = self.strings[text] = len(self.strings)
        return i

    def add_sheet(self, name: str, rows_xml: list[str], widths: list[int], frozen: bool, last_col: int,
                  n_rows: int, validation: str = "") -> None:
        view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                'state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>') if frozen else \
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        cols = "".join(f'<col min="{j + 1}" max="{j + 1}" width="{w}" customWidth="1"/>' for j, w in enumerate(widths))
        dim = f"A1:{_COLS[max(last_col, 0)]}{max(n_rows, 1)}"
        xml = (f'{_HEAD}<worksheet {_NS}><dimension ref="{dim}"/>{view}'
               f'<sheetFormatPr defaultRowHeight="14.25"/>' + (f"<cols>{cols}</cols>" if cols else "")
               + "<sheetData>" + "".join(rows_xml) + "</sheetData>" + validation
               + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
        self.sheets.append((name, xml))

    def table(self, name: str, headers: list[str], cols: list[list], types: list[str], serial: bool,
              yesno_col: int | None = None) -> None:
        sid = self.sid
        n = len(cols[0]) if cols else 0
        width = len(headers)
        letters = _COLS[:width]
        head = "".join(f'<c r="{letters[j]}1" s="2" t="s"><v>{sid(h)}</v></c>' for j, h in enumerate(headers))
        rows = [f'<row r="1">{head}</row>']
        off = 1 if serial else 0
        cells: list[list[str]] = [[] for _ in range(n)]
        if serial:
            for i in range(n):
                cells[i].append(f'<c r="A{i + 2}"><v>{i + 1}</v></c>')
        for j, (col, t) in enumerate(zip(cols, types)):
            L = letters[j + off]
            if t == "s":
                for i, v in enumerate(col):
                    if v is not None and v == v:
                        cells[i].append(f'<c r="{L}{i + 2}" t="s"><v>{sid(v)}</v></c>')
            elif t == "n":
                for i, v in enumerate(col):
                    if v is not None and v == v:
                        cells[i].append(f'<c r="{L}{i + 2}"><v>{_num(v)}</v></c>')
            elif t == "d":
                for i, v in enumerate(col):
                    if v >= 0:
                        cells[i].append(f'<c r="{L}{i + 2}" s="3"><v>{v + 25569}</v></c>')
            else:
                for i, v in enumerate(col):
                    if isinstance(v, str):
                        cells[i].append(f'<c r="{L}{i + 2}" t="s"><v>{sid(v)}</v></c>')
                    elif v is not None and v == v:
                        cells[i].append(f'<c r="{L}{i + 2}"><v>{_num(v)}</v></c>')
        rows += [f'<row r="{i + 2}">{"".join(c)}</row>' for i, c in enumerate(cells)]
        validation = ""
        if yesno_col is not None:
            L = _COLS[yesno_col]
            validation = (f'<dataValidations count="1"><dataValidation type="list" allowBlank="1" showInputMessage="1" '
                          f'showErrorMessage="1" sqref="{L}2:{L}{max(n + 1, 1000)}"><formula1>"是,否"</formula1>'
                          f'</dataValidation></dataValidations>')
        widths = [max(10, min(40, 2 * len(h) + 4)) for h in headers]
        self.add_sheet(name, rows, widths, True, width - 1, n + 1, validation)

    def text_sheet(self, name: str, rows_cells: list[tuple[int, int, str, int]], widths: list[int]) -> None:
        """(row, col, text, style) cells, 0-based."""
        by_row: dict[int, list[str]] = {}
        for r, c, text, style in rows_cells:
            st = f' s="{style}"' if style else ""
            by_row.setdefault(r, []).append(f'<c r="{_COLS[c]}{r + 1}"{st} t="s"><v>{self.sid(text)}</v></c>')
        rows = [f'<row r="{r + 1}">{"".join(v)}</row>' for r, v in sorted(by_row.items())]
        self.add_sheet(name, rows, widths, False, 1, max(by_row) + 1 if by_row else 1)

    def save(self, path: Path, title: str, author: str, created: datetime) -> None:
        import zipfile

        stamp = created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        n = len(self.sheets)
        parts = {
            "[Content_Types].xml": (
                f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                          for i in range(n))
                + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
                '</Types>'),
            "_rels/.rels": (
                f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                '</Relationships>'),
            "docProps/app.xml": (
                f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
                f'<Company>{_esc(author)}</Company><AppVersion>16.0300</AppVersion></Properties>'),
            "docProps/core.xml": (
                f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'<dc:title>{_esc(title)}</dc:title><dc:creator>{_esc(author)}</dc:creator>'
                f'<cp:lastModifiedBy>{_esc(author)}</cp:lastModifiedBy>'
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'),
            "xl/workbook.xml": (
                f'{_HEAD}<workbook {_NS}><workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
                + "".join(f'<sheet name="{_esc(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i, (name, _) in enumerate(self.sheets))
                + '</sheets></workbook>'),
            "xl/_rels/workbook.xml.rels": (
                f'{_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                          for i in range(n))
                + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                f'<Relationship Id="rId{n + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                '</Relationships>'),
            "xl/styles.xml": _STYLES,
        }
        for i, (_, xml) in enumerate(self.sheets):
            parts[f"xl/worksheets/sheet{i + 1}.xml"] = xml
        sst = "".join(f"<si><t>{_esc(t)}</t></si>" for t in self.strings)
        parts["xl/sharedStrings.xml"] = (f'{_HEAD}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                         f'count="{len(self.strings)}" uniqueCount="{len(self.strings)}">{sst}</sst>')
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in parts.items():
                info = zipfile.ZipInfo(name, _FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                zf.writestr(info, text.encode("utf-8"), compresslevel=6)
        path.write_bytes(buf.getvalue())


def _write_xlsx(path: Path, unit: str, period: str, when: datetime, kind: str, sheets: list, serial: bool,
                correction: bool) -> None:
    y, m = (int(x) for x in period.split("-"))
    book = _Xlsx()
    pairs = [("填报单位", unit), ("填报期（年月）", period), ("报送类型", kind),
             ("填报日期", f"{when.year}年{when.month}月{when.day}日")]
    if correction:
        pairs.append(("更正说明", "更正本期报表中集群月度营业收入和数字化研发设计工具普及率数据，以本次报送为准。"))
    cells = [(0, 0, "产业集群目标月调度填报表", 1)]
    for i, (k, v) in enumerate(pairs):
        cells += [(2 + i, 0, k, 1), (2 + i, 1, v, 0)]
    cells += [(3 + len(pairs) + i, 0, line, 0) for i, line in enumerate(INSTRUCTIONS)]
    book.text_sheet("填报说明", cells, [16, 60])
    for name, headers, cols, types in sheets:
        all_headers = (["序号"] if serial else []) + headers
        if serial and "备注" not in headers:
            all_headers.append("备注")
        yesno = (5 + (1 if serial else 0)) if name == "企业名录" else None
        book.table(name, all_headers, cols, types, serial, yesno)
    book.save(path, f"{unit}{y}年{m}月产业集群目标月调度表", f"{unit}工业和信息化主管部门", when)
