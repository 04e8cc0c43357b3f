"""The 报送平台's pages in-process: security headers and cookies, CSRF, login throttling, the audit log, scope on
every page and download, 退回 and its answer, the marked copy, and templates without inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from analysis.store.history import Store
from support import web

TEMPLATES = Path(__file__).resolve().parents[1] / "src/analysis/web/templates"


@pytest.fixture(scope="module")
def site(demo_files, tmp_path_factory):
    site = web.start_site(demo_files, tmp_path_factory.mktemp("web"))
    web.account("页新乐市", "新乐市", "填报")
    web.account("页灵寿县", "灵寿县", "填报")
    web.account("页石家庄市", "石家庄市", "审核")
    web.account("页西宁市", "西宁市", "审核")
    return site


def browser(name: str | None = None):
    from django.test import Client

    client = Client()
    if name:
        from analysis.web.models import Account

        client.force_login(Account.objects.get(username=name))
    return client


def upload(client, path: Path, action: str = "submit", period: str = web.SECOND):
    with open(path, "rb") as handle:
        response = client.post("/upload/", {"file": handle, "period": period, "action": action})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_security_headers_and_cookies(site):
    client = browser()
    page = client.get("/login/")
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page["X-Frame-Options"] == "DENY" and page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    response = client.post("/login/", {"username": "页新乐市", "password": web.PASSWORD})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["samesite"] == "Strict"


def test_every_form_needs_its_csrf_token(site):
    from django.test import Client

    from analysis.web.models import Account

    client = Client(enforce_csrf_checks=True)
    client.force_login(Account.objects.get(username="页新乐市"))
    with open(web.unit_file(site, "新乐市"), "rb") as handle:
        response = client.post("/upload/", {"file": handle, "period": web.SECOND})
    assert response.status_code == 403 and "CSRF" in text_of(response)
    form = client.get("/upload/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in form


def test_logins_are_throttled_and_audited(site):
    from analysis.web.models import AuditEvent

    web.account("页锁定", "新乐市", "填报")
    client = browser()
    for _ in range(5):
        assert client.post("/login/", {"username": "页锁定", "password": "wrong-password"}).status_code in (200, 429)
    locked = client.post("/login/", {"username": "页锁定", "password": web.PASSWORD})
    assert locked.status_code == 429 and "暂停" in text_of(locked)
    assert AuditEvent.objects.filter(action="登录失败", username="页锁定").count() >= 5
    assert not AuditEvent.objects.filter(action="登录", username="页锁定").exists()


def test_templates_hold_no_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert "<style" not in text and not re.search(r"\sstyle=", text), path
        assert not re.search(r"\son[a-z]+=", text), path  # no inline event handlers


def test_a_bad_file_lists_its_problems_and_gives_a_marked_copy(site, tmp_path):
    client = browser("页新乐市")
    bad = web.broken_copy(web.unit_file(site, "新乐市"), tmp_path / "新乐市九月.xlsx")
    result = client.get(upload(client, bad))
    shown = text_of(result)
    assert "未通过，未入库" in shown and "发现 2 处问题" in shown
    assert "新乐市九月.xlsx｜工作表“企业名录”｜第2行｜列“统一社会信用代码”｜值“911301841051044985”：" in shown
    marked = client.get(result.wsgi_request.path + "marked.xlsx")
    assert marked.status_code == 200 and "attachment" in marked["Content-Disposition"]
    out = tmp_path / "marked.xlsx"
    out.write_bytes(b"".join(marked.streaming_content))
    book = load_workbook(out)
    assert book.sheetnames[0] == "问题清单"
    cell = book["企业名录"]["A2"]
    assert "校验位" in cell.comment.text and cell.fill.start_color.rgb.endswith("FFC7CE")
    assert "晚于填报期" in book["资质认定"]["D2"].comment.text
    assert book["企业名录"]["A3"].comment is None


def test_a_file_of_another_month_is_refused_naming_the_month_chosen_on_the_page(site, tmp_path):
    """The page stores a file under the period chosen there: a mismatch names that choice, not the file's name."""
    client = browser("页新乐市")
    other_month = tmp_path / f"新乐市-{web.SECOND}.xlsx"  # the user's name agrees with the choice, the file does not
    other_month.write_bytes(web.unit_file(site, "新乐市").read_bytes())
    result = text_of(client.get(upload(client, other_month, action="check", period=web.FIRST)))
    assert "未通过" in result
    assert f"上传时所选的填报期（{web.FIRST}）与工作表“填报说明”中的填报期（{web.SECOND}）不一致" in result
    assert "文件名中的填报期" not in result


def test_a_csv_gets_an_xlsx_marked_copy(site, tmp_path):
    from analysis.web.models import Account
    from analysis.web.uploads import receive

    csv = tmp_path / "新乐市-2025-09-集群月度.csv"
    csv.write_text(
        "集群名称,年月,本年累计营业收入(万元),企业数,规上企业数\n新乐市装备制造产业集群,2025-09,-5,92,30\n",
        encoding="utf-8",
    )

    class Sent:
        name = csv.name

        def read(self, size):
            return csv.read_bytes()[:size]

    item = receive(
        Account.objects.get(username="页新乐市"),
        Sent(),
        web.SECOND,
        dry_run=True,
        explanation="",
        request=None,
        via_api=False,
    )
    assert item.kind == "csv" and item.outcome == "rejected"
    client = browser("页新乐市")
    marked = client.get(f"/uploads/{item.key}/marked.xlsx")
    out = tmp_path / "marked.xlsx"
    out.write_bytes(b"".join(marked.streaming_content))
    sheet = load_workbook(out)["集群月度"]
    assert sheet["C2"].value == "-5" and sheet["C2"].comment is not None


def test_another_unit_sees_nothing_of_the_first(site, tmp_path):
    owner = browser("页新乐市")
    bad = web.broken_copy(web.unit_file(site, "新乐市"), tmp_path / "新乐市-2025-09.xlsx")
    key = upload(owner, bad).strip("/").split("/")[-1]
    other = browser("页灵寿县")
    for url in (f"/uploads/{key}/", f"/uploads/{key}/marked.xlsx", "/trail/?unit=新乐市", "/uploads/?period=2025-09"):
        response = other.get(url)
        assert "新乐市九月" not in response.content.decode() and "新乐市-2025-09" not in response.content.decode()
        assert response.status_code in (404, 200)
        if url != "/uploads/?period=2025-09":
            assert response.status_code == 404
    assert other.post(f"/uploads/{key}/confirm/", {"explanation": "x"}).status_code == 404
    assert other.get("/status/").status_code == 403
    assert browser("页西宁市").get(f"/uploads/{key}/").status_code == 404  # a bureau of another province
    assert browser("页石家庄市").get(f"/uploads/{key}/").status_code == 200  # its own city


def test_a_return_is_seen_by_the_unit_and_answered_by_a_corrected_file(site, tmp_path):
    from analysis.web.models import AuditEvent, Return

    unit = browser("页灵寿县")
    upload(unit, web.unit_file(site, "灵寿县"))
    city = browser("页石家庄市")
    assert "灵寿县" in text_of(city.get("/status/?end=2025-09"))
    trail = city.get("/trail/?unit=灵寿县&period=2025-09")
    sid = int(re.search(r'name="submission_id" value="(\d+)"', trail.content.decode()).group(1))
    returned = city.post("/returns/", {"submission_id": sid, "reason": "企业数与上月差异较大，请核实后重报"})
    assert returned.status_code == 302
    assert Return.objects.get(unit="灵寿县", submission_id=sid).is_open
    assert "退回" in text_of(city.get("/status/?end=2025-09"))
    home = text_of(unit.get("/upload/"))
    assert "已被退回" in home and "企业数与上月差异较大，请核实后重报" in home
    # the pages show times in the clock the store writes them in (the machine's local time, before Django set
    # its own): a 退回 made now is not hours away from a file the fixture stored minutes ago
    import datetime as dt

    from django.utils import timezone

    returned_at = timezone.localtime(Return.objects.get(unit="灵寿县", submission_id=sid).returned_at)
    stored_first = dt.datetime.fromisoformat(str(Store(site.store).submissions()["ingested_at"].min()))
    assert abs(returned_at.replace(tzinfo=None) - stored_first) < dt.timedelta(hours=1)
    assert f"{returned_at:%Y-%m-%d %H:%M} 退回" in text_of(city.get("/trail/?unit=灵寿县&period=2025-09"))
    corrected = web.restated_copy(web.unit_file(site, "灵寿县"), tmp_path / "灵寿县-2025-09.xlsx")
    result = text_of(unit.get(upload(unit, corrected)))
    assert "已入库（更正）" in result and f"替换第 {sid} 号" in result
    assert not Return.objects.get(unit="灵寿县", submission_id=sid).is_open
    assert "已更正" in text_of(city.get("/status/?end=2025-09"))
    assert AuditEvent.objects.filter(action="退回", detail__contains=str(sid)).exists()
    # a bureau cannot return what is outside its area, nor guess a submission id
    assert browser("页西宁市").post("/returns/", {"submission_id": sid, "reason": "x"}).status_code in (403, 404)
    assert city.post("/returns/", {"submission_id": 999999, "reason": "x"}).status_code == 404


def test_the_trail_names_who_when_from_where_and_what_replaced_what(site):
    city = browser("页石家庄市")
    shown = text_of(city.get("/trail/?unit=灵寿县&period=2025-09"))
    assert "页灵寿县" in shown and "127.0.0.1" in shown and "已被第" in shown and "替换第" in shown


def test_missing_units_get_a_ready_reminder(site):
    shown = text_of(browser("页石家庄市").get("/missing/?period=2025-09"))
    assert "尚未报送的单位" in shown and "请尽快登录报送平台" in shown and "未开通邮件发送" in shown
    assert "灵寿县：贵单位" not in shown  # it has reported


def test_an_admin_account_manages_only_its_area(site):
    web.account("页石家庄市管理", "石家庄市", "管理")
    admin = browser("页石家庄市管理")
    listing = admin.get("/admin/web/account/")
    assert listing.status_code == 200
    shown = listing.content.decode()
    assert "页新乐市" in shown and "页灵寿县" in shown and "页西宁市" not in shown
    assert "Content-Security-Policy" in listing.headers
    from analysis.web.models import Account

    other = Account.objects.get(username="页西宁市")
    assert admin.get(f"/admin/web/account/{other.pk}/change/").status_code in (302, 404)
    assert browser("页新乐市").get("/admin/").status_code == 302  # not staff: sent to the admin's login


def test_reminders_are_mailed_only_when_smtp_is_configured(site):
    from django.core import mail
    from django.test import override_settings

    from analysis.web.models import Account

    unit = Account.objects.get(username="页新乐市")
    unit.email = "xinle@example.cn"
    unit.save()
    city = browser("页石家庄市")
    mail.outbox = []
    unset = city.post("/missing/?period=2025-10", follow=True)
    assert "未开通邮件发送" in text_of(unset) and mail.outbox == []
    with override_settings(EMAIL_HOST="smtp.example.cn", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        response = city.post("/missing/?period=2025-10")
        assert response.status_code == 302
        sent = [m for m in mail.outbox if "xinle@example.cn" in m.to]
        assert len(sent) == 1 and "新乐市：贵单位2025年10月" in sent[0].body
        assert all("页灵寿县" not in m.body for m in mail.outbox)


def test_the_pages_clock_is_the_machines_unless_set(monkeypatch):
    from analysis.web.config import TIME_ZONE_ENV, local_time_zone

    monkeypatch.setenv(TIME_ZONE_ENV, "Asia/Urumqi")
    assert local_time_zone() == "Asia/Urumqi"
    monkeypatch.setenv(TIME_ZONE_ENV, "火星/标准时")  # not a zone: the next source decides
    monkeypatch.setenv("TZ", ":Europe/Berlin")
    assert local_time_zone() == "Europe/Berlin"
