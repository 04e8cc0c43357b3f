"""What every page shares: the navigation, the role check, and the Chinese error pages."""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse
from django.shortcuts import render

from analysis.web.models import ROLE_ADMIN, ROLE_REVIEWER, ROLE_SUBMITTER
from analysis.web.scope import Area


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    if user.role == ROLE_SUBMITTER:
        items += [("upload", "上传报送"), ("uploads", "报送记录")]
    if user.role == ROLE_REVIEWER:
        items += [("status", "报送情况"), ("missing", "催报"), ("uploads", "报送记录")]
    if user.role in (ROLE_SUBMITTER, ROLE_REVIEWER):
        items += [("trail", "修改痕迹"), ("reports", "报告")]
    if user.role == ROLE_ADMIN:
        items += [("admin:index", "账号管理")]
    return {"nav": items, "account": user}


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
                return error_page(request, 403, "无权访问", "本账号的角色不能使用该页面。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


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
