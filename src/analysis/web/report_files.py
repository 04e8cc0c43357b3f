"""Rendered reports by area: listed from what is on disk (batch.index.collect) and served by looking a request up
among those records, so no part of a URL ever becomes a path."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from analysis.batch.index import FORMATS, KIND_ZH, collect

FORMAT_ZH = dict(FORMATS)
KINDS = {**KIND_ZH, "final": "终期评估"}
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ipynb": "application/x-ipynb+json",
}


def reports_dir() -> Path:
    return Path(settings.REPORTS_DIR)


def visible(area, period: str | None = None) -> list[dict]:
    """The reports the area may read (its own, its units', and those of the levels above it)."""
    folder = reports_dir()
    if not folder.is_dir():
        return []
    return [
        record
        for record in collect(folder)
        if record["files"] and area.sees_report_of(record["region"]) and (period is None or record["period"] == period)
    ]


def find(area, period: str, kind: str, region: str, fmt: str) -> Path | None:
    """The file of one report, if it exists and the area may read it; None otherwise (a 404 either way)."""
    for record in visible(area, period):
        if record["kind"] == kind and record["region"] == region and fmt in record["files"]:
            path = (reports_dir() / record["files"][fmt]).resolve()
            root = reports_dir().resolve()
            return path if path.is_relative_to(root) and path.is_file() else None
    return None


def url_of(record: dict, fmt: str) -> str:
    from django.urls import reverse

    return reverse(
        "report-file",
        kwargs={"period": record["period"], "kind": record["kind"], "region": record["region"], "fmt": fmt},
    )
