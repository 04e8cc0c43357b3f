"""Who may write what (issue 23): issued targets only from the level above, one submitter per file, and
refusals that name the rule (for a CSV, the file name rule). The probes of the issue run against a store
built by ingesting the demo files, and must leave it -- and what `progress` prints -- as it was."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from analysis.cli.main import main
from analysis.errors import UserError
from analysis.store.history import Store
from analysis.submissions import creditcode
from analysis.submissions.submitter import ACCOUNT, DECLARED, FILE_NAME, ROWS, Decision, decide, unit_named_by_file
from analysis.submissions.validate import SubmissionRejected, read_submission

TARGETS_HEADER = "地区,指标,期限,目标值,下达文号,下达日期,责任单位"
# The rows of the issue's probe: 新乐市 "issuing" its own 2025 targets (the city issued 2 and 21).
PROBE_ROWS = [
    "新乐市,高新技术企业,2025,0,新工信〔2026〕1号,2026-09-10,新乐市工信局",
    "新乐市,创新型中小企业,2025,1,新工信〔2026〕1号,2026-09-10,新乐市工信局",
]


def code(division: str) -> str:
    """A valid credit code registered in `division`."""
    import random

    return creditcode.generate(random.Random(division), division)


def targets_csv(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([TARGETS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def db_digest(store_dir: Path) -> str:
    """Every table and row of the store."""
    conn = sqlite3.connect(store_dir / "workbook.sqlite")
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def run(capsysbinary, *argv: str) -> tuple[int, bytes]:
    code = main(list(argv))
    return code, capsysbinary.readouterr().out


def progress_csv(capsysbinary, store_dir: Path, region: str = "新乐市") -> bytes:
    code, out = run(
        capsysbinary,
        "progress",
        "--as-of",
        "2026-09-30",
        "--region",
        region,
        "--format",
        "csv",
        "--store",
        str(store_dir),
    )
    assert code == 0
    return out


def issued_2025(csv_bytes: bytes, indicator: str) -> tuple[float, str]:
    """新乐市's 2025 target of the city plan's yearly `indicator`, and the document it was issued by."""
    frame = pd.read_csv(io.BytesIO(csv_bytes), encoding="utf-8-sig", dtype={"term": str})
    [row] = frame[
        (frame["jurisdiction"] == "新乐市")
        & (frame["target_id"] == f"sjz.{indicator}.annual")
        & (frame["term"] == "2025")
    ].to_dict("records")
    return row["target_value"], row["basis_source"]


@pytest.fixture(scope="module")
def store_copy(demo_store, tmp_path_factory):
    """A fresh copy of the module's demo store, for a probe that is stored."""

    def copy() -> Path:
        target = tmp_path_factory.mktemp("copy") / "store"
        shutil.copytree(demo_store, target)
        return target

    return copy


# --- item 1: issued targets come from above -------------------------------------------------------------------


def test_a_county_cannot_issue_or_change_its_own_targets(tmp_path, demo_store, store_copy, capsysbinary):
    before_db, before_progress = db_digest(demo_store), progress_csv(capsysbinary, demo_store)
    probe = targets_csv(tmp_path, "新乐市-2026-09-目标分解.csv", PROBE_ROWS)
    code, out = run(capsysbinary, "ingest", str(probe), "--store", str(demo_store))
    text = out.decode()
    assert code == 1 and "拒收" in text and "（2 个问题）" in text
    assert "不能下达或修改本单位自己的目标" in text and "目标分解只能由上级单位下达" in text
    assert db_digest(demo_store) == before_db
    assert progress_csv(capsysbinary, demo_store) == before_progress
    # what the city issued still counts: 新乐市's 2025 创新型中小企业 target is the city's 21, 高新技术企业 2
    assert issued_2025(before_progress, "innovative_sme") == (21.0, "石工信〔2025〕4号")
    assert issued_2025(before_progress, "high_tech") == (2.0, "石工信〔2025〕4号")

    # the same rows from the city that issues them are stored and change what progress says: the
    # comparison above can fail
    # (issued within the term: a 2025 target is judged with what was issued by the end of 2025)
    reissued = [row.replace("新工信〔2026〕1号,2026-09-10", "石工信〔2025〕9号,2025-11-10") for row in PROBE_ROWS]
    city = targets_csv(tmp_path, "石家庄市-2025-11-目标分解.csv", reissued)
    copy = store_copy()
    code, out = run(capsysbinary, "ingest", str(city), "--store", str(copy))
    assert code == 0 and "已入库" in out.decode()
    after = progress_csv(capsysbinary, copy)
    assert issued_2025(after, "innovative_sme") == (1.0, "石工信〔2025〕9号")
    assert issued_2025(after, "high_tech") == (0.0, "石工信〔2025〕9号")
    # the city's rows issued after 2025 ended are stored but do not rewrite a term already judged
    late = store_copy()
    code, out = run(capsysbinary, "ingest", str(targets_csv(tmp_path, "石家庄市-2026-09-目标分解.csv", PROBE_ROWS)),
                    "--store", str(late))  # fmt: skip
    assert code == 0 and "已入库" in out.decode()
    assert issued_2025(progress_csv(capsysbinary, late), "innovative_sme") == (21.0, "石工信〔2025〕4号")


def _issued_by(tmp_path: Path, issuer_file: str, rows: list[str]) -> list[str]:
    with pytest.raises(SubmissionRejected) as info:
        read_submission(targets_csv(tmp_path, issuer_file, rows))
    return [f"{p.sheet}|{p.row}|{p.column}|{p.value}|{p.reason}" for p in info.value.problems]


def test_targets_only_from_a_level_above_the_region(tmp_path):
    row = "{},高新技术企业,2026,3,石工信〔2026〕2号,2026-02-20,"
    # the city for its counties, the province for its cities and for 辛集市, 定州市 (reporting to it directly)
    assert read_submission(targets_csv(tmp_path, "石家庄市-2026-02-目标分解.csv", [row.format("新乐市")])).units == {
        "新乐市"
    }
    province = [row.format(u) for u in ("石家庄市", "辛集市", "定州市")]
    assert read_submission(targets_csv(tmp_path, "河北省-2026-02-目标分解.csv", province)).units == {
        "石家庄市",
        "辛集市",
        "定州市",
    }
    # a county for another county, a city for a unit reporting to the province, a city for itself
    [luquan] = _issued_by(tmp_path, "鹿泉区-2026-02-目标分解.csv", [row.format("新乐市")])
    assert luquan.startswith("目标分解|2|地区|新乐市|") and "鹿泉区" in luquan and "不是“新乐市”的上级单位" in luquan
    [xinji] = _issued_by(tmp_path, "石家庄市-2026-02-目标分解.csv", [row.format("辛集市")])
    assert "不是“辛集市”的上级单位" in xinji
    [own] = _issued_by(tmp_path, "石家庄市-2026-02-目标分解.csv", [row.format("石家庄市")])
    assert "不能下达或修改本单位自己的目标" in own
    # nobody named: the issuer is unknown
    [anonymous] = _issued_by(tmp_path, "目标分解-2026-02.csv", [row.format("新乐市")])
    assert "文件未写明填报单位，无法确定目标由谁下达" in anonymous


# --- item 2: one submitter per file ------------------------------------------------------------------------


def luquan_enterprise(store_dir: Path) -> tuple[str, str, list]:
    """A 鹿泉区 enterprise of the store (credit code, name) and one of its awards as a 资质认定 row."""
    store = Store(store_dir)
    register = store.snapshot("企业名录", units=["鹿泉区"])
    code, name = register.iloc[0][["统一社会信用代码", "企业名称"]]
    awards = store.snapshot("资质认定", units=["鹿泉区"])
    award = awards[awards["统一社会信用代码"] == code].iloc[0] if (awards["统一社会信用代码"] == code).any() else None
    row = [code, "高新技术企业", None, "2024-05-01", None, None, None]
    if award is not None:
        row = [code, award["资质类型"], award["级别"], award["认定日期"].strftime("%Y-%m-%d"), None, None, None]
    return code, name, row


def declaring_file(path: Path, declared: str, store_dir: Path) -> Path:
    """The issue's probe: a workbook whose 填报说明 declares `declared`, carrying one enterprise of 鹿泉区."""
    code, name, award = luquan_enterprise(store_dir)
    book = Workbook()
    book.remove(book.active)
    instructions = book.create_sheet("填报说明")
    instructions.append(["填报单位", declared])
    instructions.append(["填报期(年月)", "2026-10"])
    book.create_sheet("企业名录").append(["统一社会信用代码", "企业名称", "所属地区"])
    book["企业名录"].append([code, name, "鹿泉区"])
    book.create_sheet("资质认定").append(
        ["统一社会信用代码", "资质类型", "级别", "认定日期", "有效期至", "撤销日期", "批次文号"]
    )
    book["资质认定"].append(award)
    book.save(path)
    return path


def luquan_counts(store_dir: Path) -> tuple[int, int]:
    store = Store(store_dir)
    return len(store.snapshot("企业名录", units=["鹿泉区"])), len(store.snapshot("资质认定", units=["鹿泉区"]))


@pytest.mark.parametrize(
    "declared, words",
    [
        ("石家庄市", "新乐市的文件不能以上级单位石家庄市的名义报送"),  # a county's file declaring its city
        ("鹿泉区", "一个文件只能有一个填报单位，二者必须一致"),  # a county's file declaring another county
    ],
)
def test_a_files_name_and_its_declaration_must_name_the_same_unit(tmp_path, demo_store, capsysbinary, declared, words):
    before_db, before_counts = db_digest(demo_store), luquan_counts(demo_store)
    assert before_counts[0] > 1 and before_counts[1] > 1
    probe = declaring_file(tmp_path / "新乐市-2026-10.xlsx", declared, demo_store)
    code, out = run(capsysbinary, "ingest", str(probe), "--store", str(demo_store))
    text = out.decode()
    assert code == 1 and "拒收" in text and words in text
    assert f"工作表“填报说明”｜第1行｜列“填报单位”｜值“{declared}”" in text
    assert db_digest(demo_store) == before_db and luquan_counts(demo_store) == before_counts


def test_a_city_may_still_forward_its_countys_rows(tmp_path, demo_store):
    """The probe's content under the city's own name is a city forwarding 鹿泉区's data: accepted."""
    forwarded = read_submission(declaring_file(tmp_path / "石家庄市-2026-10.xlsx", "石家庄市", demo_store))
    assert forwarded.units == {"鹿泉区"} and len(forwarded.tables["企业名录"]) == 1


def test_one_function_decides_for_the_command_line_and_the_platform():
    units = {"企业名录": {"新乐市"}}
    assert decide("新乐市-2026-10.xlsx", None, units) == Decision("新乐市", FILE_NAME)
    assert decide("新乐市-2026-10.xlsx", "新乐市", units) == Decision("新乐市", DECLARED)
    assert decide("报送.xlsx", None, units) == Decision("新乐市", ROWS)
    # with an account (报送平台): the account is the submitter when the file names none ...
    upload = decide("upload.xlsx", None, units, account="新乐市")
    assert (upload.submitter, upload.source, upload.accepted) == ("新乐市", ACCOUNT, True)
    foreign = decide("upload.xlsx", None, {"企业名录": {"鹿泉区"}}, account="新乐市")
    assert not foreign.accepted and "报送账号属于“新乐市”" in foreign.refusals[0].reason
    # ... a file may name the account's unit or one under it, never another unit or a higher level
    assert decide("新乐市-2026-10.xlsx", None, units, account="石家庄市").submitter == "新乐市"
    for name, declared in (("鹿泉区-2026-10.xlsx", None), ("报送.xlsx", "石家庄市")):
        refused = decide(name, declared, units, account="新乐市")
        assert not refused.accepted and "账号只能报送本单位及所辖单位的文件" in refused.refusals[0].reason
    # targets through the platform: the city's account issues to its counties, a county's never to itself
    assert decide("upload.csv", None, {"目标分解": {"新乐市"}}, account="石家庄市").accepted
    own = decide("upload.csv", None, {"目标分解": {"新乐市"}}, account="新乐市")
    assert own.refusals[0].sheet == "目标分解" and own.refusals[0].units == ("新乐市",)
    with pytest.raises(UserError, match="不在地区名录中"):
        decide("upload.csv", None, units, account="不存在县")


def test_read_submission_takes_the_account(tmp_path):
    path = targets_csv(tmp_path, "目标分解-2026-02.csv", ["新乐市,高新技术企业,2026,3,石工信〔2026〕2号,2026-02-20,"])
    assert read_submission(path, account="石家庄市").units == {"新乐市"}
    with pytest.raises(SubmissionRejected, match="不能下达或修改本单位自己的目标"):
        read_submission(path, account="新乐市")


@pytest.mark.parametrize(
    "file_name, unit",
    [
        ("新乐市-2026-10.xlsx", "新乐市"),
        ("新乐市2026年10月.xlsx", "新乐市"),
        ("新乐市工信局-2026-10-企业名录.csv", "新乐市"),
        ("石家庄市-2023-02-目标分解.csv", "石家庄市"),
        ("鹿泉市-2026-10.xlsx", "鹿泉区"),  # a former name is its current unit
        ("报送-2026-10-企业名录.csv", None),
        ("xinle_202306.xlsx", None),
        ("桥西区-2026-10.xlsx", None),  # two units bear the name: it names none
    ],
)
def test_the_unit_a_file_name_begins_with(file_name, unit):
    assert unit_named_by_file(file_name) == unit


# --- item 5: a CSV's refusal names the file name rule ----------------------------------------------------


def test_a_csv_refusal_names_the_file_name_rule_not_a_sheet_it_lacks(tmp_path):
    path = tmp_path / "新乐市-2026-10-企业名录.csv"
    xinle, luquan = code("130184"), code("130110")
    path.write_text(f"统一社会信用代码,企业名称,所属地区\n{xinle},甲,新乐市\n{luquan},乙,鹿泉区\n", encoding="utf-8")
    with pytest.raises(SubmissionRejected) as info:
        read_submission(path)
    [problem] = info.value.problems
    assert problem.sheet is None and "填报说明”｜" not in str(problem)
    assert "按文件名，填报单位为“新乐市”（CSV 文件没有“填报说明”表，以文件名开头的单位为填报单位）" in problem.reason


def test_an_undeclared_workbook_refusal_says_the_file_name_stood_for_the_declaration(tmp_path):
    book = Workbook()
    book.active.title = "企业名录"
    for row in (["统一社会信用代码", "企业名称", "所属地区"], [code("130110"), "乙", "鹿泉区"]):
        book.active.append(row)
    book.save(tmp_path / "新乐市-2026-10.xlsx")
    with pytest.raises(SubmissionRejected) as info:
        read_submission(tmp_path / "新乐市-2026-10.xlsx")
    assert "“填报说明”未填写填报单位时，以文件名开头的单位为填报单位" in info.value.problems[0].reason
