"""The 报送平台 in a real headless Chromium (Debian's, driven by Playwright): the flows of issue 25's "Done when".

One server (`python -m analysis serve`, a subprocess on a free loopback port) for the module, on a store holding the
demo's first month; accounts made with `python -m analysis accounts`. Screenshots land in /tmp/workbook-web-*.png.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from support import web

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("WORKBOOK_SCREENSHOTS", "/tmp"))
ACCOUNTS = (("浏览新乐市", "新乐市", "填报"), ("浏览鹿泉区", "鹿泉区", "填报"), ("浏览正定县", "正定县", "填报"))
ACCOUNTS += (("浏览石家庄市", "石家庄市", "审核"),)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, store: Path, stdin: str | None = None, env=None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "analysis", *args, "--store", str(store)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server(demo_files, tmp_path_factory):
    from analysis.store.history import Store
    from analysis.store.ingest import ingest

    root = tmp_path_factory.mktemp("browser")
    first = root / "first-month"
    first.mkdir()
    for path in demo_files.iterdir():
        if f"-{web.FIRST}" in path.name:
            shutil.copy2(path, first / path.name)
    store = root / "store"
    ingest([first], store=Store(store))
    reports = root / "reports" / "2025-09" / "monthly"
    reports.mkdir(parents=True)
    for region in ("新乐市", "鹿泉区", "石家庄市"):
        (reports / f"{region}.html").write_text(f"<h1>{region}2025年9月月调度</h1>", encoding="utf-8")
    env = {**os.environ, "WORKBOOK_REPORTS": str(root / "reports"), "PYTHONUNBUFFERED": "1"}
    for name, region, role in ACCOUNTS:
        cli(
            "accounts",
            "add",
            name,
            "--region",
            region,
            "--role",
            role,
            "--password-stdin",
            store=store,
            stdin=web.PASSWORD + "\n",
            env=env,
        )
    tokens = {"浏览鹿泉区": cli("accounts", "token", "浏览鹿泉区", store=store, env=env).strip()}
    port = free_port()
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [sys.executable, "-m", "analysis", "serve", "--store", str(store), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (root / "server.log").read_text()
            time.sleep(0.3)
    yield {"base": base, "store": store, "tokens": tokens, "root": root, "demo": demo_files}
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def chromium(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def login(chromium, server, name: str):
    context = chromium.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server["base"] + "/login/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", web.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, page.content()
    return page


def send(page, path: Path, period: str = web.SECOND, action: str = "submit"):
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/")[2] + "/upload/")
    page.set_input_files("input[name=file]", str(path))
    assert page.inner_text("[data-file-name-for=id_file]") == path.name  # site.js shows the choice, under the CSP
    page.fill("input[name=period]", period)
    page.click(f"button[name=action][value={action}]")
    page.wait_for_load_state()


def test_a_county_fixes_a_bad_file(chromium, server, tmp_path):
    page = login(chromium, server, "浏览新乐市")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["httpOnly"] and cookies["sessionid"]["sameSite"] == "Lax"
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    bad = web.broken_copy(server["demo"] / "新乐市-2025-09.xlsx", tmp_path / "新乐市九月报送.xlsx")
    send(page, bad)
    assert "未通过，未入库" in page.inner_text("h1")
    problems = page.locator("ol.problem-list li").all_inner_texts()
    assert len(problems) == 2
    assert problems[0].startswith(
        "新乐市九月报送.xlsx｜工作表“企业名录”｜第2行｜列“统一社会信用代码”｜值“911301841051044985”："
    )
    page.screenshot(path=str(SHOTS / "workbook-web-problems.png"), full_page=True)
    server["bad_upload"] = page.url
    with page.expect_download() as download:
        page.click("text=下载标出问题的文件")
    marked = tmp_path / "marked.xlsx"
    download.value.save_as(marked)
    assert download.value.suggested_filename == "新乐市九月报送-问题标注.xlsx"
    assert "校验位" in load_workbook(marked)["企业名录"]["A2"].comment.text
    send(page, server["demo"] / "新乐市-2025-09.xlsx")
    assert "已入库" in page.inner_text("h1")
    receipt = page.inner_text("dl.receipt")
    assert re.search(r"报送号\s*\d+", receipt) and "SHA-256" in receipt and "企业名录" in receipt
    page.screenshot(path=str(SHOTS / "workbook-web-receipt.png"), full_page=True)
    assert errors == []  # no CSP violation, no script error
    page.context.close()


def test_a_second_county_sees_and_fetches_nothing_of_the_first(chromium, server):
    page = login(chromium, server, "浏览鹿泉区")
    base = server["base"]
    bad = server["bad_upload"]
    key = bad.rstrip("/").split("/")[-1]
    for url in (bad, bad + "marked.xlsx", base + "/trail/?unit=新乐市", base + "/reports/2025-09/monthly/新乐市.html"):
        response = page.goto(url)
        assert response.status == 404, url
        assert "新乐市九月报送" not in page.content()
    for guess in ("AAAAAAAAAAAAAAAAAAAAAA", key[:-1] + ("A" if key[-1] != "A" else "B")):
        assert page.goto(f"{base}/uploads/{guess}/").status == 404
    assert page.goto(base + "/status/").status == 403
    listing = page.goto(base + "/reports/")
    assert listing.status == 200 and "新乐市" not in page.inner_text("main") and "石家庄市" in page.inner_text("main")
    mine = page.goto(base + "/uploads/")
    assert mine.status == 200 and "新乐市" not in page.inner_text("main")
    api = page.request
    token = {"Authorization": "Bearer " + server["tokens"]["浏览鹿泉区"]}
    assert api.get(f"{base}/api/submissions/{key}", headers=token).status == 404
    assert all(
        s["unit"] == "鹿泉区"
        for s in api.get(f"{base}/api/submissions?period=2025-09", headers=token).json()["submissions"]
    )
    assert api.get(f"{base}/api/status?period=2025-09", headers=token).status == 403
    assert api.get(f"{base}/reports/2025-09/monthly/新乐市.html", headers=token).status == 404
    assert api.get(f"{base}/api/submissions?period=2025-09").status == 401
    page.context.close()


def test_the_city_returns_one_and_the_county_resubmits(chromium, server, tmp_path):
    county = login(chromium, server, "浏览鹿泉区")
    send(county, server["demo"] / "鹿泉区-2025-09.xlsx")
    assert "已入库" in county.inner_text("h1")
    city = login(chromium, server, "浏览石家庄市")
    city.goto(server["base"] + "/status/?end=2025-09")
    matrix = city.inner_text("table.matrix")
    assert re.search(r"新乐市\s.*(按时|逾期)", matrix) and re.search(r"鹿泉区\s.*(按时|逾期)", matrix)
    assert "报送率" in matrix and "按时率" in matrix
    city.screenshot(path=str(SHOTS / "workbook-web-status.png"), full_page=True)
    city.click("table.matrix >> text=鹿泉区")
    city.click("details.return summary")  # the form opens on demand: a row of the trail stays one line high
    city.fill("form.return-form textarea[name=reason]", "规上企业数与上月不一致，请核实后重新报送")
    city.click("form.return-form button")
    city.wait_for_load_state()
    assert "已退回" in city.inner_text("main")
    city.goto(server["base"] + "/status/?end=2025-09")
    assert re.search(r"鹿泉区\s.*退回", city.inner_text("table.matrix"))
    city.screenshot(path=str(SHOTS / "workbook-web-status-returned.png"), full_page=True)
    county.goto(server["base"] + "/upload/")
    assert county.input_value("input[name=period]") == "2025-09"  # preset to the month it owes
    notice = county.inner_text("section.returned")
    assert "已被退回" in notice and "规上企业数与上月不一致，请核实后重新报送" in notice
    county.screenshot(path=str(SHOTS / "workbook-web-returned.png"), full_page=True)
    corrected = web.restated_copy(server["demo"] / "鹿泉区-2025-09.xlsx", tmp_path / "鹿泉区-2025-09.xlsx")
    send(county, corrected)
    assert "已入库（更正）" in county.inner_text("h1")
    city.goto(server["base"] + "/status/?end=2025-09")
    assert re.search(r"鹿泉区\s.*已更正", city.inner_text("table.matrix"))
    county.context.close()
    city.context.close()


def test_a_warning_passes_with_an_explanation(chromium, server, tmp_path):
    page = login(chromium, server, "浏览正定县")
    jumped = web.jump_copy(server["demo"] / "正定县-2025-09.xlsx", tmp_path / "正定县-2025-09.xlsx")
    send(page, jumped)
    assert "待填写上报说明" in page.inner_text("h1")
    assert "5.00 倍" in page.inner_text("section.warnings")
    page.fill("section.warnings textarea[name=explanation]", "本月园区新入驻企业集中登记，数据属实")
    page.click("section.warnings button")
    page.wait_for_load_state()
    assert "已入库" in page.inner_text("h1")
    assert "本月园区新入驻企业集中登记，数据属实" in page.inner_text("dl.receipt")
    page.screenshot(path=str(SHOTS / "workbook-web-warning.png"), full_page=True)
    page.context.close()
