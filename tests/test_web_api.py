"""The 报送平台's HTTP API: every endpoint and every refusal, and a file sent through the service storing exactly
the rows `ingest` stores for the same file."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil

import pytest

from support import web


@pytest.fixture(scope="module")
def site(demo_files, tmp_path_factory):
    site = web.start_site(demo_files, tmp_path_factory.mktemp("web"))
    web.account("api新乐市", "新乐市", "填报")
    web.account("api鹿泉区", "鹿泉区", "填报")
    web.account("api正定县", "正定县", "填报")
    web.account("api石家庄市", "石家庄市", "审核")
    web.account("api西宁市", "西宁市", "审核")
    return site


@pytest.fixture(scope="module")
def client(site):
    from django.test import Client

    return Client()


def bearer(name: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {web.token(name)}"}


def post_file(client, name: str, path, period=web.SECOND, **fields):
    with open(path, "rb") as handle:
        return client.post("/api/submissions", {"file": handle, "period": period, **fields}, **bearer(name))


def store_count(site) -> int:
    from analysis.store.history import Store

    return len(Store(site.store).submissions(include_superseded=True))


def test_no_token_or_a_bad_one_is_401(client):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wbt_not-a-real-token"}, {"HTTP_AUTHORIZATION": "Basic eDp5"}):
        for url in ("/api/submissions?period=2025-09", "/api/status?period=2025-09", "/api/reports"):
            response = client.get(url, **headers)
            assert response.status_code == 401
            assert response["WWW-Authenticate"].startswith("Bearer")
            assert "令牌" in response.json()["message"]


def test_a_disabled_account_and_a_replaced_token_are_401(client, site):
    from analysis.web.accounts import disable

    web.account("api停用", "新乐市", "填报")
    old = web.token("api停用")
    new = web.token("api停用")
    assert client.get("/api/submissions", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/submissions", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200
    disable("api停用")
    assert client.get("/api/submissions", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 401


def test_a_dry_run_checks_and_stores_nothing(client, site):
    before = store_count(site)
    response = post_file(client, "api正定县", web.unit_file(site, "正定县"), dry_run="1")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "checked" and body["dry_run"] is True and body["submission_id"] is None
    assert body["rows"]["企业名录"] > 0
    assert store_count(site) == before


def test_problems_come_back_as_422_with_every_field(client, site, tmp_path):
    bad = web.broken_copy(web.unit_file(site, "正定县"), tmp_path / "正定县-九月.xlsx")
    before = store_count(site)
    response = post_file(client, "api正定县", bad)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {tuple(sorted(p)) for p in problems} == {("column", "file", "reason", "row", "sheet", "value")}
    code = next(p for p in problems if p["sheet"] == "企业名录")
    assert (code["file"], code["row"], code["column"], code["value"]) == (
        "正定县-九月.xlsx",
        2,
        "统一社会信用代码",
        "911301841051044985",
    )
    assert "校验位" in code["reason"]
    assert any(p["sheet"] == "资质认定" and p["column"] == "认定日期" for p in problems)
    assert store_count(site) == before


def test_an_accepted_file_is_201_with_its_receipt_and_a_second_time_a_duplicate(client, site):
    path = web.unit_file(site, "正定县")
    response = post_file(client, "api正定县", path)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "added" and isinstance(body["submission_id"], int)
    assert body["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    from analysis.store.history import Store

    parts = Store(site.store).parts()
    mine = parts[parts["submission_id"] == body["submission_id"]]
    assert dict(zip(mine["sheet"], mine["n_rows"], strict=True)) == body["rows"]
    assert set(mine["unit"]) == {"正定县"}
    again = post_file(client, "api正定县", path)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    receipt = client.get(f"/api/submissions/{body['upload']}", **bearer("api正定县"))
    assert receipt.status_code == 200 and receipt.json()["submission_id"] == body["submission_id"]


def test_another_units_rows_are_refused_naming_the_unit(client, site):
    response = post_file(client, "api新乐市", web.unit_file(site, "鹿泉区"))
    assert response.status_code == 422
    reasons = " ".join(p["reason"] for p in response.json()["problems"])
    assert "鹿泉区" in reasons


def test_content_decides_the_type_not_the_name(client, site, tmp_path):
    fake = tmp_path / "新乐市-2025-09.xlsx"
    fake.write_bytes(b"%PDF-1.7\n" + b"0" * 200)
    response = post_file(client, "api新乐市", fake)
    assert response.status_code == 422
    assert "PDF" in response.json()["problems"][0]["reason"]
    binary = tmp_path / "新乐市-2025-09-企业名录.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "无法识别" in post_file(client, "api新乐市", binary).json()["problems"][0]["reason"]


def test_a_reviewer_may_not_submit(client, site):
    response = post_file(client, "api石家庄市", web.unit_file(site, "新乐市"))
    assert response.status_code == 403
    assert "填报" in response.json()["message"]


def test_an_upload_over_the_limit_is_413(client, site, tmp_path):
    from django.conf import settings

    assert settings.UPLOAD_LIMIT_BYTES == 50 * 1024 * 1024  # the default
    big = tmp_path / "新乐市-2025-09.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (51 * 1024 * 1024))
    before = store_count(site)
    response = post_file(client, "api新乐市", big)
    assert response.status_code == 413
    assert "大小上限" in response.json()["message"] and "50 MB" in response.json()["message"]
    assert store_count(site) == before


def test_a_warning_needs_an_explanation_which_is_stored(client, site, tmp_path):
    jumped = web.jump_copy(web.unit_file(site, "晋州市"), tmp_path / "晋州市-2025-09.xlsx")
    before = store_count(site)
    web.account("api晋州市", "晋州市", "填报")
    first = post_file(client, "api晋州市", jumped)
    assert first.status_code == 422
    assert first.json()["status"] == "needs_explanation"
    assert any("企业数" in w and "5.00 倍" in w for w in first.json()["warnings"])
    assert store_count(site) == before
    second = post_file(client, "api晋州市", jumped, explanation="本月新认定一批入驻企业，数据属实")
    assert second.status_code == 201
    assert second.json()["explanation"] == "本月新认定一批入驻企业，数据属实"
    from analysis.web.models import Upload

    assert Upload.objects.get(key=second.json()["upload"]).explanation == "本月新认定一批入驻企业，数据属实"


def test_lists_are_scoped_to_the_callers_area(client, site):
    assert post_file(client, "api鹿泉区", web.unit_file(site, "鹿泉区")).status_code == 201
    mine = client.get("/api/submissions?period=2025-09", **bearer("api鹿泉区")).json()["submissions"]
    assert mine and {s["unit"] for s in mine} == {"鹿泉区"}
    other = client.get("/api/submissions?period=2025-09", **bearer("api新乐市")).json()["submissions"]
    assert "鹿泉区" not in {s["unit"] for s in other}
    city = client.get("/api/submissions?period=2025-09", **bearer("api石家庄市")).json()["submissions"]
    assert {"鹿泉区", "正定县"} <= {s["unit"] for s in city}
    assert client.get("/api/submissions?period=2025-09", **bearer("api西宁市")).json()["submissions"] == [] or all(
        s["unit"] not in ("鹿泉区", "正定县")
        for s in client.get("/api/submissions?period=2025-09", **bearer("api西宁市")).json()["submissions"]
    )


def test_another_areas_receipt_is_404(client, site):
    from analysis.web.models import Upload

    key = Upload.objects.filter(unit="鹿泉区").first().key
    for name in ("api新乐市", "api西宁市"):
        response = client.get(f"/api/submissions/{key}", **bearer(name))
        assert response.status_code == 404
        assert "鹿泉区" not in response.content.decode()
    assert client.get("/api/submissions/not-a-key", **bearer("api鹿泉区")).status_code == 404


def test_status_gives_a_bureau_each_unit_and_refuses_a_unit(client, site):
    response = client.get("/api/status?period=2025-09", **bearer("api石家庄市"))
    assert response.status_code == 200
    body = response.json()
    states = {u["unit"]: u["state"] for u in body["units"]}
    from analysis.catalog.regions import load_regions

    assert set(states) == {r.name for r in load_regions().units_under("石家庄市")}
    assert states["鹿泉区"] in ("按时", "逾期") and states["正定县"] in ("按时", "逾期")
    assert body["deadline"] == "2025-10-10"
    assert body["submitted"] == sum(s in ("按时", "逾期", "已报", "已更正") for s in states.values())
    # 2025-08 was loaded by `ingest` without a receipt time; 鹿泉区's 2025-09 came through the service today
    received = {u["unit"]: u["first_received_at"] for u in body["units"]}
    assert received["鹿泉区"][:10] == dt.date.today().isoformat() and states["鹿泉区"] == "逾期"
    august = client.get("/api/status?period=2025-08", **bearer("api石家庄市")).json()
    assert august["time_unknown"] == august["submitted"] > 0 and august["on_time"] == 0
    listed = client.get("/api/submissions?period=2025-08", **bearer("api石家庄市")).json()["submissions"]
    assert listed and all(s["received_at"] is None for s in listed)
    assert client.get("/api/status?period=2025-09", **bearer("api新乐市")).status_code == 403
    bad = client.get("/api/status?period=2025-13", **bearer("api石家庄市"))
    assert bad.status_code == 400 and "2025-13" in bad.json()["message"]


def test_reports_are_listed_and_served_by_area(client, site):
    from django.conf import settings

    folder = settings.REPORTS_DIR / "2025-09" / "monthly"
    folder.mkdir(parents=True, exist_ok=True)
    for region in ("新乐市", "鹿泉区", "石家庄市", "西宁市"):
        (folder / f"{region}.html").write_text(f"<p>{region}月调度</p>", encoding="utf-8")
        (folder / f"{region}.pdf").write_bytes(b"%PDF-1.7 " + region.encode())
    listed = client.get("/api/reports?period=2025-09", **bearer("api新乐市")).json()["reports"]
    assert {r["region"] for r in listed} == {"新乐市", "石家庄市"}  # its own, and its city's bulletin
    city = client.get("/api/reports?period=2025-09", **bearer("api石家庄市")).json()["reports"]
    assert {r["region"] for r in city} == {"新乐市", "鹿泉区", "石家庄市"}
    url = next(r for r in listed if r["region"] == "新乐市")["files"]["pdf"]
    got = client.get(url.removeprefix("http://testserver"), **bearer("api新乐市"))
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.7 " + "新乐市".encode()
    assert client.get("/reports/2025-09/monthly/鹿泉区.pdf", **bearer("api新乐市")).status_code == 404
    for path in ("/reports/2025-09/monthly/..%2F..%2F..%2Fetc%2Fpasswd.html", "/reports/../store/accounts.sqlite"):
        assert client.get(path, **bearer("api石家庄市")).status_code == 404


def test_the_service_and_ingest_store_identical_rows(client, site, tmp_path):
    """鹿泉区's September file: once through the API (above), once through `ingest` into a copy of the first month."""
    from analysis.store.history import SHEETS, Store
    from analysis.store.ingest import ingest

    post_file(client, "api鹿泉区", web.unit_file(site, "鹿泉区"))  # stored by test_lists_… or now: either way current
    reference = Store(tmp_path / "reference")
    ingest([site.scratch / "first-month"], store=reference)
    copy = tmp_path / "鹿泉区-2025-09.xlsx"
    shutil.copy2(web.unit_file(site, "鹿泉区"), copy)
    [outcome] = ingest([copy], store=reference)
    assert outcome.status == "added"
    served = Store(site.store)
    compared = 0
    for sheet in SHEETS:
        ours = served.snapshot(sheet, "2025-09", units=["鹿泉区"]).drop(columns=["submission_id"])
        theirs = reference.snapshot(sheet, "2025-09", units=["鹿泉区"]).drop(columns=["submission_id"])
        assert ours.equals(theirs), sheet
        compared += len(ours)
    assert compared > 500
