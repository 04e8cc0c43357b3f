"""The HTTP API for units' own systems: Bearer tokens, JSON, errors with a Chinese `message` (docs/intake.md)."""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from analysis.errors import UserError
from analysis.periods import parse_month
from analysis.web import intake, report_files, reporting, tokens, uploads
from analysis.web.models import ROLE_REVIEWER, ROLE_SUBMITTER, Return, Upload
from analysis.web.scope import Area

CREATED = ("added", "correction", "restored")


def _error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"message": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="workbook"'
    return response


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def token_required(*roles: str):
    """Bearer token only (no session: the API needs no CSRF token and a browser's cookies grant nothing here)."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            account = tokens.account_for(request.META.get("HTTP_AUTHORIZATION", ""))
            if account is None:
                return _error(401, "缺少或无效的访问令牌：请在请求头中给出 Authorization: Bearer 令牌")
            if account.role not in roles:
                return _error(403, f"“{account.role}”账号不能调用该接口")
            request.account = account
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _period(request, required: bool = True) -> str | None:
    text = (request.GET.get("period") or "").strip()
    if not text:
        if required:
            raise UserError("请给出 period 参数（年月，如 2025-09）")
        return None
    return parse_month(text, "period")


@token_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def submissions(request):
    try:
        if request.method == "POST":
            return _submit(request)
        if request.method != "GET":
            return _error(405, "只支持 GET 和 POST")
        return _list(request, _period(request, required=False))
    except UserError as err:
        return _error(400, str(err))


def _submit(request) -> JsonResponse:
    if request.account.role != ROLE_SUBMITTER:
        return _error(403, "只有“填报”账号可以报送文件")
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _error(400, "缺少文件：请以 multipart/form-data 的 file 字段上传")
    item = uploads.receive(
        request.account,
        uploaded,
        request.POST.get("period", ""),
        dry_run=request.POST.get("dry_run", "") in ("1", "true", "yes"),
        explanation=request.POST.get("explanation", ""),
        request=request,
        via_api=True,
    )
    body = receipt(item)
    if item.outcome == Upload.REJECTED:
        return _json({**body, "message": "文件未通过检查，未入库"}, 422)
    if item.outcome == Upload.NEEDS_EXPLANATION:
        return _json({**body, "message": "数据变化超出设定范围：请在 explanation 字段给出上报说明后重新提交"}, 422)
    return _json(body, 201 if item.outcome in CREATED else 200)


def receipt(item: Upload) -> dict:
    return {
        "upload": item.key,
        "status": item.outcome,
        "message": item.outcome_text,
        "submission_id": item.submission_id,
        "unit": item.unit,
        "period": item.period,
        "file": item.file_name,
        "sha256": item.sha256,
        "rows": item.rows,
        "superseded": item.superseded,
        "dry_run": item.dry_run,
        "warnings": item.warnings,
        "notes": item.notes,
        "problems": item.problems,
        "explanation": item.explanation,
        "received_at": timezone.localtime(item.created_at).isoformat(timespec="seconds"),
    }


def _list(request, period: str | None) -> JsonResponse:
    area = Area.of(request.account)
    parts = intake.parts()
    parts = parts[parts["unit"].map(area.covers)] if not parts.empty else parts
    if period:
        parts = parts[parts["period"] == period]
    info = intake.submissions().set_index("id")
    stored = Upload.objects.filter(submission_id__in=set(parts["submission_id"]), outcome__in=Upload.STORED_OUTCOMES)
    uploads_by_id = {u.submission_id: u for u in stored}
    out = []
    for key, rows in parts.groupby(["submission_id", "unit"], sort=True):
        sid, unit = int(key[0]), str(key[1])  # type: ignore[call-overload]
        row = info.loc[sid]
        upload = uploads_by_id.get(sid)
        out.append(
            {
                "submission_id": int(sid),
                "unit": unit,
                "period": str(row["period"]),
                "file": upload.file_name if upload else str(row["file_name"]),
                "sha256": str(row["sha256"]),
                "stored_at": str(row["ingested_at"]),
                "received_at": row["received_at"] if isinstance(row["received_at"], str) else None,
                "current": bool(rows["superseded_by"].isna().any()),
                "rows": dict(zip(rows["sheet"].tolist(), rows["n_rows"].astype(int).tolist(), strict=True)),
            }
        )
    return _json({"period": period, "submissions": out})


@token_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def upload_receipt(request, key: str):
    item = Upload.objects.filter(key=key).first()
    if item is None or not Area.of(request.account).covers(item.unit):
        return _error(404, "没有该报送记录，或本账号无权查看")
    return _json(receipt(item))


@token_required(ROLE_REVIEWER)
def status(request):
    try:
        period = _period(request) or ""
    except UserError as err:
        return _error(400, str(err))
    area = Area.of(request.account)
    units = area.units
    opened: dict[tuple[str, str], bool] = {}
    for item in Return.objects.filter(unit__in=units, period=period):
        opened[(item.unit, item.period)] = opened.get((item.unit, item.period), False) or item.is_open
    now = timezone.localtime().replace(tzinfo=None)
    cells = reporting.matrix(units, [period], intake.parts(), intake.submissions(), opened, now)
    rate = reporting.rates(cells, units, [period])[0]
    return _json(
        {
            "region": area.region,
            "period": period,
            "deadline": rate.deadline.isoformat(),
            "expected": rate.expected,
            "submitted": rate.submitted,
            "on_time": rate.on_time,
            "time_unknown": rate.untimed,
            "submitted_rate": rate.submitted_pct,
            "on_time_rate": rate.on_time_pct,
            "units": [
                {
                    "unit": u,
                    "state": cells[(u, period)].state,
                    "first_stored_at": cells[(u, period)].first_at or None,
                    "first_received_at": cells[(u, period)].received_at or None,
                }
                for u in units
            ],
        }
    )


@token_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def reports(request):
    try:
        period = _period(request, required=False)
    except UserError as err:
        return _error(400, str(err))
    records = report_files.visible(Area.of(request.account), period)
    out = [
        {
            "period": r["period"],
            "kind": r["kind"],
            "region": r["region"],
            "files": {fmt: request.build_absolute_uri(report_files.url_of(r, fmt)) for fmt in r["files"]},
        }
        for r in records
    ]
    return _json({"period": period, "reports": out})
