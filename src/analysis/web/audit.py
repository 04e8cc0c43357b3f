"""The audit log: logins (and failed ones), logouts, uploads, returns, reminders, downloads and account changes."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For when WORKBOOK_WEB_PROXY says one is in
    front (its last entry: the address the proxy itself saw)."""
    if request is None:
        return None
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record(action: str, detail: str = "", *, request=None, account=None, username: str = "") -> None:
    from analysis.web.models import AuditEvent

    if account is None and request is not None and getattr(request, "user", None) is not None:
        account = request.user if request.user.is_authenticated else None
    AuditEvent.objects.create(
        account=account,
        username=username or (account.username if account is not None else ""),
        action=action,
        detail=detail[:2000],
        address=client_address(request),
    )


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    def logged_in(sender, request, user, **kwargs):
        record("登录", request=request, account=user)

    def logged_out(sender, request, user, **kwargs):
        if user is not None:
            record("退出", request=request, account=user)

    def login_failed(sender, credentials, request=None, **kwargs):
        record("登录失败", request=request, username=str(credentials.get("username", ""))[:150])

    user_logged_in.connect(logged_in, dispatch_uid="web-audit-login", weak=False)
    user_logged_out.connect(logged_out, dispatch_uid="web-audit-logout", weak=False)
    user_login_failed.connect(login_failed, dispatch_uid="web-audit-login-failed", weak=False)
