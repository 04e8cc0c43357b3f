"""The 报送平台 as its users see it (issue 25's follow-up): 报送情况 judged by receipt, a checked file submitted without
choosing it again, the trail's window, returns only of a unit's own current report and only once, pages that say
whose they are, the upload form's own file picker."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from support import web


@pytest.fixture(scope="module")
def site(demo_files, tmp_path_factory):
    site = web.start_site(demo_files, tmp_path_factory.mktemp("web"))
    for unit in ("行唐县", "赞皇县", "无极县"):
        web.account(f"用{unit}", unit, "填报")
    web.account("用石家庄市", "石家庄市", "审核")
    return site


def browser(name: str):
    from django.test import Client

    from analysis.web.models import Account

    client = Client()
    client.force_login(Account.objects.get(username=name))
    return client


def upload(client, path, action: str = "submit", period: str = web.SECOND) -> str:
    with open(path, "rb") as handle:
        response = client.post("/upload/", {"file": handle, "period": period, "action": action})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def key_of(url: str) -> str:
    return url.strip("/").split("/")[-1]


def row_states(html: str, unit: str) -> list[str]:
    """The state classes of a unit's row of the 报送情况 matrix, oldest month first."""
    row = re.search(rf">{unit}</a></th>(.*?)</tr>", html, re.S)
    assert row, unit
    return re.findall(r'<td class="state (\w+)"', row.group(1))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_month_loaded_without_a_receipt_has_no_verdict_and_an_upload_is_judged_by_its_time(site):
    from analysis.store.history import Store

    city = browser("用石家庄市")
    before = city.get("/status/?end=2025-09").content.decode()
    assert row_states(before, "行唐县")[-2:] == ["untimed", "missing"]  # 2025-08 by `ingest`; 2025-09 not sent
    assert "时间不明" in before and "已报" in before
    result = browser("用行唐县").get(upload(browser("用行唐县"), web.unit_file(site, "行唐县")))
    assert "已入库" in text_of(result)
    mine = Store(site.store).submissions()
    received = mine[mine["file_name"] == "行唐县-2025-09.xlsx"]["received_at"].tolist()
    assert len(received) == 1 and received[0][:10] == dt.date.today().isoformat()
    after = city.get("/status/?end=2025-09").content.decode()
    assert row_states(after, "行唐县")[-1] == "late"  # received today, long after 2025-10-10
    assert re.search(r"收到 \d{4}-\d\d-\d\d \d\d:\d\d", after)


def test_a_checked_file_is_submitted_without_choosing_it_again(site):
    from analysis.web.models import Upload

    county = browser("用赞皇县")
    checked = county.get(upload(county, web.unit_file(site, "赞皇县"), action="check"))
    assert "尚未提交" in text_of(checked) and "提交此文件" in text_of(checked)
    key = key_of(checked.wsgi_request.path)
    assert browser("用无极县").post(f"/uploads/{key}/submit/").status_code == 404
    assert browser("用石家庄市").post(f"/uploads/{key}/submit/").status_code == 403
    assert county.get(f"/uploads/{key}/submit/").status_code == 405
    done = Upload.objects.get(key=key_of(county.post(f"/uploads/{key}/submit/")["Location"]))
    first = Upload.objects.get(key=key)
    assert done.outcome == "added" and not done.dry_run and done.submission_id
    assert (done.sha256, done.file_name, done.period) == (first.sha256, first.file_name, first.period)
    assert first.outcome == "checked" and first.dry_run  # the dry run's record stays what it was
    again = Upload.objects.get(key=key_of(county.post(f"/uploads/{key}/submit/")["Location"]))
    assert again.outcome == "duplicate"
    assert county.post(f"/uploads/{done.key}/submit/").status_code == 400  # only a dry run can be submitted so


def test_a_units_current_report_is_returned_once_and_its_reminder_says_so(site):
    from analysis.web.models import Return

    county = browser("用无极县")
    upload(county, web.unit_file(site, "无极县"))
    city = browser("用石家庄市")
    trail = city.get("/trail/?unit=无极县&period=2025-09").content.decode()
    found = re.search(r'name="submission_id" value="(\d+)"', trail)
    assert found, "the unit's current report offers a return"
    sid = int(found.group(1))
    first = city.post("/returns/", {"submission_id": sid, "reason": "企业名录与上月差异较大，请核实"})
    assert first.status_code == 302 and "period=2025-09" in first["Location"]
    again = city.post("/returns/", {"submission_id": sid, "reason": "再退一次"}, follow=True)
    assert "已退回，正等待单位重新报送" in text_of(again)
    assert Return.objects.filter(submission_id=sid).count() == 1
    assert f'name="submission_id" value="{sid}"' not in again.content.decode()  # no second return form
    reminders = text_of(city.get("/missing/?period=2025-09"))
    assert "无极县：贵单位2025年9月产业集群月调度数据已被退回" in reminders
    assert "无极县：贵单位2025年9月产业集群月调度数据截至" not in reminders


def test_the_targets_a_city_issued_are_not_a_units_report_to_return():
    from analysis.web.trail import Entry

    issued = Entry(1, "2025-02", "石家庄市-2025-02-目标分解.csv", "2025-02-20 10:00:00", {"目标分解": 4}, True)
    own = Entry(2, "2025-09", "行唐县-2025-09.xlsx", "2025-10-08 10:00:00", {"企业名录": 3, "目标分解": 1}, True)
    assert not issued.own and own.own


def test_the_trail_shows_the_latest_periods_unless_asked_for_more(site, monkeypatch):
    from analysis.web.views import bureau

    city = browser("用石家庄市")
    monkeypatch.setattr(bureau, "TRAIL_MONTHS", 1)
    latest = city.get("/trail/?unit=行唐县").content.decode()
    periods = set(re.findall(r'<td class="nowrap">(\d{4}-\d\d)</td>', latest))
    assert periods == {"2025-09"} and "显示全部" in latest
    for asked in ("全部", "2025"):
        shown = city.get(f"/trail/?unit=行唐县&period={asked}").content.decode()
        assert set(re.findall(r'<td class="nowrap">(\d{4}-\d\d)</td>', shown)) == {"2025-08", "2025-09"}, asked
    wrong = text_of(city.get("/trail/?unit=行唐县&period=上个月"))
    assert "上个月" in wrong and "下面显示最近 1 个填报期" in wrong


def test_a_page_of_another_role_says_whose_it_is_and_the_menu_marks_the_current_page(site):
    county = browser("用行唐县")
    refused = county.get("/status/")
    assert refused.status_code == 403
    assert "该页面供“审核”账号使用" in text_of(refused) and "行唐县的“填报”账号" in text_of(refused)
    city = browser("用石家庄市")
    assert '<a href="/status/" class="current"' in city.get("/status/").content.decode()
    assert '<a href="/missing/" class="current"' in city.get("/missing/").content.decode()


def test_the_upload_form_has_its_own_file_picker_and_takes_the_month_asked_for(site):
    county = browser("用行唐县")
    page = county.get("/upload/?period=2025-07").content.decode()
    assert '<label for="id_file" class="button secondary">选择文件</label>' in page
    assert 'data-file-name-for="id_file">未选择文件<' in page
    assert re.search(r'name="period"[^>]*value="2025-07"', page)
    from analysis.web.reporting import collecting_period

    wrong = county.get("/upload/?period=不是月份").content.decode()
    assert re.search(rf'name="period"[^>]*value="{collecting_period()}"', wrong)
    assert "前报送" in text_of(county.get("/upload/"))  # the month being collected and its deadline


def test_the_same_bytes_sent_again_do_not_claim_a_file_loaded_by_the_command_line(site):
    from analysis.web.models import Upload

    county = browser("用行唐县")
    again = Upload.objects.get(key=key_of(upload(county, web.unit_file(site, "行唐县", web.FIRST), period=web.FIRST)))
    assert again.outcome == "duplicate" and again.submission_id
    shown = text_of(browser("用石家庄市").get(f"/trail/?unit=行唐县&period={web.FIRST}"))
    assert "命令行导入" in shown and "用行唐县" not in shown
