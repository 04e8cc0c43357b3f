"""A bureau's pages: 报送情况 (units × months), 催报, 退回 and the change trail (the trail also for a unit)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from analysis.batch.schedule import deadline
from analysis.errors import UserError
from analysis.periods import parse_month
from analysis.web import audit, intake, reminders, reporting, trail
from analysis.web.forms import ReturnForm
from analysis.web.models import ROLE_REVIEWER, ROLE_SUBMITTER, Account, Return
from analysis.web.views.common import area_of, error_page, role_required

MONTHS_SHOWN = 6


def _month_arg(request, name: str = "period") -> str:
    text = request.GET.get(name, "").strip()
    if not text:
        return reporting.collecting_period()
    try:
        return parse_month(text, "填报期")
    except UserError:
        return reporting.collecting_period()


def _returns(units: list[str]) -> dict[tuple[str, str], bool]:
    out: dict[tuple[str, str], bool] = {}
    for item in Return.objects.filter(unit__in=units):
        out[(item.unit, item.period)] = out.get((item.unit, item.period), False) or item.is_open
    return out


def _now():
    return timezone.localtime().replace(tzinfo=None)


def bureau_cells(area, months: list[str]):
    units = area.units
    return units, reporting.matrix(units, months, intake.parts(), intake.submissions(), _returns(units), _now())


@role_required(ROLE_REVIEWER)
def status(request):
    area = area_of(request)
    end = _month_arg(request, "end")
    months = reporting.months_ending(end, MONTHS_SHOWN)
    units, cells = bureau_cells(area, months)
    rows = [(unit, [cells[(unit, m)] for m in months]) for unit in units]
    rates = reporting.rates(cells, units, months, timezone.localdate())
    collecting = reporting.collecting_period()
    context = {
        "months": months,
        "rows": rows,
        "rates": rates,
        "end": end,
        "earlier": reporting.next_period(end, -MONTHS_SHOWN),
        "later": min(reporting.next_period(end, MONTHS_SHOWN), collecting) if end < collecting else "",
        "region": area.region,
        "legend": [(s, css, reporting.STATE_MEANING[s]) for s, css in reporting.STATE_CLASS.items()],
        "untimed": any(r.untimed for r in rates),
    }
    return render(request, "web/status.html", context)


@role_required(ROLE_REVIEWER)
@require_http_methods(["GET", "POST"])
def missing(request):
    area = area_of(request)
    period = _month_arg(request)
    units, cells = bureau_cells(area, [period])
    due = deadline(period)
    today = timezone.localdate()
    late = reporting.missing_units(cells, units, period)
    bureau = reminders.bureau_name(area.region)
    texts = [
        (
            unit,
            reminders.reminder_text(
                unit, period, due, bureau, today, cells[(unit, period)].state == reporting.RETURNED
            ),
        )
        for unit in late
    ]
    if request.method == "POST":
        if not reminders.email_enabled():
            messages.info(request, "本平台未开通邮件发送，未发送任何邮件；请复制催报文字通知各单位")
        else:
            sent = _send_reminders(request, texts, period)
            messages.info(request, f"已发送催报邮件 {sent} 封" if sent else "各未报单位的填报账号均未登记邮箱，未发送")
        return redirect(request.path + "?" + urlencode({"period": period}))
    context = {
        "period": period,
        "deadline": due,
        "days_left": (due - today).days,
        "days_late": (today - due).days,
        "earlier": reporting.next_period(period, -1),
        "later": reporting.next_period(period, 1) if period < reporting.collecting_period() else "",
        "texts": texts,
        "expected": len(units),
        "email": reminders.email_enabled(),
        "all_text": "\n".join(text for _, text in texts),
    }
    return render(request, "web/missing.html", context)


def _send_reminders(request, texts: list[tuple[str, str]], period: str) -> int:
    sent = 0
    for unit, text in texts:
        emails = list(
            Account.objects.filter(region=unit, role=ROLE_SUBMITTER, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        sent += reminders.send(emails, f"催报：{unit} {period} 月调度数据", text)
    audit.record("催报", f"{period}：{len(texts)} 个单位，发送邮件 {sent} 封", request=request)
    return sent


TRAIL_MONTHS = 12  # the trail shows the unit's latest so many periods unless a period (or 全部) is asked for
EVERYTHING = ("全部", "all")


@role_required(ROLE_SUBMITTER, ROLE_REVIEWER)
def unit_trail(request):
    area = area_of(request)
    unit = request.GET.get("unit", "").strip() or area.region
    if not area.covers(unit):
        raise Http404
    period, recent, problem = _trail_window(request.GET.get("period", ""))
    entries = trail.trail(unit, intake.parts(), intake.submissions(), period, recent)
    context = {
        "unit": unit,
        "period": request.GET.get("period", "").strip() if not problem else "",
        "recent": recent,
        "more": recent and len({e.period for e in entries}) >= recent,
        "problem": problem,
        "entries": entries,
        "can_return": request.user.role == ROLE_REVIEWER and unit != area.region,
        "return_form": ReturnForm(),
        "units": area.units if request.user.role == ROLE_REVIEWER else [],
    }
    return render(request, "web/trail.html", context)


def _trail_window(text: str) -> tuple[str | None, int | None, str]:
    """(period, recent, problem) from ?period=: a month or a year; 全部 for everything; empty for the unit's latest
    TRAIL_MONTHS periods; anything else: the latest periods, and a line saying why."""
    text = text.strip()
    recent = TRAIL_MONTHS
    if text.lower() in EVERYTHING:
        return None, None, ""
    if not text:
        return None, recent, ""
    if len(text) == 4 and text.isdigit():
        return text, None, ""
    try:
        return parse_month(text, "填报期"), None, ""
    except UserError as err:
        return None, recent, str(err)


@role_required(ROLE_REVIEWER)
@require_http_methods(["POST"])
def make_return(request):
    area = area_of(request)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return error_page(request, 400, "请填写退回原因", "退回时须写明原因，单位将在其页面上看到。")
    sid = form.cleaned_data["submission_id"]
    parts = intake.parts()
    # the current parts of a unit's own report: the targets a level above issued are not the unit's to answer for
    mine = parts[
        (parts["submission_id"] == sid) & parts["superseded_by"].isna() & ~parts["sheet"].isin(intake.ISSUED_SHEETS)
    ]
    units = [u for u in dict.fromkeys(mine["unit"].tolist()) if area.covers(u) and u != area.region]
    if not units:
        raise Http404  # not a current submission of the bureau's units: as if it did not exist
    period = str(mine["period"].iloc[0])
    trail_url = reverse("trail") + "?" + urlencode({"unit": units[0], "period": period})
    if Return.objects.filter(submission_id=sid, unit__in=units, answered_by=None).exists():
        messages.info(request, f"第 {sid} 号报送已退回，正等待单位重新报送，未再次退回")
        return redirect(trail_url)
    for unit in units:
        Return.objects.create(
            unit=unit, period=period, submission_id=sid, reason=form.cleaned_data["reason"], returned_by=request.user
        )
    audit.record(
        "退回", f"第 {sid} 号报送（{'、'.join(units)} {period}）：{form.cleaned_data['reason']}", request=request
    )
    messages.info(request, f"已退回第 {sid} 号报送（{'、'.join(units)} {period}），单位将看到退回原因")
    return redirect(trail_url)
