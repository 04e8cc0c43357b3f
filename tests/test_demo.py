"""The demo generator: deterministic, contract-conforming, magnitudes that straddle the plans."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from analysis.catalog.regions import load_regions
from analysis.catalog.targets import load_catalog
from analysis.cli.main import main
from analysis.demo import base as demo_base
from analysis.demo.base import BEIJING, _day, _month_end, _period, _ym, last_complete_month
from analysis.demo.generate import CSV_UNITS, _mi, build_world, generate_demo
from analysis.demo.regions import demo_units
from analysis.errors import UserError
from analysis.store.ingest import collect_files
from analysis.submissions import creditcode
from analysis.submissions.validate import read_submission

PERIOD_IN_NAME = re.compile(r"-(20\d{2}-(0[1-9]|1[0-2]))(?:（更正）)?(?:-[^-]+)?\.(xlsx|csv)$")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    """Two months, the second being the month of the correction."""
    out = tmp_path_factory.mktemp("demo-short")
    return generate_demo(out, seed=0, until="2023-06", months=2)


@pytest.fixture(scope="module")
def world():
    return build_world(0, "small", _mi(2026, 11))


def test_same_seed_same_bytes(short, tmp_path):
    again = generate_demo(tmp_path / "again", seed=0, until="2023-06", months=2)
    assert _digests(short.out_dir) == _digests(again.out_dir)
    other = generate_demo(tmp_path / "other", seed=1, until="2023-06", months=2)
    assert _digests(short.out_dir) != _digests(other.out_dir)


def test_every_file_passes_validation(short):
    known_e: dict[str, str] = {}
    known_c: dict[str, str] = {}
    files = collect_files([short.out_dir])
    assert len(files) == len(short.files)
    for path in files:
        sub = read_submission(path, known_enterprises=known_e, known_clusters=known_c)
        assert sub.period == PERIOD_IN_NAME.search(path.name).group(1)
        if "企业名录" in sub.tables:
            known_e.update(
                zip(sub.tables["企业名录"]["统一社会信用代码"], sub.tables["企业名录"]["所属地区"], strict=True)
            )
        if "集群名录" in sub.tables:
            known_c.update(zip(sub.tables["集群名录"]["集群名称"], sub.tables["集群名录"]["所属地区"], strict=True))


def test_file_names_carry_periods_and_every_unit_reports(short):
    for path in short.files:
        assert PERIOD_IN_NAME.search(path.name), path.name
    reporters = {p.name.split("-")[0] for p in short.files}
    assert {u.name for u in demo_units()} <= reporters
    assert {"河北省", "青海省"} <= reporters


def test_credit_codes_valid_and_unique(world):
    codes = world.enterprises["统一社会信用代码"]
    assert codes.is_unique
    assert all(creditcode.is_valid(c) for c in codes)
    xinle = world.enterprises[world.enterprises["unit"] == "新乐市"]["统一社会信用代码"]
    assert xinle.str.slice(2, 8).eq("130184").all()


def test_correction_sorts_after_original_and_differs(short):
    assert [p.name for p in short.corrections] == ["新乐市-2023-06（更正）.xlsx"]
    order = [p.name for p in collect_files([short.out_dir])]
    assert order.index("新乐市-2023-06.xlsx") < order.index("新乐市-2023-06（更正）.xlsx")
    original = read_submission(short.out_dir / "新乐市-2023-06.xlsx")
    corrected = read_submission(short.out_dir / "新乐市-2023-06（更正）.xlsx")
    assert (
        not original.tables["集群月度"]
        .drop(columns=["_row"])
        .equals(corrected.tables["集群月度"].drop(columns=["_row"]))
    )
    assert os.path.getmtime(short.corrections[0]) > os.path.getmtime(short.out_dir / "新乐市-2023-06.xlsx")


def test_gbk_csv(short):
    gbk_unit = next(u for u, enc in CSV_UNITS.items() if enc == "gbk")
    assert short.gbk_files
    path = short.out_dir / f"{gbk_unit}-2023-06-企业名录.csv"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gbk").startswith("统一社会信用代码,企业名称")


def test_late_submissions_marked(short):
    for path in short.late:
        y, m = map(int, PERIOD_IN_NAME.search(path.name).group(1).split("-"))
        deadline = datetime(y + (m == 12), m % 12 + 1, 10, 23, 59)
        assert datetime.fromtimestamp(os.path.getmtime(path)) > deadline - timedelta(hours=8)
        if path.suffix == ".xlsx":
            grid = pd.read_excel(path, sheet_name="填报说明", header=None, engine="calamine")
            assert "逾期报送" in grid.astype(str).to_numpy().ravel().tolist()


def _valid_from_files(folder: Path, units: list[str], award: str, when: date) -> int:
    """Count enterprises with a valid award at `when` from the written files, the contract's way."""
    codes = set()
    for unit in units:
        xlsx = folder / f"{unit}-{when:%Y-%m}.xlsx"
        csv_ = folder / f"{unit}-{when:%Y-%m}-资质认定.csv"
        if xlsx.exists():
            df = pd.read_excel(xlsx, sheet_name="资质认定", engine="calamine")
            df.columns = [
                str(c).lstrip("*").replace("社会信用代码", "统一社会信用代码").replace("统一统一", "统一")
                for c in df.columns
            ]
        elif csv_.exists():
            df = pd.read_csv(csv_, encoding=CSV_UNITS[unit], dtype=str)
        else:
            continue  # a missing month
        df = df[df["资质类型"] == award]
        grant = pd.to_datetime(df["认定日期"])
        expiry = pd.to_datetime(df["有效期至"]).fillna(grant + pd.DateOffset(years=3) - pd.Timedelta(days=1))
        revoke = pd.to_datetime(df["撤销日期"])
        ts = pd.Timestamp(when)
        ok = (grant <= ts) & (expiry >= ts) & ~(revoke <= ts)
        codes |= set(df.loc[ok, "统一社会信用代码"])
    return len(codes)


def test_shijiazhuang_srdi_around_580_at_end_of_2023(tmp_path, world):
    out = generate_demo(tmp_path / "dec", seed=0, until="2023-12", months=1).out_dir
    sjz = [u.name for u in load_regions().units_under("石家庄市")]
    n = _valid_from_files(out, sjz, "专精特新中小企业", date(2023, 12, 31))
    assert 500 <= n <= 660, n
    assert world.valid_at("专精特新中小企业", date(2023, 12, 31), sjz) == pytest.approx(n, abs=40)


def test_magnitudes_straddle_the_plans(world):
    units = load_regions()
    sjz = [u.name for u in units.units_under("石家庄市")]
    xn = [u.name for u in units.units_under("西宁市")]
    end25 = date(2025, 12, 31)
    assert 680 <= world.valid_at("专精特新中小企业", end25, sjz) <= 820  # 750
    assert 60 <= world.valid_at("专精特新小巨人", date(2023, 12, 31), sjz) <= 90  # 75
    assert 85 <= world.valid_at("专精特新小巨人", end25, sjz) <= 125  # 105
    assert 60 <= world.valid_at("专精特新中小企业", end25, xn) <= 90  # 70–80
    assert 180 <= world.valid_at("高新技术企业", end25, xn) <= 260  # 220
    assert 260 <= world.valid_at("规上工业企业", end25, xn) <= 340  # 300
    assert 25 <= world.valid_at("专精特新中小企业", end25, ["芦台经济开发区"]) <= 45  # 35
    assert 420 <= world.first_granted("创新型中小企业", 2023, sjz) <= 600  # 500 a year
    assert [
        world.first_granted(t, 2023, ["新乐市"]) for t in ("专精特新中小企业", "专精特新小巨人", "高新技术企业")
    ] == [5, 3, 6]  # targets 6, 3, 5
    per_unit = pd.Series({u: world.valid_at("专精特新中小企业", end25, [u]) for u in sjz})
    assert per_unit.max() >= 4 * max(per_unit.min(), 1)  # uneven: rankings mean something
    # leaders' R&D ratio: above 3% (2023 target), below 3.5% (2025 target)
    leaders = world.awards.loc[world.awards["资质类型"] == "领跑者企业", "ent"].unique()
    fin = world.finance[world.finance["ent"].isin(leaders)].groupby("年度")[["研发费用(万元)", "营业收入(万元)"]].sum()
    ratio = fin["研发费用(万元)"] / fin["营业收入(万元)"] * 100
    assert ratio[2023] > 3.0 and ratio[2025] < 3.5
    # Xinle's 2023 cluster revenue growth straddles its 12% target
    cm = world.cluster_months[world.cluster_months["unit"] == "新乐市"]
    dec = cm[cm["mi"] == _mi(2023, 12)].set_index("集群名称")["本年累计营业收入(万元)"]
    prev = cm[cm["mi"] == _mi(2022, 12)].set_index("集群名称")["本年累计营业收入(万元)"]
    growth = dec / prev - 1
    assert growth.min() < 0.12 < growth.max()
    # Qinghai's reported totals put Xining near its shares
    q = world.indicators[(world.indicators["地区"] == "青海省") & (world.indicators["mi"] == _mi(2025, 12))]
    total = q.set_index("指标")["数值"]
    share = world.valid_at("专精特新中小企业", end25, xn) / total["专精特新中小企业"]
    assert 0.55 <= share <= 0.75


def test_lagging_units_explain_some_but_not_all(world):
    notes = world.notes
    assert len(notes) > 0
    assert notes["进展情况"].str.contains("月底|1—").all()
    assert not notes["进展情况"].str.contains(r"20\d{2}-\d{2}").any()


YEARLY_NOTE = re.compile(r"截至(\d{4})年(\d{1,2})月底，\d{4}年新认定(.+?)(\d+)家，完成年度分解目标（(.+?)）(\d+)家的")


def test_explanations_are_only_about_targets_the_unit_has_and_state_its_own_figures(world):
    """A note is written only for a target the unit has (issued by 石家庄市, or 芦台's own plan, or 新乐市's 2023
    cluster growth), never after the plans ended, and its figures are the unit's own for that year and target."""
    from analysis.demo.allocations import ISSUES, allocation_rows

    notes = world.notes
    assert notes["mi"].max() <= _mi(2025, 12)  # every plan with targets below has ended by then
    sjz = {u.name for u in load_regions().units_under("石家庄市")}
    assert set(notes["unit"]) <= sjz | {"芦台经济开发区"}  # 西宁市's units were issued nothing
    issued = {}
    for period, *_ in ISSUES:
        for unit, label, term, value, doc, *_rest in allocation_rows(world, period):
            issued[(unit, label, term)] = (value, doc)
    checked = 0
    for _, note in notes[notes["unit"].isin(sjz)].iterrows():
        for match in YEARLY_NOTE.finditer(note["进展情况"]):
            year, month, label, got, doc, goal = match.groups()
            assert issued[(note["unit"], label, int(year))] == (int(goal), doc)
            first = (
                world.awards[(world.awards["unit"] == note["unit"]) & (world.awards["资质类型"] == label)]
                .groupby("ent")["grant_day"]
                .min()
            )
            end = _month_end(_mi(int(year), int(month)))
            counted = ((first >= _day(date(int(year), 1, 1))) & (first <= _day(end))).sum()
            assert int(got) == counted, (note["unit"], label, year, month)
            checked += 1
    assert checked > 50
    # a unit without an issued target of an indicator writes nothing about it
    for _, note in notes[notes["unit"].isin(sjz) & (notes["指标"] != "县域特色产业集群营业收入增速")].iterrows():
        year = _ym(note["mi"])[0]
        assert any((note["unit"], note["指标"], term) in issued for term in (year, 2023, 2025)), note.to_dict()


# -- --size province: every county-level unit of the registry

PROVINCE_MONTH = "2026-06"


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """The province-size demo of one month (the default for --size province)."""
    return generate_demo(tmp_path_factory.mktemp("demo-province"), seed=0, size="province", until=PROVINCE_MONTH)


def _unit_of(path: Path) -> str:
    return PERIOD_IN_NAME.split(path.name)[0]


def test_province_size_has_every_unit_of_the_registry(province):
    registry = {r.name for r in load_regions().units()}
    assert len(registry) == 212 and province.units == 212
    assert [r.name for r in demo_units("province")][:30] == [r.name for r in demo_units()]
    assert {u.name for u in province.world.units} == registry
    assert province.first_period == province.last_period == PROVINCE_MONTH
    with_files = {_unit_of(p) for p in province.files if "目标分解" not in p.name}
    missing = {unit for unit, period in province.missing}
    assert with_files | missing == registry | {"河北省", "青海省"}
    assert len(missing) <= 3 and not missing & with_files
    assert province.enterprises >= 30_000 and province.awards >= 40_000
    assert province.seconds < 120


def test_province_sizes_differ_by_city_and_kind(province):
    registry = load_regions()
    sizes = province.world.enterprises.groupby("unit").size()
    kinds = {u.name: (registry.city_of(u.name), u.kind) for u in province.world.units}
    frame = pd.DataFrame(
        {"n": sizes, "city": [kinds[u][0] for u in sizes.index], "kind": [kinds[u][1] for u in sizes.index]}
    )
    median = frame.groupby(["city", "kind"])["n"].median()
    assert median["石家庄市", "市辖区"] > 2 * median["承德市", "县"]
    assert frame[frame["city"] == "唐山市"]["n"].median() > frame[frame["city"] == "承德市"]["n"].median()
    hebei = frame[frame.index.isin({u.name for u in province.world.units if u.group == "hebei"})]
    by_kind = hebei.groupby("kind")["n"].median()
    assert by_kind["市辖区"] > by_kind["县"] > by_kind["自治县"]
    qinghai = frame[frame.index.isin({u.name for u in province.world.units if u.province == "青海省"})]
    assert qinghai.groupby("city")["n"].sum().idxmax() == "西宁市"
    assert frame["n"].max() > 10 * frame["n"].min()


def test_province_keeps_the_plans_units_as_they_are(province, world):
    """The 30 units of the small demo are the same enterprises and awards at province size."""
    small, big = world, province.world
    for unit in ("新乐市", "鹿泉区", "芦台经济开发区", "城北区", "深泽县"):
        a = small.enterprises[small.enterprises["unit"] == unit]
        b = big.enterprises[big.enterprises["unit"] == unit]
        assert a["统一社会信用代码"].tolist() == b["统一社会信用代码"].tolist()
        assert a["企业名称"].tolist() == b["企业名称"].tolist()
        cols = ["资质类型", "级别", "grant_day", "expiry_day", "revoke_day", "批次文号"]
        assert (
            small.awards[small.awards["unit"] == unit][cols]
            .reset_index(drop=True)
            .equals(big.awards[big.awards["unit"] == unit][cols].reset_index(drop=True))
        )
        assert (
            small.finance[small.finance["unit"] == unit]
            .reset_index(drop=True)
            .equals(big.finance[big.finance["unit"] == unit].reset_index(drop=True))
        )
        assert (
            small.notes[small.notes["unit"] == unit]
            .reset_index(drop=True)
            .equals(big.notes[big.notes["unit"] == unit].reset_index(drop=True))
        )
    xinle = big.indicators[big.indicators["unit"] == "新乐市"].reset_index(drop=True)
    assert xinle.equals(small.indicators[small.indicators["unit"] == "新乐市"].reset_index(drop=True))
    assert [big.first_granted(t, 2023, ["新乐市"]) for t in ("专精特新中小企业", "专精特新小巨人", "高新技术企业")] == [
        5,
        3,
        6,
    ]


def test_province_totals_cover_the_simulated_province(province):
    w = province.world
    regions = load_regions()
    for month in ("2022-12", "2023-12", "2025-12"):
        mi = _mi(*map(int, month.split("-")))
        end = _month_end(mi)
        reported = w.indicators[w.indicators["mi"] == mi].set_index(["地区", "指标"])["数值"]
        for province_name in ("河北省", "青海省"):
            units = [u.name for u in regions.units_under(province_name)]
            for indicator, award in (
                ("专精特新中小企业", "专精特新中小企业"),
                ("专精特新“小巨人”企业", "专精特新小巨人"),
            ):
                assert reported[province_name, indicator] > w.valid_at(award, end, units), (month, province_name)
        xining = w.valid_at("专精特新中小企业", end, [u.name for u in regions.units_under("西宁市")])
        assert 0.55 <= xining / reported["青海省", "专精特新中小企业"] <= 0.75
    # the province as a whole meets the Hebei plan's yearly 创新型中小企业 and 高新技术企业 roughly
    hebei = [u.name for u in regions.units_under("河北省")]
    assert 4_000 <= w.first_granted("创新型中小企业", 2023, hebei) <= 6_000  # 5,000 a year
    assert 70 <= w.first_granted("高新技术企业", 2023, hebei) <= 130  # 100 a year


def _hebei_targets() -> dict[tuple[str, int], int]:
    """(indicator name, 期限) -> the Hebei plan's figure, from the catalog."""
    catalog = load_catalog()
    by_id = {t.id: t for t in catalog.targets}
    name = {i.id: i.name for i in catalog.indicators.values()}
    out = {}
    for target_id, terms in (
        ("hebei.srdi_sme.2025", [2025]),
        ("hebei.little_giant.2025", [2025]),
        ("hebei.high_tech.annual", [2023, 2024, 2025]),
        ("hebei.innovative_sme.annual", [2023, 2024, 2025]),
    ):
        t = by_id[target_id]
        out.update({(name[t.indicator], term): int(t.low) for term in terms})
    return out


def _allocations(folder: Path, issuer: str) -> pd.DataFrame:
    frames = []
    for path in sorted(folder.glob(f"{issuer}-*-目标分解.csv")):
        sub = read_submission(path)  # raises SubmissionRejected on any problem
        assert sub.period == PERIOD_IN_NAME.search(path.name).group(1)
        frames.append(sub.tables["目标分解"].assign(file=path.name))
    return pd.concat(frames, ignore_index=True)


def test_provincial_allocation_is_valid_and_adds_up(province):
    issued = _allocations(province.out_dir, "河北省")
    assert sorted(set(issued["file"])) == [f"河北省-{y}-02-目标分解.csv" for y in (2023, 2024, 2025)]
    reporting = [r.name for r in load_regions().children("河北省")]
    assert len(reporting) == 13 and {"辛集市", "定州市", "承德市"} <= set(reporting)
    targets = _hebei_targets()
    issued["期限"] = issued["期限"].astype(int)
    issued["目标值"] = issued["目标值"].astype(float)
    assert set(map(tuple, issued[["指标", "期限"]].drop_duplicates().to_numpy())) == set(targets)
    for (indicator, term), rows in issued.groupby(["指标", "期限"]):
        assert sorted(rows["地区"]) == sorted(reporting), (indicator, term)  # every unit holds some
        assert rows["目标值"].sum() == targets[indicator, term], (indicator, term)
        assert (rows["目标值"] >= 1).all() and (rows["目标值"] % 1 == 0).all()
    docs = issued.groupby("file")["下达文号"].unique()
    assert all(len(d) == 1 and d[0].startswith("冀工信〔") for d in docs)
    # shares follow holdings: the biggest holder of 专精特新 at the end of 2022 gets the biggest target
    w = province.world
    srdi = issued[issued["指标"] == "专精特新中小企业"].set_index("地区")["目标值"]
    held = {
        r: w.valid_at("专精特新中小企业", date(2022, 12, 31), [u.name for u in load_regions().units_under(r)])
        for r in reporting
    }
    assert srdi.idxmax() == max(held, key=held.get)


def test_small_provincial_allocation_goes_to_the_simulated_cities(short):
    issued = _allocations(short.out_dir, "河北省")
    targets = _hebei_targets()
    assert set(issued["地区"]) <= {"石家庄市", "唐山市", "辛集市"} and "石家庄市" in set(issued["地区"])
    assert (issued["目标值"].astype(float) >= 1).all()
    issued = issued.set_index(["地区", "指标", "期限"])["目标值"].astype(float)
    # 石家庄市's provincial share, as in the whole province: near its own plan (750 by 2025, 500 a year)
    assert 600 <= issued["石家庄市", "专精特新中小企业", 2025] <= 1000
    assert 350 <= issued["石家庄市", "创新型中小企业", 2023] <= 700
    assert issued.groupby(level=[1, 2]).sum()["专精特新中小企业", 2025] < targets["专精特新中小企业", 2025]


def test_province_demo_ingests_and_hebei_issues_to_its_13_units(province, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    store = tmp_path / "store"

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "analysis", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    summary = run("ingest", str(province.out_dir), "--store", str(store), "--quiet")
    assert "拒收 0" in summary.strip().splitlines()[-1]
    month_end = (pd.Period(PROVINCE_MONTH, "M").end_time.date()).isoformat()
    rows = pd.read_csv(
        io.StringIO(
            run(
                "progress",
                "--as-of",
                month_end,
                "--plan",
                "hebei-province-2022-leaders",
                "--format",
                "csv",
                "--store",
                str(store),
            ).lstrip("\ufeff")
        )
    )
    issued = rows[rows["basis"] == "分解目标"]
    reporting = {r.name for r in load_regions().children("河北省")}
    main_ids = [
        "hebei.srdi_sme.2025",
        "hebei.little_giant.2025",
        "hebei.high_tech.annual",
        "hebei.innovative_sme.annual",
    ]
    for target_id in main_ids:
        assert set(issued[issued["target_id"] == target_id]["jurisdiction"]) == reporting, target_id
    stock = issued[issued["target_id"] == "hebei.srdi_sme.2025"]
    assert stock["target_value"].sum() == 5000 and stock["basis_source"].eq("冀工信〔2023〕15号").all()
    yearly = issued[(issued["target_id"] == "hebei.innovative_sme.annual")]
    assert set(yearly["term"].astype(str)) >= {"2023", "2024", "2025"}
    # the province's own rows stay its plan's; a city sees what the province issued it
    own = pd.read_csv(
        io.StringIO(
            run(
                "progress", "--as-of", month_end, "--region", "河北省", "--format", "csv", "--store", str(store)
            ).lstrip("\ufeff")
        )
    )
    assert set(own["jurisdiction"]) == {"河北省"} and set(own["basis"]) == {"方案目标"}
    city = pd.read_csv(
        io.StringIO(
            run(
                "progress",
                "--as-of",
                month_end,
                "--region",
                "承德市",
                "--plan",
                "hebei-province-2022-leaders",
                "--format",
                "csv",
                "--store",
                str(store),
            ).lstrip("\ufeff")
        )
    )
    assert set(city["target_id"][city["basis"] == "分解目标"]) >= set(main_ids)


def test_cli(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "cli"), "--until", "2022-02", "--months", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "已生成演示报送数据" in out and "2022-02" in out
    assert (tmp_path / "cli" / "新乐市-2022-02.xlsx").exists()


# -- nothing dated after today (base.today() stands for the system clock)


@pytest.fixture
def fake_today(monkeypatch):
    """Set the demo's today."""

    def set_today(day: date) -> date:
        monkeypatch.setattr(demo_base, "today", lambda: day)
        return day

    return set_today


@pytest.mark.parametrize(
    "day, complete",
    [
        (date(2026, 12, 2), "2026-10"),  # November's files still arrive (the 3rd–9th)
        (date(2026, 12, 9), "2026-10"),
        (date(2026, 12, 10), "2026-11"),  # the 10th: every on-time November file is in
        (date(2027, 1, 9), "2026-11"),
        (date(2027, 1, 10), "2026-12"),
        (date(2026, 12, 31), "2026-11"),
    ],
)
def test_last_complete_month(day, complete):
    assert _period(last_complete_month(day)) == complete


def test_default_until_is_the_last_complete_month(tmp_path, fake_today):
    fake_today(date(2026, 12, 2))
    summary = generate_demo(tmp_path / "dec02", months=1)
    assert summary.first_period == summary.last_period == "2026-10"
    periods = {PERIOD_IN_NAME.search(p.name).group(1) for p in summary.files if "目标分解" not in p.name}
    assert periods == {"2026-10"}
    fake_today(date(2026, 12, 10))
    assert generate_demo(tmp_path / "dec10", months=1).last_period == "2026-11"


def _dates_in(path: Path) -> dict[str, list]:
    """Every date a demo file carries, by what it is: grants, revocations, expiries, 填报日期,
    the xlsx creation stamp, 下达日期."""
    out: dict[str, list] = {
        "认定日期": [],
        "撤销日期": [],
        "有效期至": [],
        "填报日期": [],
        "created": [],
        "下达日期": [],
    }
    if path.suffix == ".xlsx":
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine="calamine")
        info = sheets.pop("填报说明")
        row = info[info[0] == "填报日期"].iloc[0]
        out["填报日期"].append(datetime.strptime(str(row[1]), "%Y年%m月%d日").date())
        with zipfile.ZipFile(path) as zf:
            stamp = re.search(r"<dcterms:created[^>]*>([^<]+)<", zf.read("docProps/core.xml").decode()).group(1)
        out["created"].append(datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(BEIJING).date())
        frames = {
            name: sheet.iloc[1:].set_axis([str(h).lstrip("*") for h in sheet.iloc[0]], axis=1)
            for name, sheet in sheets.items()
        }
    else:
        unit = path.name.split("-")[0]
        frame = pd.read_csv(path, encoding=CSV_UNITS.get(unit, "utf-8-sig"), dtype=str)
        frames = {path.stem.rsplit("-", 1)[-1]: frame}
    for frame in frames.values():
        for col in ("认定日期", "撤销日期", "有效期至", "下达日期"):
            if col in frame:
                out[col] += [d.date() for d in pd.to_datetime(frame[col]).dropna()]
    return out


def test_nothing_written_is_dated_after_today(tmp_path, fake_today, short):
    # 2023-06 is complete on 2023-07-12 (its on-time files came by the 9th), but three late files
    # (the 12th on) and the correction (13 days after 新乐市's original) have not arrived yet
    today = fake_today(date(2023, 7, 12))
    summary = generate_demo(tmp_path / "jul12", months=2)
    assert summary.last_period == "2023-06"
    assert ("新乐市", "2023-06", "更正") in summary.pending and summary.corrections == []
    assert any(kind == "逾期报送" for _, _, kind in summary.pending)
    assert "尚未送达" in summary.text()
    dates: dict[str, list] = {}
    for path in summary.files:
        assert datetime.fromtimestamp(path.stat().st_mtime, BEIJING).date() < today, path.name
        for what, values in _dates_in(path).items():
            dates.setdefault(what, []).extend(values)
    assert dates["认定日期"] and dates["填报日期"] and dates["created"] and dates["下达日期"] and dates["撤销日期"]
    for what in ("认定日期", "撤销日期", "下达日期"):
        assert max(dates[what]) <= date(2023, 6, 30), what
    for what in ("填报日期", "created"):
        assert max(dates[what]) < today, what
    assert max(dates["有效期至"]) > today  # an expiry may lie ahead
    # what has arrived is what an unconstrained run writes, byte for byte; only the pending files are missing
    written = _digests(summary.out_dir)
    full = _digests(short.out_dir)
    assert all(full[name] == digest for name, digest in written.items())
    assert len(full) - len(written) == len(summary.pending)


def test_until_after_the_last_complete_month_is_refused(tmp_path, fake_today, capsys):
    fake_today(date(2026, 12, 2))
    with pytest.raises(UserError, match="2026-11.*2026-12-10.*2026-12-02.*2026-10"):
        generate_demo(tmp_path / "g", until="2026-11")
    assert main(["demo", "--out", str(tmp_path / "cli"), "--until", "2027-03"]) != 0
    err = capsys.readouterr().err.strip()
    assert "2027-03" in err and "2026-10" in err and "\n" not in err
    assert not (tmp_path / "cli").exists()
    # an until that is complete is accepted
    assert generate_demo(tmp_path / "ok", until="2026-10", months=1).last_period == "2026-10"
