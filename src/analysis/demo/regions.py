"""The county-level units of the demo and their profiles: strength, industries, clusters, name words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.catalog.regions import Region, load_regions
from analysis.demo.base import _rng

# The demo simulates the units of the plans' places, grouped by the place they lie in (by GB
# parent: 辛集市 is a 石家庄 unit here, though it reports to the province). --size province adds
# every other county-level unit of the registry, grouped by province; such a unit's awards follow
# its base group's plans (awards.py), scaled by its strength.
DEMO_PLACES = {"石家庄市": "sjz", "芦台经济开发区": "lutai", "西宁市": "xining"}
PROVINCE_GROUPS = {"河北省": "hebei", "青海省": "qinghai"}
BASE_GROUP = {"hebei": "sjz", "qinghai": "xining"}  # the plans' group a province group follows

# Strength multipliers (1 = average); the rest is drawn from the seed.
STRENGTH = {
    "鹿泉区": 2.2,
    "藁城区": 1.8,
    "正定县": 1.7,
    "栾城区": 1.5,
    "辛集市": 1.6,
    "裕华区": 1.4,
    "长安区": 1.3,
    "新乐市": 1.2,
    "晋州市": 1.1,
    "无极县": 1.0,
    "元氏县": 1.0,
    "赵县": 0.9,
    "平山县": 0.8,
    "石家庄市桥西区": 1.0,
    "石家庄市新华区": 0.9,
    "井陉县": 0.6,
    "高邑县": 0.6,
    "深泽县": 0.5,
    "行唐县": 0.5,
    "灵寿县": 0.45,
    "赞皇县": 0.45,
    "井陉矿区": 0.3,
    "城东区": 1.4,
    "城中区": 1.0,
    "城西区": 1.1,
    "城北区": 1.3,
    "湟中区": 1.2,
    "大通回族土族自治县": 0.9,
    "湟源县": 0.5,
}

# The other units' strength: city (per unit, against an average unit of the base city: 石家庄市 for
# 河北省, 西宁市 for 青海省; roughly the cities' output per county-level unit) × kind × a seeded
# lognormal factor. 定州市 (省直管, GB parent 保定市) stands on its own.
CITY_WEIGHT = {
    "唐山市": 1.2,
    "廊坊市": 1.0,
    "沧州市": 0.85,
    "秦皇岛市": 0.75,
    "邯郸市": 0.75,
    "保定市": 0.65,
    "衡水市": 0.6,
    "邢台市": 0.55,
    "承德市": 0.4,
    "张家口市": 0.35,
    "定州市": 0.9,
    "海西蒙古族藏族自治州": 0.5,
    "海东市": 0.45,
    "海北藏族自治州": 0.15,
    "海南藏族自治州": 0.15,
    "黄南藏族自治州": 0.12,
    "玉树藏族自治州": 0.06,
    "果洛藏族自治州": 0.05,
}
KIND_WEIGHT = {"市辖区": 1.25, "县级市": 1.1, "县": 0.8, "自治县": 0.6, "开发区": 1.0}
STRENGTH_SPREAD = 0.35  # sd of the log of the other units' random factor

# industry key -> (主导产业 label, GB/T 4754-2017 codes, name words)
INDUSTRIES = {
    "equip": (
        "装备制造",
        ["3411", "3441", "3444", "3451", "3484", "3511", "3572"],
        ["机械制造", "精密机械", "智能装备", "机电设备", "重工机械", "农业机械", "阀门", "轴承", "泵业"],
    ),
    "food": (
        "食品加工",
        ["1312", "1391", "1411", "1431", "1469", "1441"],
        ["食品", "粮油", "食品科技", "调味品", "乳业", "面业"],
    ),
    "pharma": (
        "生物医药",
        ["2710", "2720", "2730", "2740", "2761", "2770"],
        ["药业", "生物制药", "医药科技", "生物科技", "制药"],
    ),
    "electronics": (
        "电子信息",
        ["3971", "3972", "3976", "3981", "3982", "3983", "3985"],
        ["电子科技", "信息技术", "光电科技", "通信设备", "微电子"],
    ),
    "chem": (
        "医药化工",
        ["2614", "2619", "2641", "2662", "2669", "2710"],
        ["化工", "精细化工", "化学科技", "新材料科技"],
    ),
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
    "石家庄市桥西区": [("电子信息", "electronics", "市级")],
    "石家庄市新华区": [("装备制造", "equip", "市级"), ("生物医药", "pharma", "其他")],
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
# the industries the other units' clusters are drawn from, by city (the first is the most likely)
CITY_INDUSTRIES = {
    "唐山市": ["equip", "building", "auto", "chem", "food"],
    "秦皇岛市": ["equip", "food", "auto", "newmat"],
    "邯郸市": ["equip", "building", "textile", "food"],
    "邢台市": ["equip", "textile", "building", "food", "leather"],
    "保定市": ["leather", "textile", "auto", "food", "newmat", "pv"],
    "张家口市": ["food", "equip", "pv", "newmat"],
    "承德市": ["food", "building", "pharma", "newmat"],
    "沧州市": ["equip", "chem", "pharma", "leather", "textile"],
    "廊坊市": ["board", "electronics", "equip", "digital", "food"],
    "衡水市": ["equip", "textile", "chem", "leather"],
    "定州市": ["auto", "food", "building"],
    "海东市": ["agri", "food", "building", "tibetan"],
    "海西蒙古族藏族自治州": ["lithium", "chem", "alloy", "newmat"],
    "海北藏族自治州": ["agri", "tibetan"],
    "海南藏族自治州": ["agri", "pv", "tibetan"],
    "黄南藏族自治州": ["agri", "tibetan", "craft"],
    "玉树藏族自治州": ["agri", "tibetan"],
    "果洛藏族自治州": ["agri", "tibetan"],
}

TRADE_CHARS = list(
    "华龙恒信金泰鑫源宏达博远瑞丰康中诚德润正天海佳新明盛通安利永兴昌隆峰祥和嘉宇晟晨凯旭辉创"
    "弘鼎立航腾跃钧铭卓越强益顺汇聚禾泓浩升誉冀燕泽晶睿"
)


@dataclass
class Unit:
    """A county-level unit (or a province reporter) as the simulation sees it."""

    index: int
    name: str
    code: str | None  # registry code (None for zones)
    division: str  # the code credit codes carry
    group: str
    province: str
    strength: float
    trend: float
    short_name: str = ""  # the GB name (桥西区 for 石家庄市桥西区), for enterprise names
    city: str = ""  # the city it lies in by GB (辛集市: 石家庄市), or itself for 定州市
    kind: str = ""  # 市辖区, 县级市, 县, 自治县, 开发区


def demo_units(size: str = "small") -> list[Region]:
    """The registry's units the demo simulates: those of DEMO_PLACES in GB code order within each
    place; for --size province then every other county-level unit, in registry order."""
    reg = load_regions()
    chosen = []
    for r in reg.units():
        place = next((p for p in DEMO_PLACES if reg.is_within(r.name, p)), None)
        if place is not None:
            chosen.append((list(DEMO_PLACES).index(place), r.code is None, r.code or "", r))
    places = [r for *_, r in sorted(chosen, key=lambda c: c[:3])]
    if size != "province":
        return places
    taken = {r.name for r in places}
    return places + [r for r in reg.units() if r.name not in taken]


def _units(seed: int, size: str = "small") -> list[Unit]:
    """The demo's county-level units with their group, strength and trend: the plans' units first
    (strength from STRENGTH), then, for --size province, the others (strength from city and kind)."""
    reg = load_regions()
    rng = _rng(seed, "units")
    out = []
    for i, r in enumerate(demo_units(size)):
        anc = reg.gb_ancestors(r.name)
        province = next((a.name for a in anc if a.level == "province"), "")
        division = r.code or next((a.code for a in anc if a.code), "110000")
        city = r.name if r.name in CITY_WEIGHT else (reg.city_of(r.name) or "")
        place = next((p for p in DEMO_PLACES if reg.is_within(r.name, p)), None)
        if place is not None:
            group = DEMO_PLACES[place]
            strength = STRENGTH.get(r.name, 1.0) * float(rng.lognormal(0, 0.3))
            trend = float(rng.normal(0, 0.07))
        else:  # its own generator: the plans' units draw the same with or without the others
            group = PROVINCE_GROUPS[province]
            own = _rng(seed, "profile", r.name)
            kind_weight = KIND_WEIGHT.get(r.kind or "", 1.0)  # every unit of the registry has a kind
            strength = CITY_WEIGHT[city] * kind_weight * float(own.lognormal(0, STRENGTH_SPREAD))
            trend = float(own.normal(0, 0.07))
        out.append(
            Unit(i, r.name, r.code, division, group, province, strength, trend, r.short_name, city, r.kind or "")
        )
    return out


def other_clusters(seed: int, u: Unit) -> list[tuple[str, str, str]]:
    """1–3 clusters of a unit outside the plans' places: (name part, industry key, 集群级别), drawn
    from its city's industries; the strongest units more often have a 省级重点 cluster."""
    rng = _rng(seed, "clusters", u.name)
    keys = CITY_INDUSTRIES.get(u.city) or ["equip", "food"]
    n = int(min(len(keys), 1 + rng.binomial(2, min(0.9, 0.25 + 0.3 * u.strength))))
    w = np.array([2.0] + [1.0] * (len(keys) - 1))
    picks = rng.choice(len(keys), n, replace=False, p=w / w.sum())
    top = "省级重点" if rng.random() < min(0.6, 0.2 * u.strength) else "市级"
    return [
        (INDUSTRIES[keys[k]][0], keys[k], top if j == 0 else ("市级" if rng.random() < 0.4 else "其他"))
        for j, k in enumerate(picks)
    ]
