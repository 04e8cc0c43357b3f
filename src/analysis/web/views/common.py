"""What every page shares: the navigation, the role check, and the Chinese error pages."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from analysis.web.models import ROLE_ADMIN, ROLE_REVIEWER, ROLE_SUBMITTER
from analysis.web.scope import Area

ROLE_PAGES = {
    ROLE_SUBMITTER: [("upload", "上传报送"), ("uploads", "报送记录"), ("trail", "修改痕迹"), ("reports", "报告")],
    ROLE_REVIEWER: [
        ("status", "报送情况"),
        ("missing", "催报"),
        ("uploads", "报送记录"),
        ("trail", "修改痕迹"),
        ("reports", "报告"),
    ],
    ROLE_ADMIN: [("admin:index", "账号管理")],
}
ROLE_WORDS = {ROLE_SUBMITTER: "本单位报送文件", ROLE_REVIEWER: "所辖单位的报送审核", ROLE_ADMIN: "账号管理"}


def navigation(request) -> dict:
    """The pages of the account's role, the current one marked (`nav`: (url, label, current))."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for name, label in ROLE_PAGES.get(user.role, []):
        url = _url(name)
        if url:
            items.append((url, label, request.path == url or (url != "/" and request.path.startswith(url))))
    return {"nav": items, "account": user}


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the admin is not mounted (a test site without it)
        return ""


def area_of(request) -> Area:
    return Area.of(request.user)


def error_page(request, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "web/error.html", {"title": title, "message": message}, status=status)


def role_required(*roles: str):
    """Only accounts of these roles (others: 403); anonymous users go to the login page."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                return wrong_role(request, roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def wrong_role(request, roles: tuple[str, ...]) -> HttpResponse:
    """403 for a page of other roles: whose page it is, what this account is, and where its own pages are."""
    whose = "、".join(f"“{role}”" for role in roles)
    mine = request.user.role
    message = (
        f"该页面供{whose}账号使用。本账号“{request.user.username}”是{request.user.region}的“{mine}”账号，"
        f"用于{ROLE_WORDS.get(mine, '')}，可以使用上方菜单中的页面。"
    )
    return error_page(request, 403, "无权访问该页面", message)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    return error_page(request, 403, "请求已过期", "页面已过期或来源不明（CSRF 校验未通过）；请刷新页面后重试。")


def locked_out(request, credentials=None, *args, **kwargs) -> HttpResponse:
    return error_page(
        request, 429, "登录已暂停", "登录失败次数过多，该账号在本机的登录已暂停 15 分钟；请稍后再试或联系管理员。"
    )


def not_found(request, exception=None) -> HttpResponse:
    return error_page(request, 404, "未找到", "没有该页面，或本账号无权查看。")


def forbidden(request, exception=None) -> HttpResponse:
    return error_page(request, 403, "无权访问", "本账号无权进行该操作。")


def server_error(request) -> HttpResponse:
    return error_page(request, 500, "服务器内部错误", "服务器处理请求时出错，已记录；请稍后重试或联系管理员。")


def bad_request(request, exception=None) -> HttpResponse:
    return error_page(request, 400, "请求无效", "请求无效；请返回上一页重试。")
