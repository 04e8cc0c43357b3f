from analysis.catalog.regions import load_regions


def test_hierarchy_codes_and_aliases():
    regions = load_regions()
    sjz_units = [u.name for u in regions.units_under("石家庄市")]
    assert len(sjz_units) == 22
    assert {"新乐市", "鹿泉区", "藁城区", "栾城区", "正定县", "元氏县", "赞皇县", "无极县", "行唐县"} <= set(sjz_units)
    assert regions.get("大通县").name == "大通回族土族自治县"
    assert regions.get("630121").name == "大通回族土族自治县"
    assert regions.get("130184").name == "新乐市"
    assert [a.name for a in regions.ancestors("芦台经济开发区")] == ["唐山市", "河北省"]
    assert regions.get("芦台经济开发区").code is None
    assert [u.name for u in regions.units_under("西宁市")] == ["城东区", "城中区", "城西区", "城北区", "湟中区", "大通回族土族自治县", "湟源县"]
    codes = [r.code for r in regions if r.code]
    assert len(codes) == len(set(codes))
    assert all(c[:2] == regions.ancestors(r.name)[-1].code[:2] for r in regions if r.code and r.parent for c in [r.code])


def test_unknown_region_is_none_or_a_chinese_error():
    import pytest
    from analysis.errors import UserError

    regions = load_regions()
    assert regions.resolve("火星市") is None
    with pytest.raises(UserError, match="未知地区“火星市”"):
        regions.get("火星市")
