"""A whole-store verification digests the largest tables in a second process (analysis.store.digest_apart): its
digests are the parent's own, they are believed only when the child saw the same store, and a child that fails in
any way changes nothing but the time taken."""

from __future__ import annotations

import sys

import pytest

from analysis.store import digest_apart, verify
from analysis.store.history import Store


class Spy:
    """Records what each child answered (None: not believed, or failed)."""

    def __init__(self, monkeypatch):
        self.answers: list = []
        self.sheets: list[list[str]] = []
        real = digest_apart.Apart.result

        def result(apart, counter):
            answer = real(apart, counter)
            self.answers.append(answer)
            self.sheets.append(apart.sheets)
            return answer

        monkeypatch.setattr(digest_apart.Apart, "result", result)


def digests(store: Store, apart: bool, monkeypatch) -> tuple[dict, list[str]]:
    with monkeypatch.context() as m:
        if not apart:
            m.setattr(type(store.backend), "digest_apart", lambda self, conn, jobs: (None, []))
        with store.backend.reading() as conn:
            return verify.stored_digests(store.backend, conn)


@pytest.fixture
def store(store_location, demo_files, monkeypatch) -> Store:
    """The demo files in a store of each backend; every table large enough to be sent to a child."""
    from analysis.store.ingest import ingest

    store = Store(store_location)
    ingest([demo_files], store=store)
    monkeypatch.setattr(digest_apart, "MIN_CELLS", 0)  # the demo store is smaller than what pays in practice
    return store


def change_first_name(store: Store) -> tuple[int, str]:
    """Append a character to the first stored 企业名称, behind the store's back; its (submission id, unit)."""
    first = 'SELECT min(rowid) FROM "企业名录"'
    read = f'SELECT submission_id, "地区" FROM "企业名录" WHERE rowid = ({first})'
    change = f'UPDATE "企业名录" SET "企业名称" = "企业名称" || \'厂\' WHERE rowid = ({first})'
    if store.backend.name == "postgresql":
        import psycopg

        with psycopg.connect(store.backend.url) as conn:
            sid, unit = conn.execute(read).fetchone()
            conn.execute(change)
        return sid, unit
    import sqlite3

    conn = sqlite3.connect(store.backend.db_path)
    with conn:
        sid, unit = conn.execute(read).fetchone()
        conn.execute(change)
    conn.close()
    return sid, unit


def test_the_split_sends_the_heaviest_tables_to_the_lighter_side_and_nothing_from_a_small_store():
    cells = {"企业名录": 458_000, "资质认定": 682_000, "企业年度财务": 1_166_000, "集群名录": 3_000, "集群月度": 85_000}
    kept, sent = digest_apart.split(cells)
    assert sent == ["企业年度财务", "集群名录"] and kept == ["企业名录", "资质认定", "集群月度"]
    assert digest_apart.split({"企业名录": 1_000, "资质认定": 2_000}) == (["企业名录", "资质认定"], [])


def test_digests_computed_apart_are_those_computed_here(store, monkeypatch):
    spy = Spy(monkeypatch)
    here = digests(store, apart=False, monkeypatch=monkeypatch)
    assert spy.answers == []
    apart = digests(store, apart=True, monkeypatch=monkeypatch)
    assert len(spy.answers) == 1 and spy.answers[0] is not None, "the child's digests were not used"
    sent = set(spy.sheets[0])
    assert "企业名录" in sent or "企业年度财务" in sent
    assert {key for key in spy.answers[0][0]} == {key for key in here[0] if key[2] in sent}
    assert apart == here and len(here[0]) > 100 and here[1] == []


def test_a_child_that_saw_another_write_counter_is_not_believed(store, monkeypatch):
    spy = Spy(monkeypatch)
    here = digests(store, apart=False, monkeypatch=monkeypatch)
    monkeypatch.setattr(verify, "_write_counter", lambda backend, conn: "another moment")
    assert digests(store, apart=True, monkeypatch=monkeypatch) == here
    assert spy.answers == [None]


@pytest.mark.parametrize("executable", ["/bin/false", "/nonexistent/python"])
def test_a_child_that_cannot_run_changes_nothing(store, monkeypatch, executable):
    spy = Spy(monkeypatch)
    here = digests(store, apart=False, monkeypatch=monkeypatch)
    monkeypatch.setattr(sys, "executable", executable)
    assert digests(store, apart=True, monkeypatch=monkeypatch) == here
    assert spy.answers == [None]
    assert store.check() == []


def test_a_changed_value_in_a_table_digested_apart_is_named(store, store_location, monkeypatch):
    sid, unit = change_first_name(store)
    spy = Spy(monkeypatch)
    monkeypatch.setattr(digest_apart, "split", lambda cells: ([s for s in cells if s != "企业名录"], ["企业名录"]))
    found = Store(store_location).check()
    assert spy.sheets == [["企业名录"]] and spy.answers[0] is not None
    assert any(f"企业名录：{unit}" in line and f"第 {sid} 号报送" in line and "有改动" in line for line in found), found


def test_a_child_that_cannot_read_a_table_for_another_reason_than_damage_leaves_it_to_the_parent(store):
    """A missing table (or a lock) is not the child's to call damage: it fails, and the parent reads the table."""
    from sqlalchemy import select

    from analysis.store import schema

    backend = store.backend
    counter_sql = backend.literal_sql(select(schema.meta.c.value).where(schema.meta.c.key == schema.WRITE_COUNTER))
    with backend.reading() as conn:
        target, counter = backend.apart_target(conn), verify._write_counter(backend, conn)
    sound = digest_apart.Apart(target, counter_sql, [])
    assert sound.result(counter) == ({}, [])  # the same job without the missing table is answered
    missing = digest_apart.Apart(target, counter_sql, [("不存在", 'SELECT * FROM "不存在"', ["地区"])])
    assert missing.result(counter) is None
