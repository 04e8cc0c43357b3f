"""Rendered reports by area: a list, and each file served through the service (never a public folder)."""

from __future__ import annotations

from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render

from analysis.web import audit, report_files, tokens
from analysis.web.models import ROLE_REVIEWER, ROLE_SUBMITTER
from analysis.web.scope import Area
from analysis.web.security import REPORT_CSP
from analysis.web.views.common import area_of, role_required


@role_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def report_list(request):
    period = request.GET.get("period", "").strip() or None
    records = report_files.visible(area_of(request), period)
    rows = [
        {
            **r,
            "kind_zh": report_files.KINDS.get(r["kind"], r["kind"]),
            "links": _links(r),
            "rendered": str(r.get("rendered_at") or "")[:16].replace("T", " "),
        }
        for r in sorted(records, key=lambda r: (r["period"], r["kind"]), reverse=True)
    ]
    return render(request, "web/reports.html", {"rows": rows, "period": period or ""})


def _links(record: dict) -> list[tuple[str, str]]:
    return [(report_files.url_of(record, fmt), label) for fmt, label in report_files.FORMATS if fmt in record["files"]]


def report_file(request, period: str, kind: str, region: str, fmt: str):
    """One report file, for a logged-in account or an API token (the links /api/reports gives)."""
    if request.META.get("HTTP_AUTHORIZATION"):
        account = tokens.account_for(request.META["HTTP_AUTHORIZATION"])
        if account is None:
            return JsonResponse(
                {"message": "缺少或无效的访问令牌"}, status=401, json_dumps_params={"ensure_ascii": False}
            )
        return _serve(request, account, period, kind, region, fmt)
    return _file_for_session(request, period, kind, region, fmt)


@role_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def _file_for_session(request, period: str, kind: str, region: str, fmt: str):
    return _serve(request, request.user, period, kind, region, fmt)


def _serve(request, account, period: str, kind: str, region: str, fmt: str):
    if account.role not in (ROLE_SUBMITTER, ROLE_REVIEWER):
        raise Http404
    path = report_files.find(Area.of(account), period, kind, region, fmt)
    if path is None:
        raise Http404
    what = f"报告：{period} {report_files.KINDS.get(kind, kind)} {region}.{fmt}"
    audit.record("下载", what, request=request, account=account)
    inline = fmt in ("html", "pdf")
    response = FileResponse(
        path.open("rb"),
        as_attachment=not inline,
        filename=f"{region}-{period}-{report_files.KINDS.get(kind, kind)}.{fmt}",
        content_type=report_files.CONTENT_TYPES[fmt],
    )
    response["Content-Security-Policy"] = REPORT_CSP
    return response
