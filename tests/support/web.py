"""The 报送平台 in tests: Django set up once per process on a store of the demo's first month, accounts, files.

Django's settings are global to a process, so every in-process web test shares this one site (and its store); each
module makes its own accounts. Browser tests run the real server in a subprocess instead (test_web_browser.py).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

FIRST, SECOND = "2025-08", "2025-09"  # demo_files' months: the store holds the first, units upload the second
PASSWORD = "Test-password-2025"


@dataclass
class Site:
    store: Path
    demo: Path  # every demo file of both months
    scratch: Path


_SITE: Site | None = None


def start_site(demo_files: Path, scratch: Path) -> Site:
    """The process's one site (built on first use): a store holding FIRST, Django set up on it."""
    global _SITE
    if _SITE is not None:
        return _SITE
    from analysis.store.history import Store
    from analysis.store.ingest import ingest

    store = scratch / "store"
    first = scratch / "first-month"
    first.mkdir(parents=True)
    for path in demo_files.iterdir():
        if f"-{FIRST}" in path.name:
            shutil.copy2(path, first / path.name)
    ingest([first], store=Store(store))
    from analysis.web.runtime import start

    # the settings read these once, at Django's set-up; restored after it so that no other test sees them
    wanted = {
        "WORKBOOK_WEB_HOSTS": "testserver,127.0.0.1,localhost",
        "WORKBOOK_REPORTS": str(scratch / "reports"),
        "WORKBOOK_STORE": str(store),
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        start(str(store))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    _SITE = Site(store, demo_files, scratch)
    return _SITE


def account(name: str, region: str, role: str):
    from analysis.web.models import Account

    found = Account.objects.filter(username=name).first()
    if found is not None:
        return found
    from analysis.web.accounts import add

    return add(name, region, role, PASSWORD)


def token(name: str) -> str:
    from analysis.web.accounts import new_token

    return new_token(name)


def unit_file(site: Site, unit: str, period: str = SECOND) -> Path:
    return site.demo / f"{unit}-{period}.xlsx"


def broken_copy(source: Path, out: Path) -> Path:
    """The unit's file with two problems: a credit code with a wrong check digit, and a date after the period."""
    book = load_workbook(source)
    book["企业名录"]["A2"] = "911301841051044985"
    book["资质认定"]["D2"] = "2030-01-01"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def jump_copy(source: Path, out: Path, factor: float = 5.0) -> Path:
    """The unit's file whose first 集群月度 row of the month has `factor` times as many 企业数 (a warning)."""
    book = load_workbook(source)
    sheet = book["集群月度"]
    sheet["D2"] = int(sheet["D2"].value * factor)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def restated_copy(source: Path, out: Path) -> Path:
    """The unit's file with its first 情况说明 row's 进展情况 restated (other bytes: a correction, not a duplicate)."""
    book = load_workbook(source)
    sheet = book["情况说明"]
    column = next(cell.column for cell in sheet[1] if cell.value == "进展情况")
    cell = sheet.cell(row=2, column=column)
    cell.value = f"{cell.value}（已核实）"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
