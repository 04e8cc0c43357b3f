"""Who issues a document, to whom, and under which 发文字号 (GB/T 9704-2012 版头 and 版记).

    from analysis.reports.issuance import issuance, document_number
    doc = issuance("quarterly", "石家庄市")            # the city's own 季通报
    doc.issuer, doc.code, doc.recipients, doc.copies   # 石家庄市工业和信息化局, 石工信通, 各县（市、区）…, (…)
    number = document_number(doc, "2025-Q4", on=dt.date(2026, 1, 12), folder=reports_dir)   # 石工信通〔2026〕1号
    final = issuance("final", "井陉矿区", plan_jurisdiction="石家庄市")  # the city's document about the county

The rule (stated in data/issuance.yml's header and docs/gongwen.md): a document is issued by the body that set the
targets it judges. A 月调度 or 季通报 is the region's own body's when data/issuers.yml lists the region, else its
nearest listed ancestor's; a 终期评估 is the plan jurisdiction's body's. When the issuing region is above the region
the document is about, the document is the higher body's (its 代字, its serial numbers, its 署名), sent to the
unit's own bureau and copied to the unit's government.

文号 are numbered per 机关代字 and year, in a registry file of the reports folder (`发文字号登记.json`, see
`NUMBER_REGISTRY`), written atomically under a lock; a document (kind, period, region) keeps the number it was
first given, however often it is rendered again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from analysis import paths
from analysis.catalog.regions import load_regions
from analysis.errors import DataFileError, UserError
from analysis.fsutil import write_text_atomic
from analysis.periods import today
from analysis.yamlio import load_yaml

ISSUANCE_FILE = paths.DATA_DIR / "issuance.yml"
NUMBER_REGISTRY = "发文字号登记.json"
KINDS = ("monthly", "quarterly", "final")
LOWER_UNIT = "lower_unit"
LEVEL_OF = {"province": "province", "city": "city", "county": "county", "zone": "county"}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Issuance:
    """The issuing facts of one document about `region`."""

    kind: str  # monthly | quarterly | final
    region: str  # the region the document is about
    issuer_region: str  # the region whose body issues it
    issuer: str  # 发文机关 (masthead and 署名)
    code: str  # 机关代字, e.g. 石工信通
    recipients: str  # 主送机关, without the closing colon
    copies: tuple[str, ...]  # 抄送机关
    printer: str  # 印发机关

    @property
    def about_lower_unit(self) -> bool:
        """The issuing body sits above the region the document is about (a county's document rendered by the city)."""
        return self.issuer_region != self.region


@lru_cache(maxsize=2)
def _settings(path: Path = ISSUANCE_FILE) -> dict:
    data = load_yaml(path)
    for key in ("kinds", "documents", "issuers"):
        if not isinstance(data.get(key), dict):
            raise DataFileError(f"数据文件 {path} 缺少“{key}”部分")
    return data


@lru_cache(maxsize=2)
def _issuer_names(path: Path = paths.ISSUERS_FILE) -> dict[str, str]:
    return dict(load_yaml(path).get("issuers") or {})


def issuer_region(kind: str, region: str, plan_jurisdiction: str | None = None) -> str:
    """The region whose body issues the document (the rule above)."""
    regions = load_regions()
    name = regions.get(region).name
    if kind == "final" and plan_jurisdiction:
        return regions.get(plan_jurisdiction).name
    names = _issuer_names()
    for place in [name, *(r.name for r in regions.ancestors(name))]:
        if place in names:
            return place
    raise DataFileError(f"{paths.ISSUERS_FILE} 中没有“{name}”或其上级的发文机关")


def issuance(kind: str, region: str, *, plan_jurisdiction: str | None = None) -> Issuance:
    """The issuing facts of a `kind` document about `region` (a final assessment: of `plan_jurisdiction`'s plan)."""
    if kind not in KINDS:
        raise UserError(f"报告类型应为 {'、'.join(KINDS)} 之一，而不是“{kind}”")
    regions = load_regions()
    about = regions.get(region).name
    issuing = issuer_region(kind, about, plan_jurisdiction)
    settings = _settings()
    own = _issuer_settings(settings, issuing)
    slot = LOWER_UNIT if issuing != about else LEVEL_OF[regions.get(about).level]
    routing = dict(settings["documents"].get(kind, {}).get(slot) or {})
    if not routing:
        raise DataFileError(f"{ISSUANCE_FILE} 中没有“{kind}”文件“{slot}”一级的主送、抄送设置")
    if slot != LOWER_UNIT:  # an issuer's own list replaces the level's (a document about a lower unit is routed to it)
        routing.update({k: own[k] for k in ("主送", "抄送") if k in own})
    fill = _filler(about, issuing)
    return Issuance(
        kind=kind,
        region=about,
        issuer_region=issuing,
        issuer=_issuer_names()[issuing],
        code=str(own["代字"]) + str(settings["kinds"][kind]["代字后缀"]),
        recipients=fill(str(routing["主送"])),
        copies=tuple(fill(str(c)) for c in routing.get("抄送") or ()),
        printer=fill(str(own.get("印发机关", "{发文机关}办公室"))),
    )


def _issuer_settings(settings: dict, issuing: str) -> dict:
    own = settings["issuers"].get(issuing)
    if not isinstance(own, dict) or not own.get("代字"):
        raise DataFileError(f"{ISSUANCE_FILE} 中没有发文机关“{issuing}”的机关代字（issuers → {issuing} → 代字）")
    return own


def _filler(about: str, issuing: str):
    """Replaces the placeholders of data/issuance.yml for one document."""
    names = _issuer_names()
    parent = next((r.name for r in load_regions().ancestors(issuing) if r.name in names), None)
    values = {
        "地区": about,
        "发文地区": issuing,
        "发文机关": names[issuing],
        "单位机关": names.get(about, f"{about}工业和信息化主管部门"),
        "上级机关": names.get(parent, "") if parent else "",
    }

    def fill(text: str) -> str:
        def value(match: re.Match) -> str:
            found = values.get(match[1])
            if not found:
                raise DataFileError(f"{ISSUANCE_FILE}：“{text}”中的“{{{match[1]}}}”对{about}无法填写")
            return found

        return _PLACEHOLDER.sub(value, text)

    return fill


# --- 发文字号 ----------------------------------------------------------------------------------------------------


def document_key(doc: Issuance, period: str) -> str:
    """What identifies one document in the registry: kind, period (a final: the plan's id) and region."""
    return f"{doc.kind}|{period}|{doc.region}"


def format_number(code: str, year: int, serial: int | None) -> str:
    """石工信通〔2025〕9号; without a serial (a draft) the number's place is left blank: 石工信通〔2025〕　号."""
    return f"{code}〔{year}〕{serial if serial is not None else '　'}号"


def document_number(
    doc: Issuance,
    period: str,
    *,
    on: dt.date | None = None,
    folder: str | Path | None = None,
    draft: bool = False,
) -> str:
    """The 发文字号 of the document `doc` for `period`: the one it was given before, else the next of its 代字 in
    the year of `on` (the 成文日期, default today). `folder` is the reports folder holding the registry (default
    reports/). A draft takes no number and leaves the registry as it is."""
    on = on or today()
    if draft:
        return format_number(doc.code, on.year, None)
    entry = register(doc, period, on=on, folder=folder)
    return format_number(doc.code, entry["year"], entry["serial"])


def register(doc: Issuance, period: str, *, on: dt.date, folder: str | Path | None = None) -> dict:
    """The registry entry of the document ({"code", "year", "serial", "date"}), made when it has none."""
    path = Path(folder or paths.REPORTS_DIR) / NUMBER_REGISTRY
    key = f"{doc.code}|{document_key(doc, period)}"
    with _locked(path):
        registry = _read_registry(path)
        entry = registry["documents"].get(key)
        if entry is None:
            series = f"{doc.code}|{on.year}"
            serial = int(registry["last"].get(series, 0)) + 1
            entry = {"code": doc.code, "year": on.year, "serial": serial, "date": on.isoformat()}
            registry["last"][series] = serial
            registry["documents"][key] = entry
            write_text_atomic(path, json.dumps(registry, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return dict(entry)


def _read_registry(path: Path) -> dict:
    if not path.exists():
        return {"version": 1, "last": {}, "documents": {}}
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(registry.get("last"), dict) and isinstance(registry.get("documents"), dict)):
            raise ValueError
        return registry
    except (ValueError, AttributeError, UnicodeDecodeError):
        raise UserError(
            f"发文字号登记文件“{path}”已损坏，无法分配文号；请从备份恢复该文件（勿删除，否则文号会重新从1号编起）"
        ) from None


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside the registry: two renders never hand out the same number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
