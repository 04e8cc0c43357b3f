"""Managing accounts (for `python -m analysis accounts` and the demo): add, list, disable, issue a token."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from analysis.errors import UserError
from analysis.web import audit, tokens
from analysis.web.models import ROLE_ADMIN, ROLES, Account
from analysis.web.scope import region_problem


def add(name: str, region: str, role: str, password: str, email: str = "") -> Account:
    if role not in ROLES:
        raise UserError(f"角色“{role}”无效，应为：{'、'.join(ROLES)}")
    problem = region_problem(region)
    if problem:
        raise UserError(problem)
    if not name or len(name) > 150:
        raise UserError("账号名称不能为空，且不超过 150 个字符")
    if Account.objects.filter(username=name).exists():
        raise UserError(f"账号“{name}”已存在")
    account = Account(username=name, region=region, role=role, email=email, is_staff=role == ROLE_ADMIN)
    with translation.override("zh-hans"):
        try:
            validate_password(password, account)
        except ValidationError as err:
            raise UserError("密码不符合要求：" + "；".join(err.messages)) from None
    account.set_password(password)
    with transaction.atomic():
        account.save()
        audit.record("新建账号", f"{name}（{region}，{role}）", account=account)
    return account


def listing() -> list[dict]:
    return [
        {
            "账号": a.username,
            "地区": a.region,
            "角色": a.role,
            "状态": "启用" if a.is_active else "已停用",
            "令牌": "有" if hasattr(a, "api_token") else "无",
            "最近登录": a.last_login.astimezone().strftime("%Y-%m-%d %H:%M") if a.last_login else "",
        }
        for a in Account.objects.order_by("region", "username").select_related("api_token")
    ]


def get(name: str) -> Account:
    account = Account.objects.filter(username=name).first()
    if account is None:
        raise UserError(f"没有名为“{name}”的账号（可用 accounts list 查看）")
    return account


def disable(name: str) -> Account:
    account = get(name)
    account.is_active = False
    account.save(update_fields=["is_active"])
    from analysis.web.models import ApiToken

    ApiToken.objects.filter(account=account).delete()
    audit.record("停用账号", name, account=account)
    return account


def new_token(name: str) -> str:
    account = get(name)
    if not account.is_active:
        raise UserError(f"账号“{name}”已停用，不能发放令牌")
    token = tokens.issue(account)
    audit.record("发放令牌", name, account=account)
    return token
