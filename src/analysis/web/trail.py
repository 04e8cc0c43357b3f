"""The change trail of a unit (修改痕迹): every submission that carried its rows, who sent it, when, from which
address, which file, and what replaced what. Nothing is ever deleted from the store, so the trail is complete."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.web.intake import ISSUED_SHEETS
from analysis.web.models import Return, Upload

COMMAND_LINE = "命令行导入"


@dataclass
class Entry:
    submission_id: int
    period: str
    file_name: str
    stored_at: str
    sheets: dict[str, int]
    current: bool
    replaced: list[int] = field(default_factory=list)  # submissions this one replaced (for the unit)
    replaced_by: list[int] = field(default_factory=list)
    who: str = COMMAND_LINE
    address: str = ""
    explanation: str = ""
    upload_key: str = ""
    returns: list[Return] = field(default_factory=list)
    received_at: str = ""  # when the file reached the bureau ("": not recorded)
    stored_name: str = ""  # the name it was stored under, when not the name it was sent as

    @property
    def own(self) -> bool:
        """The unit's own report (not only the targets a level above issued it): the kind of file a bureau returns."""
        return any(sheet not in ISSUED_SHEETS for sheet in self.sheets)

    @property
    def open_return(self) -> bool:
        return any(item.is_open for item in self.returns)


def trail(
    unit: str, parts: pd.DataFrame, submissions: pd.DataFrame, period: str | None = None, recent: int | None = None
) -> list[Entry]:
    """The unit's entries, newest first (`parts`, `submissions`: the store's, replaced ones included; `period`: a
    month YYYY-MM or a year YYYY; `recent`: only the unit's latest so many periods)."""
    mine = parts[parts["unit"] == unit]
    if period:
        mine = mine[mine["period"].astype(str).str.startswith(period)]
    if recent:
        mine = mine[mine["period"].isin(sorted(set(mine["period"]))[-recent:])]
    if mine.empty:
        return []
    info = submissions.set_index("id")
    ids = sorted(set(mine["submission_id"].tolist()), reverse=True)
    # the upload that stored each submission (a later duplicate of the same bytes names it too, but stored nothing)
    stored = Upload.objects.filter(submission_id__in=ids, unit=unit, outcome__in=Upload.STORED_OUTCOMES)
    uploads = {u.submission_id: u for u in stored.select_related("account")}
    returns: dict[int, list[Return]] = {}
    for item in Return.objects.filter(unit=unit, submission_id__in=ids):
        returns.setdefault(item.submission_id, []).append(item)
    entries = []
    for sid in ids:
        rows = mine[mine["submission_id"] == sid]
        row = info.loc[sid]
        later = rows["superseded_by"].dropna().astype(int).tolist()
        entry = Entry(
            sid,
            str(row["period"]),
            str(row["file_name"]),
            str(row["ingested_at"]),
            dict(zip(rows["sheet"].tolist(), rows["n_rows"].astype(int).tolist(), strict=True)),
            current=bool(rows["superseded_by"].isna().any()),
            replaced=sorted(set(mine.loc[mine["superseded_by"] == sid, "submission_id"].astype(int).tolist())),
            replaced_by=sorted(set(later)),
            returns=returns.get(sid, []),
            received_at=row["received_at"] if isinstance(row.get("received_at"), str) else "",
        )
        upload = uploads.get(sid)
        if upload is not None:
            entry.who, entry.address = upload.account.username, upload.address or ""
            entry.explanation, entry.upload_key = upload.explanation, upload.key
            entry.stored_name = entry.file_name if entry.file_name != upload.file_name else ""
            entry.file_name = upload.file_name
        entries.append(entry)
    return entries
