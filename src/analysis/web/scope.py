"""What an account may see: its area in the reporting tree of the region registry.

A 填报 account sees its own unit; a 审核 or 管理 account its region and everything under it. Reports are seen by
area too, plus the reports of the levels above that name the area (a county reads its city's 通报).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from analysis.catalog.regions import load_regions
from analysis.web.models import ROLE_REVIEWER, ROLE_SUBMITTER


@dataclass(frozen=True)
class Area:
    region: str
    role: str

    @classmethod
    def of(cls, account) -> Area:
        return cls(account.region, account.role)

    @property
    def is_reviewer(self) -> bool:
        return self.role == ROLE_REVIEWER

    @property
    def is_submitter(self) -> bool:
        return self.role == ROLE_SUBMITTER

    def covers(self, place: str) -> bool:
        """The account may see `place`'s submissions (its own unit; for a bureau, its region and below)."""
        if place == self.region:
            return True
        if self.is_submitter:
            return False
        registry = load_regions()
        return place in registry.regions and any(a.name == self.region for a in registry.ancestors(place))

    @cached_property
    def units(self) -> list[str]:
        """The reporting units a bureau follows (county-level units under its region); a unit: itself."""
        if self.is_submitter:
            return [self.region]
        return [r.name for r in load_regions().units_under(self.region)]

    def sees_report_of(self, place: str) -> bool:
        """Reports of the area, and of the levels above it (their bulletins name the area)."""
        registry = load_regions()
        region = registry.resolve(place.removesuffix("-草稿"))
        if region is None:
            return False
        return self.covers(region.name) or any(a.name == region.name for a in registry.ancestors(self.region))


def region_problem(region: str) -> str | None:
    """Why `region` cannot be an account's region (None: it can)."""
    found = load_regions().resolve(region)
    if found is None:
        return f"地区“{region}”不在地区注册表中（可用 python -m analysis regions 查看）"
    if found.name != region:
        return f"请使用地区的规范名称“{found.name}”"
    return None
