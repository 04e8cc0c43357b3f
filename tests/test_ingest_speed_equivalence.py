"""The column-wise validator finds exactly what the cell-by-cell one finds.

`_Reference` is the validator as it was before checks became column-wise: every row through
`_check_row`, then `_check_unique`, `_register`, `_frame` on a list of records. Both run on the
same raw workbooks -- the good fixture with random cells replaced by hostile values (wrong
types, formats, full-width digits, NA strings, unknown names, duplicates, error cells) -- and
must give the same problems (file, sheet, row, column, value, reason, in order) and the same
frames, dtypes included.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.submissions import readers, validate

FIXTURES = Path(__file__).parent / "fixtures"
_spec = importlib.util.spec_from_file_location("make_bad", FIXTURES / "make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)
C1, C2, C3, OUTSIDER = make_bad.C1, make_bad.C2, make_bad.C3, make_bad.OUTSIDER
PERIOD = "2023-06"


class _Reference(validate._Validator):
    """The cell-by-cell validator (the behaviour the column-wise one must keep)."""

    def _check_table(self, table):
        if not self._check_headers(table):
            return pd.DataFrame()
        self._report_error_cells(table)
        records = [self._check_row(table, row, raw) for row, raw in table.rows]
        self._check_unique(table, records)
        self._register(table.sheet, records)
        return self._frame(table, records)


HOSTILE = [
    None,
    "",
    "  ",
    "NA",
    "null",
    0,
    -1,
    -5,
    -3.5,
    "-5",
    "-1,000",
    1,
    2,
    0.5,
    -0.0,
    300.5,
    1e16,
    911301841234567890,
    130184,
    True,
    False,
    "3,500",
    "1,23",
    "约30",
    "12万",
    "１２３",
    "٣",
    " 42 ",
    "+7",
    ".5",
    "5.",
    "1e3",
    "inf",
    "76%",
    "0.5%",
    "76 %",
    "2023-06",
    "2023-6",
    "2023年6月",
    "2023/06",
    "2023.05",
    "2023-13",
    "2023-07",
    "2099-01",
    "2023-06-30",
    "2023/6/30",
    "2023年6月30日",
    "2023-02-30",
    "2023-07-01",
    "2022.12.01",
    dt.datetime(2023, 1, 5),
    dt.datetime(2023, 7, 1),
    dt.datetime(2023, 6, 30, 12, 30),
    dt.time(8, 30),
    C1,
    C2,
    C3,
    OUTSIDER,
    C1.lower(),
    C1[:17] + "0",
    C1[:17] + "1",
    "91130184MA0I23456X",
    " " + C2 + " ",
    C1 + "0",
    "新乐市",
    "130184",
    "新乐",
    "新乐县",
    "石家庄市",
    "河北省",
    "130199",
    "新乐市电线电缆集群",
    "新乐市食品集群",
    "专精特新中小企业",
    "高新技术企业",
    "创新型中小企业",
    "瞪羚企业",
    "国家级",
    "省级",
    "市级",
    "数字化研发设计工具普及率",
    "數字化研發設計工具普及率",
    "对接活动场次",
    "工业云平台普及率",
    "招商引资额",
    "%",
    "场",
    "个",
    "是",
    "否",
    "Y",
    " 是 ",
    "省级重点",
    "其他",
    "C3831",
    "3831",
    "C",
    "Z99",
    13,
    2022,
    2024,
    1899,
    "#REF!",  # stands for a formula error cell (see _raw)
]


def _grid(rows: list[list]) -> pd.DataFrame:
    width = max(len(r) for r in rows)
    cells = [[_as_read(v) for v in r] + [None] * (width - len(r)) for r in rows]
    grid = np.empty((len(cells), width), dtype=object)
    grid[:] = cells
    return pd.DataFrame(grid, dtype=object)


def _as_read(value):
    """A value as the Excel reader hands it over (dates as datetime, whole floats as int)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _raw(sheets: dict[str, list[list]]) -> readers.RawWorkbook:
    errors = {}
    for name, rows in sheets.items():
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value == "#REF!":
                    errors.setdefault(name, {})[(i + 1, j)] = "#REF!"
                    row[j] = None
    return readers.RawWorkbook(Path("x.xlsx"), {n: _grid(r) for n, r in sheets.items()}, errors)


def _both(sheets, known_enterprises=None, known_clusters=None):
    out = []
    for cls in (_Reference, validate._Validator):
        validator = cls("新乐市-2023-06.xlsx", PERIOD, known_enterprises, known_clusters)
        frames, extras = validator.run(_raw(copy.deepcopy(sheets)))
        out.append((validator.problems, frames, extras))
    return out


def _assert_same(sheets, **known):
    (p1, f1, e1), (p2, f2, e2) = _both(sheets, **known)
    assert [str(p) for p in p2] == [str(p) for p in p1]
    assert p2 == p1
    assert e2 == e1
    assert list(f2) == list(f1)
    for name in f1:
        pd.testing.assert_frame_equal(f2[name], f1[name], check_exact=True)
        assert list(f2[name].dtypes) == list(f1[name].dtypes)


def _cells(sheets):
    return [
        (name, i, j)
        for name, rows in sheets.items()
        if name != "填报说明"
        for i in range(1, len(rows))
        for j in range(len(rows[0]))
    ]


GOOD = make_bad.good_sheets()
CELLS = _cells(GOOD)


def test_the_good_submission_and_every_contract_case_agree():
    _assert_same(GOOD)
    for _name, change in make_bad.CASES.items():
        sheets = copy.deepcopy(GOOD)
        change(sheets)
        for rows in sheets.values():
            for row in rows:
                row[:] = ["#REF!" if v == make_bad.ERROR_MARK else v for v in row]
        _assert_same(sheets)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(st.tuples(st.sampled_from(CELLS), st.sampled_from(HOSTILE)), min_size=1, max_size=12),
    extra_rows=st.integers(0, 2),
    known=st.booleans(),
)
def test_mutated_submissions_agree(changes, extra_rows, known):
    sheets = copy.deepcopy(GOOD)
    for name in ("企业名录", "资质认定", "企业年度财务", "集群月度", "指标填报"):
        for _ in range(extra_rows):  # duplicates, so that mutations can also clear or cause them
            sheets[name].append(list(sheets[name][1]))
    for (name, i, j), value in changes:
        sheets[name][i][j] = value
    kwargs = {"known_enterprises": {OUTSIDER: "130184"}, "known_clusters": {"新乐市食品集群": "新乐"}} if known else {}
    _assert_same(sheets, **kwargs)


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "bad").glob("*.xlsx")) + sorted((FIXTURES / "good").glob("*.xlsx")), ids=lambda p: p.stem
)
def test_fixture_files_agree(path):
    raw = readers.read_workbook(path)
    out = []
    for cls in (_Reference, validate._Validator):
        validator = cls(path.name, PERIOD, None, None)
        frames, _ = validator.run(raw)
        out.append((validator.problems, frames))
    assert out[1][0] == out[0][0]
    for name in out[0][1]:
        pd.testing.assert_frame_equal(out[1][1][name], out[0][1][name], check_exact=True)


def test_credit_codes_column_wise_match_one_by_one():
    rng = np.random.default_rng(7)
    alphabet = list("0123456789ABCDEFGHJKLMNPQRTUWXYIOZSVa１ 中")
    codes = [C1, C2, C3, OUTSIDER, "", "9" * 17, C1 + "X"]
    codes += ["".join(rng.choice(alphabet, 18)) for _ in range(2000)]
    codes += [c[:17] + ch for c in (C1, C2) for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY"]
    expected = [validate.creditcode.problem(c) is None for c in codes]
    assert validate._valid_codes(codes).tolist() == expected


def test_resolved_known_names_are_shared_not_copied():
    known = validate.known_names({OUTSIDER: "130184", C1: "新乐"})
    assert known == {OUTSIDER: "新乐市", C1: "新乐市"}
    assert validate.known_names(known) is known
    validator = validate._Validator("x.xlsx", PERIOD, known, None)
    assert validator.enterprises.maps[1] is known


# --- the columns ingest stores (read_checked) against the frames an analyst gets (read_submission) ---------


def _stored_form(prepared) -> tuple:
    """Everything of a PreparedSubmission the store writes, each value with its type (5 and 5.0 differ in SQLite)."""
    sheets = [
        (
            s.name,
            s.columns,
            s.kinds,
            s.empty,
            s.unit_rows,
            [[(type(v).__name__, v) for v in column] for column in s.values],
        )
        for s in prepared.sheets
    ]
    return (
        prepared.file_name,
        prepared.sha256,
        prepared.period,
        prepared.units,
        prepared.extra_columns,
        prepared.notes,
        sheets,
    )


def _both_routes(path) -> list:
    """The stored form of the file by the frames and by the checked columns (or the problems each refused it with)."""
    from analysis.store.staging import prepare, prepare_checked

    out = []
    for read, to_store in ((validate.read_submission, prepare), (validate.read_checked, prepare_checked)):
        try:
            out.append(_stored_form(to_store(read(path))))
        except validate.SubmissionRejected as err:
            out.append([str(p) for p in err.problems])
    return out


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "bad").glob("*.xlsx")) + sorted((FIXTURES / "good").glob("*.xlsx")), ids=lambda p: p.stem
)
def test_fixture_files_store_the_same_by_either_route(path):
    by_frames, by_columns = _both_routes(path)
    assert by_columns == by_frames
    assert isinstance(by_frames, tuple) == (path.parent.name == "good")  # the good ones are stored, the bad refused


def test_the_demo_files_store_the_same_by_either_route(demo_files):
    from analysis.store.ingest import collect_files, defined_names
    from analysis.store.staging import prepare, prepare_checked

    files = collect_files([demo_files])
    known = {"known_enterprises": {}, "known_clusters": {}}
    for path in files:  # in ingest order, each file knowing the names the ones before it defined
        submission = validate.read_submission(path, **known)
        checked = validate.read_checked(path, **known)
        assert _stored_form(prepare_checked(checked)) == _stored_form(prepare(submission)), path.name
        defined = defined_names(submission.tables)
        assert defined_names(checked.tables) == defined
        known["known_enterprises"].update(defined["enterprises"])
        known["known_clusters"].update(defined["clusters"])
    assert len(known["known_enterprises"]) > 1000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(st.tuples(st.sampled_from(CELLS), st.sampled_from(HOSTILE)), min_size=1, max_size=12),
    known=st.booleans(),
)
def test_mutated_submissions_store_the_same_by_either_route(changes, known):
    from analysis.store.staging import prepare, prepare_checked

    sheets = copy.deepcopy(GOOD)
    for (name, i, j), value in changes:
        sheets[name][i][j] = value
    names = ({OUTSIDER: "130184"}, {"新乐市食品集群": "新乐"}) if known else (None, None)
    forms = []
    for run, to_store, kind in (
        ("run", prepare, validate.Submission),
        ("run_columns", prepare_checked, validate.CheckedSubmission),
    ):
        validator = validate._Validator("新乐市-2023-06.xlsx", PERIOD, *names)
        tables, extras = getattr(validator, run)(_raw(copy.deepcopy(sheets)))
        if validator.problems:
            forms.append([str(p) for p in validator.problems])
            continue
        units = {u for t in tables.values() for u in t["地区"].tolist() if isinstance(u, str)}
        forms.append(_stored_form(to_store(kind(Path("x.xlsx"), "x.xlsx", "0" * 64, PERIOD, tables, units, extras))))
    assert forms[1] == forms[0]
