"""Who issues which document, and 发文字号 numbered per 代字 and year, kept across renders."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import pytest

from analysis import paths
from analysis.errors import UserError
from analysis.reports.issuance import (
    KINDS,
    NUMBER_REGISTRY,
    document_number,
    issuance,
    register,
)
from analysis.yamlio import load_yaml

DAY = dt.date(2025, 10, 12)


def test_city_documents_follow_the_data():
    doc = issuance("quarterly", "石家庄市")
    assert doc.issuer == "石家庄市工业和信息化局" and doc.code == "石工信通"
    assert doc.recipients == "各县（市、区）工业和信息化局"
    assert doc.copies == ("石家庄市人民政府办公室", "河北省工业和信息化厅")
    assert doc.printer == "石家庄市工业和信息化局办公室"
    assert not doc.about_lower_unit
    assert issuance("monthly", "石家庄市").code == "石工信调"
    assert issuance("final", "石家庄市", plan_jurisdiction="石家庄市").code == "石工信评"


def test_a_county_document_rendered_by_the_city_is_the_citys_sent_to_the_county():
    doc = issuance("final", "井陉矿区", plan_jurisdiction="石家庄市")
    assert doc.issuer == "石家庄市工业和信息化局" and doc.code == "石工信评" and doc.about_lower_unit
    assert doc.recipients == "井陉矿区工业和信息化主管部门"
    assert doc.copies == ("井陉矿区人民政府", "石家庄市人民政府办公室")
    # a county with its own bureau: the city's final on the city's targets goes to that bureau
    city_on_xinle = issuance("final", "新乐市", plan_jurisdiction="石家庄市")
    assert city_on_xinle.issuer == "石家庄市工业和信息化局"
    assert city_on_xinle.recipients == "新乐市科学技术和工业信息化局"
    # 新乐市's final of its own plan is its own bureau's document
    own = issuance("final", "新乐市", plan_jurisdiction="新乐市")
    assert own.issuer == "新乐市科学技术和工业信息化局" and own.code == "新科工信评" and not own.about_lower_unit
    assert "石家庄市工业和信息化局" in own.copies
    # a monthly for a county without a listed body: the city's
    assert issuance("monthly", "井陉矿区").issuer_region == "石家庄市"
    assert issuance("monthly", "城东区").issuer == "西宁市工业和信息化局"


def test_every_issuer_has_a_code_and_every_kind_and_level_is_routed():
    settings = load_yaml(paths.DATA_DIR / "issuance.yml")
    issuers = load_yaml(paths.ISSUERS_FILE)["issuers"]
    assert set(settings["issuers"]) == set(issuers)
    codes = [entry["代字"] for entry in settings["issuers"].values()]
    assert len(set(codes)) == len(codes)  # one 代字, one issuer
    for kind in KINDS:
        assert set(settings["documents"][kind]) == {"province", "city", "county", "lower_unit"}
    for region in issuers:
        for kind in KINDS:
            doc = issuance(kind, region, plan_jurisdiction=region)
            assert doc.recipients and doc.copies and "{" not in doc.recipients + "".join(doc.copies)


def test_numbers_run_in_sequence_and_persist(tmp_path):
    doc = issuance("quarterly", "石家庄市")
    numbers = [document_number(doc, p, on=DAY, folder=tmp_path) for p in ("2025-Q1", "2025-Q2", "2025-Q3")]
    assert numbers == ["石工信通〔2025〕1号", "石工信通〔2025〕2号", "石工信通〔2025〕3号"]
    saved = json.loads((tmp_path / NUMBER_REGISTRY).read_text(encoding="utf-8"))
    assert saved["last"] == {"石工信通|2025": 3}
    assert saved["documents"]["石工信通|quarterly|2025-Q2|石家庄市"] == {
        "code": "石工信通",
        "year": 2025,
        "serial": 2,
        "date": "2025-10-12",
    }


def test_a_document_rendered_again_keeps_its_number_even_in_a_later_year(tmp_path):
    doc = issuance("monthly", "石家庄市")
    first = document_number(doc, "2025-09", on=DAY, folder=tmp_path)
    document_number(doc, "2025-10", on=DAY, folder=tmp_path)
    assert document_number(doc, "2025-09", on=DAY + dt.timedelta(days=3), folder=tmp_path) == first
    assert document_number(doc, "2025-09", on=dt.date(2026, 2, 1), folder=tmp_path) == "石工信调〔2025〕1号"
    assert register(doc, "2025-09", on=dt.date(2026, 2, 1), folder=tmp_path)["date"] == "2025-10-12"


def test_issuers_and_codes_count_separately(tmp_path):
    city = issuance("quarterly", "石家庄市")
    xining = issuance("quarterly", "西宁市")
    city_monthly = issuance("monthly", "石家庄市")
    assert document_number(city, "2025-Q3", on=DAY, folder=tmp_path) == "石工信通〔2025〕1号"
    assert document_number(xining, "2025-Q3", on=DAY, folder=tmp_path) == "宁工信通〔2025〕1号"
    assert document_number(city_monthly, "2025-09", on=DAY, folder=tmp_path) == "石工信调〔2025〕1号"
    assert document_number(city, "2025-Q4", on=DAY, folder=tmp_path) == "石工信通〔2025〕2号"
    # the city's documents about its counties are in the city's series
    county = issuance("quarterly", "井陉矿区")
    assert document_number(county, "2025-Q4", on=DAY, folder=tmp_path) == "石工信通〔2025〕3号"


def test_a_new_year_starts_at_one(tmp_path):
    doc = issuance("quarterly", "石家庄市")
    assert document_number(doc, "2025-Q3", on=dt.date(2025, 12, 31), folder=tmp_path) == "石工信通〔2025〕1号"
    assert document_number(doc, "2025-Q4", on=dt.date(2026, 1, 12), folder=tmp_path) == "石工信通〔2026〕1号"
    assert document_number(doc, "2026-Q1", on=dt.date(2026, 4, 12), folder=tmp_path) == "石工信通〔2026〕2号"


def test_a_draft_takes_no_number(tmp_path):
    doc = issuance("quarterly", "石家庄市")
    assert document_number(doc, "2025-Q4", on=DAY, folder=tmp_path, draft=True) == "石工信通〔2025〕　号"
    assert not (tmp_path / NUMBER_REGISTRY).exists()
    assert document_number(doc, "2025-Q4", on=DAY, folder=tmp_path) == "石工信通〔2025〕1号"


def test_a_damaged_registry_is_refused_and_left_alone(tmp_path):
    (tmp_path / NUMBER_REGISTRY).write_text("{不是 JSON", encoding="utf-8")
    with pytest.raises(UserError, match="发文字号登记文件.*已损坏.*从备份恢复"):
        document_number(issuance("quarterly", "石家庄市"), "2025-Q4", on=DAY, folder=tmp_path)
    assert (tmp_path / NUMBER_REGISTRY).read_text(encoding="utf-8") == "{不是 JSON"


def _number_many(folder: str, start: int) -> list[str]:
    doc = issuance("monthly", "石家庄市")
    return [document_number(doc, f"p{start + i}", on=DAY, folder=folder) for i in range(15)]


def test_parallel_renders_never_share_a_number(tmp_path):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.starmap(_number_many, [(str(tmp_path), 0), (str(tmp_path), 100)])
    numbers = results[0] + results[1]
    assert sorted(numbers) == sorted(f"石工信调〔2025〕{n}号" for n in range(1, 31))
