"""Region names in submissions: unknown names get suggestions, former names and retired codes are
taken as the current unit with a note, and a name several units bear (桥西区) is placed by the rest
of the file or refused naming every candidate."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from analysis.submissions import creditcode
from analysis.submissions.validate import SubmissionRejected, read_submission

PERIOD = "2023-06"


def indicator_csv(folder: Path, name: str, regions: list[str]) -> Path:
    """A 指标填报 CSV with one row per region (地区 may be any region of the registry)."""
    path = folder / name
    rows = [f"{region},{PERIOD},工业云平台普及率,50" for region in regions]
    path.write_text("地区,年月,指标,数值\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def register_csv(folder: Path, name: str, units: list[str]) -> Path:
    """A 企业名录 CSV with one enterprise per unit (所属地区 must be a county-level unit)."""
    rng = random.Random(7)
    path = folder / name
    rows = [f"{creditcode.generate(rng)},测试企业{i}有限公司,{unit}" for i, unit in enumerate(units)]
    path.write_text("统一社会信用代码,企业名称,所属地区\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def refusal(path: Path) -> list[str]:
    with pytest.raises(SubmissionRejected) as info:
        read_submission(path, PERIOD)
    return [p.reason for p in info.value.problems]


# --- unknown names: refused with the nearest registry names ----------------------------------------


def test_an_unknown_unit_is_refused_with_the_nearest_names(tmp_path):
    reasons = refusal(register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", ["鹿泉"]))
    assert len(reasons) == 1
    assert reasons[0].startswith("不是地区注册表中的地区")
    assert "是否为：鹿泉区" in reasons[0]


def test_a_typo_in_a_bare_shared_name_suggests_both_full_names(tmp_path):
    reasons = refusal(indicator_csv(tmp_path, f"报送-{PERIOD}-指标填报.csv", ["新华"]))
    assert "石家庄市新华区" in reasons[0] and "沧州市新华区" in reasons[0]


def test_a_name_far_from_every_region_gets_no_guess(tmp_path):
    reasons = refusal(indicator_csv(tmp_path, f"报送-{PERIOD}-指标填报.csv", ["火星市"]))
    assert reasons == ["不是地区注册表中的地区（应填地区名称或6位行政区划代码）"]


def test_a_city_where_a_unit_is_required_is_refused(tmp_path):
    reasons = refusal(register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", ["石家庄"]))
    assert reasons == ["“石家庄市”不是县级填报单位，应填所辖县（市、区）或开发区"]


# --- former names and retired codes: the current unit, with a note ---------------------------------


@pytest.mark.parametrize(
    "written, current, code",
    [
        ("鹿泉市", "鹿泉区", "130110"),
        ("藁城市", "藁城区", "130109"),
        ("栾城县", "栾城区", "130111"),
        ("邢台市桥西区", "信都区", "130503"),
        ("130185", "鹿泉区", "130110"),  # 鹿泉市's code
        ("130182", "藁城区", "130109"),  # 藁城市's code
        ("130124", "栾城区", "130111"),  # 栾城县's code
    ],
)
def test_a_former_name_or_retired_code_is_stored_as_the_current_unit_with_a_note(tmp_path, written, current, code):
    sub = read_submission(register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", [written]), PERIOD)
    assert sub.tables["企业名录"]["所属地区"].tolist() == [current]
    assert sub.units == {current}
    assert len(sub.notes) == 1
    note = sub.notes[0]
    assert note.startswith("工作表“企业名录”｜列“所属地区”：")
    assert f"“{written}”" in note and f"“{current}”（{code}）" in note
    assert ("已停用的行政区划代码" if written.isdigit() else "旧称") in note


def test_a_note_is_given_once_per_name_however_many_rows_use_it(tmp_path):
    sub = read_submission(indicator_csv(tmp_path, f"报送-{PERIOD}-指标填报.csv", ["湟中县"] * 1), PERIOD)
    assert sub.tables["指标填报"]["地区"].tolist() == ["湟中区"]
    # two counties in one file: the city forwards them (its name leads the file name)
    path = register_csv(tmp_path, f"石家庄市-{PERIOD}-企业名录.csv", ["鹿泉市", "鹿泉市", "鹿泉区", "藁城市"])
    sub = read_submission(path, PERIOD)
    assert sub.tables["企业名录"]["所属地区"].tolist() == ["鹿泉区", "鹿泉区", "鹿泉区", "藁城区"]
    assert [n.split("：", 1)[1].split("”")[0] for n in sub.notes] == ["“鹿泉市", "“藁城市"]


def test_current_names_give_no_note(tmp_path):
    sub = read_submission(
        register_csv(tmp_path, f"石家庄市-{PERIOD}-企业名录.csv", ["鹿泉区", "130110", "新乐", "石家庄市桥西区"]),
        PERIOD,
    )
    assert sub.tables["企业名录"]["所属地区"].tolist() == ["鹿泉区", "鹿泉区", "新乐市", "石家庄市桥西区"]
    assert sub.notes == []
    sub = read_submission(register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", ["大通县"]), PERIOD)
    assert sub.tables["企业名录"]["所属地区"].tolist() == ["大通回族土族自治县"] and sub.notes == []


# --- names several units bear ----------------------------------------------------------------------


def test_a_shared_name_is_accepted_as_full_name_city_and_name_or_code(tmp_path):
    # units of three cities in one file: the province forwards them (its name leads the file name)
    sub = read_submission(
        indicator_csv(
            tmp_path, f"河北省-{PERIOD}-指标填报.csv", ["石家庄市桥西区", "张家口桥西区", "河北省沧州市新华区"]
        ),
        PERIOD,
    )
    assert sub.tables["指标填报"]["地区"].tolist() == ["石家庄市桥西区", "张家口市桥西区", "沧州市新华区"]
    assert sub.notes == []
    sub = read_submission(register_csv(tmp_path, f"河北省-{PERIOD}-企业名录.csv", ["130703", "130104"]), PERIOD)
    assert sub.tables["企业名录"]["所属地区"].tolist() == ["张家口市桥西区", "石家庄市桥西区"]


def test_a_bare_shared_name_alone_is_refused_naming_every_candidate(tmp_path):
    reasons = refusal(indicator_csv(tmp_path, f"桥西区-{PERIOD}-指标填报.csv", ["桥西区"]))
    assert reasons == [
        "“桥西区”有多个同名地区：石家庄市桥西区（130104）、张家口市桥西区（130703）；"
        "请填写带市名的全称或6位行政区划代码"
    ]


def test_a_bare_shared_name_is_placed_by_the_files_other_rows(tmp_path):
    sub = read_submission(
        indicator_csv(tmp_path, f"石家庄市-{PERIOD}-指标填报.csv", ["长安区", "桥西区", "新华区", "正定县"]), PERIOD
    )
    assert sub.tables["指标填报"]["地区"].tolist() == ["长安区", "石家庄市桥西区", "石家庄市新华区", "正定县"]
    assert sub.notes == [
        "工作表“指标填报”｜列“地区”：“桥西区”有同名地区，按本文件所在的石家庄市认定为“石家庄市桥西区”（130104）",
        "工作表“指标填报”｜列“地区”：“新华区”有同名地区，按本文件所在的石家庄市认定为“石家庄市新华区”（130105）",
    ]
    sub = read_submission(indicator_csv(tmp_path, f"沧州-{PERIOD}-指标填报.csv", ["运河区", "新华区"]), PERIOD)
    assert sub.tables["指标填报"]["地区"].tolist() == ["运河区", "沧州市新华区"]


def test_a_bare_shared_name_is_placed_by_the_file_name(tmp_path):
    sub = read_submission(register_csv(tmp_path, f"张家口市-{PERIOD}-企业名录.csv", ["桥西区"]), PERIOD)
    assert sub.tables["企业名录"]["所属地区"].tolist() == ["张家口市桥西区"]
    assert len(sub.notes) == 1 and "张家口市" in sub.notes[0]


def test_a_bare_shared_name_in_a_file_naming_two_cities_is_refused(tmp_path):
    path = indicator_csv(tmp_path, f"报送-{PERIOD}-指标填报.csv", ["长安区", "宣化区", "桥西区"])  # 石家庄, 张家口
    reasons = refusal(path)
    assert len(reasons) == 1 and "石家庄市桥西区（130104）、张家口市桥西区（130703）" in reasons[0]
    # the file name naming one city does not outweigh rows naming two
    reasons = refusal(indicator_csv(tmp_path, f"石家庄市-{PERIOD}-指标填报.csv", ["宣化区", "桥西区"]))
    assert "有多个同名地区" in reasons[0]


def test_a_former_name_shared_with_a_current_unit_follows_the_files_city(tmp_path):
    # 桥东区 is a unit of 张家口市 and the former name of 邢台市's 襄都区
    sub = read_submission(indicator_csv(tmp_path, f"报送-{PERIOD}-指标填报.csv", ["桥东区"]), PERIOD)
    assert sub.tables["指标填报"]["地区"].tolist() == ["桥东区"] and sub.notes == []
    sub = read_submission(indicator_csv(tmp_path, f"邢台市-{PERIOD}-指标填报.csv", ["桥东区", "桥西区"]), PERIOD)
    assert sub.tables["指标填报"]["地区"].tolist() == ["襄都区", "信都区"]
    assert len(sub.notes) == 2 and all("旧称（2020年更名）" in n for n in sub.notes)
    sub = read_submission(indicator_csv(tmp_path, f"邢台市-{PERIOD}-指标填报.csv", ["任泽区", "邢台市桥东区"]), PERIOD)
    assert sub.tables["指标填报"]["地区"].tolist() == ["任泽区", "襄都区"]


def test_the_store_knows_enterprises_by_their_canonical_unit(tmp_path):
    """Sheets that take the region from the enterprise see the resolved name, not what was written."""
    path = register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", ["鹿泉市"])
    sub = read_submission(path, PERIOD)
    assert sub.tables["企业名录"]["地区"].tolist() == ["鹿泉区"]


def test_the_ingest_summary_prints_the_note_even_when_quiet(tmp_path):
    import subprocess
    import sys

    from analysis import paths

    path = register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", ["鹿泉市"])
    for quiet in ([], ["--quiet"]):
        store = tmp_path / f"store{len(quiet)}"
        result = subprocess.run(
            [sys.executable, "-m", "analysis", "ingest", str(path), "--store", str(store), *quiet],
            capture_output=True,
            text=True,
            cwd=paths.PROJECT_ROOT,
        )
        assert result.returncode == 0, result.stderr
        notes = [line for line in result.stdout.splitlines() if line.strip().startswith("注：")]
        assert len(notes) == 1 and "“鹿泉市”" in notes[0] and "鹿泉区" in notes[0]


# --- who may submit for whom ------------------------------------------------------------------------


def test_a_countys_file_with_another_countys_rows_is_refused_naming_them(tmp_path):
    reasons = refusal(register_csv(tmp_path, f"新乐市-{PERIOD}-企业名录.csv", ["新乐市", "鹿泉区"]))
    assert reasons == [
        "按文件名，填报单位为“新乐市”（CSV 文件没有“填报说明”表，以文件名开头的单位为填报单位），"
        "文件中却有其他单位的数据（鹿泉区）；一个单位的文件只能报送本单位及所辖单位的数据，请删去这些行或由相应单位报送"
    ]


def test_an_undeclared_file_naming_two_counties_is_refused(tmp_path):
    reasons = refusal(register_csv(tmp_path, f"报送-{PERIOD}-企业名录.csv", ["新乐市", "鹿泉区"]))
    assert len(reasons) == 1 and "多个县级单位的数据（新乐市、鹿泉区）" in reasons[0] and "填报单位" in reasons[0]


def test_a_city_may_forward_its_counties_rows_but_not_another_citys(tmp_path):
    sub = read_submission(register_csv(tmp_path, f"石家庄市-{PERIOD}-企业名录.csv", ["新乐市", "鹿泉区"]), PERIOD)
    assert sub.units == {"新乐市", "鹿泉区"}
    reasons = refusal(register_csv(tmp_path, f"石家庄市-{PERIOD}-企业名录.csv", ["新乐市", "迁安市"]))
    assert "迁安市" in reasons[0] and "填报单位为“石家庄市”" in reasons[0]
