"""Receiving a file from a page or the API: sniff it, keep its bytes privately, run it through the intake, record
the Upload, answer an open 退回, write the audit line. The user's file name is shown, never used as a path."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analysis.errors import UserError
from analysis.periods import parse_month
from analysis.submissions import contract
from analysis.web import audit, intake
from analysis.web.models import Return, Upload, new_key
from analysis.web.sniff import sniff

STORED = Upload.STORED_OUTCOMES
NAME_LIMIT = 200


def uploads_dir() -> Path:
    return Path(settings.PRIVATE_DIR) / "uploads"


def receive(account, uploaded, period_text: str, *, dry_run: bool, explanation: str, request, via_api: bool) -> Upload:
    """Check (and unless `dry_run`, store) an uploaded file for the account's unit; the Upload records what became
    of it. UserError: the period cannot be read (nothing is recorded)."""
    received_at = intake.local_now()  # when the request came in, before any wait for the store's lock
    period = parse_month(period_text.strip(), "填报期") if period_text and period_text.strip() else None
    if period is None:
        raise UserError("请填写填报期（年月，如 2025-09）")
    shown = _shown_name(uploaded.name)
    data = uploaded.read(settings.UPLOAD_LIMIT_BYTES + 1)
    upload = Upload(
        key=new_key(),
        account=account,
        unit=account.region,
        period=period,
        file_name=shown,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        dry_run=dry_run,
        explanation=explanation.strip(),
        address=audit.client_address(request),
        via_api=via_api,
    )
    refusal = _refusal(data, shown, upload)
    if refusal is not None:
        return _finish(upload, intake.Verdict("rejected", period, [refusal]), request)
    path = _keep(upload, data)
    verdict = intake.process(
        path, upload.unit, period, shown, commit=not dry_run, explanation=upload.explanation, received_at=received_at
    )
    return _finish(upload, verdict, request)


def confirm(upload: Upload, explanation: str, request) -> Upload:
    """Store a file that waited for its 上报说明 (the same bytes, checked again against the store as it is now). It
    counts as received now: a file that waits for its explanation has not been submitted yet."""
    if upload.outcome != Upload.NEEDS_EXPLANATION:
        raise UserError("该文件不在等待上报说明的状态")
    if not explanation.strip():
        raise UserError("请填写上报说明：说明上述数据变化的原因")
    upload.explanation = explanation.strip()
    path = stored_path(upload)
    verdict = intake.process(
        path,
        upload.unit,
        upload.period,
        upload.file_name,
        commit=True,
        explanation=explanation,
        received_at=intake.local_now(),
    )
    return _finish(upload, verdict, request)


def submit_checked(checked: Upload, request) -> Upload:
    """Submit the file of a passed dry run (检查但不提交) without choosing it again: a new Upload of the same bytes,
    checked again against the store as it is now and received now; the dry run's record stays as it was."""
    if not (checked.dry_run and checked.outcome == Upload.CHECKED):
        raise UserError("只有检查通过（未提交）的文件可以直接提交")
    upload = Upload(
        key=new_key(),
        account=request.user,
        unit=checked.unit,
        period=checked.period,
        file_name=checked.file_name,
        kind=checked.kind,
        sheet=checked.sheet,
        sha256=checked.sha256,
        size=checked.size,
        address=audit.client_address(request),
    )
    path = _keep(upload, stored_path(checked).read_bytes())
    received_at = intake.local_now()
    verdict = intake.process(path, upload.unit, upload.period, upload.file_name, commit=True, received_at=received_at)
    return _finish(upload, verdict, request)


def stored_path(upload: Upload) -> Path:
    return uploads_dir() / upload.key / intake.stored_name(upload.unit, upload.period, upload.kind, upload.sheet)


def _shown_name(name: str | None) -> str:
    """The user's file name, only to show: its last component, without control characters, bounded."""
    base = (name or "未命名").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch if ch.isprintable() else "?" for ch in base).strip() or "未命名"
    return base[-NAME_LIMIT:]


def _refusal(data: bytes, shown: str, upload: Upload) -> dict | None:
    """A problem of the file as a whole (too large, not a spreadsheet, a CSV whose sheet cannot be told), or None."""
    if len(data) > settings.UPLOAD_LIMIT_BYTES:
        return _whole(shown, f"文件超过大小上限（{settings.UPLOAD_LIMIT_BYTES // 1024 // 1024} MB），未接收")
    try:
        upload.kind = sniff(data, shown)
    except UserError as err:
        upload.kind = "unknown"
        return _whole(shown, str(err).removeprefix(f"{shown}："))
    if upload.kind == "csv":
        sheet = contract.sheet_for_file_stem(Path(shown).stem)
        if sheet is None:
            names = "、".join(s.name for s in contract.SHEETS)
            return _whole(shown, f"CSV 文件只含一张表，文件名须以表名结尾（{names}），如“新乐市-2025-09-企业名录.csv”")
        upload.sheet = sheet.name
    return None


def _whole(shown: str, reason: str) -> dict:
    return {"file": shown, "sheet": None, "row": None, "column": None, "value": None, "reason": reason}


def _keep(upload: Upload, data: bytes) -> Path:
    path = stored_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def _finish(upload: Upload, verdict: intake.Verdict, request) -> Upload:
    upload.outcome = verdict.outcome
    upload.problems, upload.warnings, upload.notes = verdict.problems, verdict.warnings, verdict.notes
    upload.rows, upload.superseded = verdict.rows, verdict.superseded
    upload.submission_id = verdict.submission_id
    if verdict.period:
        upload.period = verdict.period
    with transaction.atomic():
        upload.save()
        if upload.outcome in STORED:
            Return.objects.filter(unit=upload.unit, period=upload.period, answered_by=None).update(
                answered_by=upload, answered_at=timezone.now()
            )
        audit.record("检查" if upload.dry_run else "上传", _audit_text(upload), request=request, account=upload.account)
    return upload


def _audit_text(upload: Upload) -> str:
    sid = f"，报送号 {upload.submission_id}" if upload.submission_id else ""
    return (
        f"{upload.unit} {upload.period} {upload.file_name}（SHA-256 {upload.sha256[:12]}…）：{upload.outcome_text}{sid}"
    )


def marked_copy(upload: Upload) -> Path | None:
    """The unit's file with its problem cells marked (made once, kept beside the upload); None when no problem
    names a cell of the file (an unreadable file, say)."""
    from analysis.submissions.marked_copy import write_marked_copy

    if upload.outcome != Upload.REJECTED or not any(p.get("sheet") for p in upload.problems):
        return None
    out = uploads_dir() / upload.key / "marked.xlsx"
    if not out.exists():
        write_marked_copy(stored_path(upload), upload.kind, upload.problems, out)
    return out
