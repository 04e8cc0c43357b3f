"""催报: a ready text for each unit not yet reporting, sent by e-mail only where an SMTP server is configured."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail

from analysis.periods import date_text, period_text


def reminder_text(unit: str, period: str, due: dt.date, bureau: str, today: dt.date, returned: bool = False) -> str:
    """The 催报 text for one unit (`returned`: its file was sent back and it has not sent a corrected one)."""
    late = today > due
    when = f"报送截止日期 {date_text(due)}{'已过' if late else ''}"
    if returned:
        return (
            f"{unit}：贵单位{period_text(period)}产业集群月调度数据已被退回，截至{date_text(today)}尚未重新报送"
            f"（{when}）。请按退回原因修改后登录报送平台重新上传；如有困难，请与{bureau}联系。"
        )
    return (
        f"{unit}：贵单位{period_text(period)}产业集群月调度数据截至{date_text(today)}尚未报送（{when}）。"
        f"请尽快登录报送平台上传本单位{period_text(period)}的填报文件；如有困难，请与{bureau}联系。"
    )


def bureau_name(region: str) -> str:
    """The body that speaks for the region (data/issuers.yml, as on its reports), else the region's name."""
    from analysis.errors import UserError
    from analysis.reports.content import issuer_of

    try:
        return issuer_of(region)
    except UserError:
        return region


def email_enabled() -> bool:
    return bool(settings.EMAIL_HOST)


def send(recipients: list[str], subject: str, text: str) -> int:
    """Send one reminder; the number of messages sent (0 without SMTP or recipients)."""
    if not email_enabled() or not recipients:
        return 0
    return send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
