"""A unit's pages: home (its months, open returns), upload with instant validation, results, the marked copy."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import views as auth_views
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from analysis.batch.schedule import deadline
from analysis.errors import UserError
from analysis.periods import parse_month
from analysis.web import audit, intake, reporting, uploads
from analysis.web.forms import ExplanationForm, UploadForm
from analysis.web.models import ROLE_ADMIN, ROLE_REVIEWER, ROLE_SUBMITTER, Return, Upload
from analysis.web.security import limit_text
from analysis.web.views.common import area_of, error_page, role_required


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from django.conf import settings

        return {**super().get_context_data(**kwargs), "failure_limit": settings.AXES_FAILURE_LIMIT}


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.role == ROLE_REVIEWER:
        return redirect("status")
    if request.user.role == ROLE_ADMIN:
        return redirect("admin:index")
    return redirect("upload")


@role_required(ROLE_SUBMITTER)
@require_http_methods(["GET", "POST"])
def upload(request):
    area = area_of(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                done = uploads.receive(
                    request.user,
                    form.cleaned_data["file"],
                    form.cleaned_data["period"],
                    dry_run=request.POST.get("action") == "check",
                    explanation=form.cleaned_data["explanation"],
                    request=request,
                    via_api=False,
                )
            except UserError as err:
                form.add_error("period", str(err))
            else:
                return redirect("upload-detail", key=done.key)
    else:
        form = UploadForm(initial={"period": _preset_period(area.region, request.GET.get("period", ""))})
    collecting = reporting.collecting_period()
    months = reporting.months_ending(collecting, 6)
    returns = _returns_of(area.region)
    months = sorted({*months, *(period for (_, period), is_open in returns.items() if is_open)})
    cells = reporting.matrix(
        [area.region], months, intake.parts(), intake.submissions(), returns, timezone.localtime().replace(tzinfo=None)
    )
    due = deadline(collecting)
    context = {
        "form": form,
        "unit": area.region,
        "limit": limit_text(),
        "collecting": collecting,
        "collecting_due": due,
        "collecting_days_left": (due - timezone.localdate()).days,
        "months": [cells[(area.region, m)] for m in months],
        "legend": [(s, css, reporting.STATE_MEANING[s]) for s, css in reporting.STATE_CLASS.items()],
        "open_returns": Return.objects.filter(unit=area.region, answered_by=None).select_related("returned_by"),
        "recent": Upload.objects.filter(unit=area.region)[:5],
    }
    return render(request, "web/upload.html", context)


def _preset_period(unit: str, asked: str = "") -> str:
    """The month asked for (?period=, from a result page's 重新上传), else the month of the unit's oldest open 退回
    (it owes a corrected file), else the month being collected."""
    try:
        if asked.strip():
            return parse_month(asked.strip(), "填报期")
    except UserError:
        pass
    owed = Return.objects.filter(unit=unit, answered_by=None).order_by("period").values_list("period", flat=True)
    return owed.first() or reporting.collecting_period()


def _returns_of(unit: str) -> dict[tuple[str, str], bool]:
    out: dict[tuple[str, str], bool] = {}
    for item in Return.objects.filter(unit=unit):
        out[(item.unit, item.period)] = out.get((item.unit, item.period), False) or item.is_open
    return out


def visible_upload(request, key: str) -> Upload:
    """The upload with this key, if the account's area covers its unit (a 404 otherwise: nothing is revealed)."""
    found = Upload.objects.select_related("account").filter(key=key).first()
    if found is None or not area_of(request).covers(found.unit):
        raise Http404
    return found


@role_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def upload_detail(request, key: str):
    item = visible_upload(request, key)
    context = {
        "upload": item,
        "lines": [intake.problem_line(p) for p in item.problems],
        "explain_form": ExplanationForm(),
        "can_confirm": item.outcome == Upload.NEEDS_EXPLANATION and request.user.role == ROLE_SUBMITTER,
        "can_submit": item.dry_run and item.outcome == Upload.CHECKED and request.user.role == ROLE_SUBMITTER,
        "is_submitter": request.user.role == ROLE_SUBMITTER,
        "has_marked": item.outcome == Upload.REJECTED and any(p.get("sheet") for p in item.problems),
        "answered": Return.objects.filter(answered_by=item),
    }
    return render(request, "web/upload_detail.html", context)


@role_required(ROLE_SUBMITTER)
@require_http_methods(["POST"])
def confirm(request, key: str):
    item = visible_upload(request, key)
    form = ExplanationForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, "请填写上报说明", "提交前须填写上报说明，说明数据变化的原因。")
    try:
        uploads.confirm(item, form.cleaned_data["explanation"], request)
    except UserError as err:
        return error_page(request, 400, "无法提交", str(err))
    return redirect("upload-detail", key=item.key)


@role_required(ROLE_SUBMITTER)
@require_http_methods(["POST"])
def submit_checked(request, key: str):
    """提交此文件: the file of a passed dry run, submitted without choosing it again."""
    item = visible_upload(request, key)
    try:
        done = uploads.submit_checked(item, request)
    except UserError as err:
        return error_page(request, 400, "无法提交", str(err))
    return redirect("upload-detail", key=done.key)


@role_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def marked_copy(request, key: str):
    item = visible_upload(request, key)
    path = uploads.marked_copy(item)
    if path is None:
        raise Http404
    audit.record("下载", f"问题标注文件：{item.unit} {item.period} {item.file_name}", request=request)
    name = f"{Path(item.file_name).stem}-问题标注.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@role_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def upload_list(request):
    area = area_of(request)
    period = request.GET.get("period", "").strip()
    items = Upload.objects.select_related("account").filter(unit__in=_covered_units(area))
    if period:
        items = items.filter(period=period)
    return render(request, "web/uploads.html", {"uploads": items[:500], "period": period})


def _covered_units(area) -> list[str]:
    names = set(Upload.objects.values_list("unit", flat=True).distinct())
    return [name for name in names if area.covers(name)]
