"""What the 报送平台 keeps beside the store: accounts, API tokens, uploads, returns and the audit log.

The store keeps the submissions themselves; an Upload links an accepted file's 报送号 to who sent it, from where,
and with which 上报说明. Every id that appears in a URL is random (`new_key`), and is checked against the
account's area anyway.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models

ROLE_SUBMITTER, ROLE_REVIEWER, ROLE_ADMIN = "填报", "审核", "管理"
ROLES = (ROLE_SUBMITTER, ROLE_REVIEWER, ROLE_ADMIN)


def new_key() -> str:
    """An id for a URL that cannot be guessed (128 random bits)."""
    return secrets.token_urlsafe(16)


class Account(AbstractUser):
    """A person's account: one region of the registry and one role (disabled: is_active False)."""

    region = models.CharField("地区", max_length=64)
    role = models.CharField("角色", max_length=4, choices=[(r, r) for r in ROLES])
    email_for_reminders = models.EmailField("催报邮箱", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账号"


class ApiToken(models.Model):
    """An account's API token, kept as its SHA-256 only (a new token replaces the old one)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="api_token")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Return(models.Model):
    """A submission sent back (退回) to its unit with a reason; open until the unit sends a corrected file."""

    key = models.CharField(primary_key=True, max_length=32, default=new_key, editable=False)
    unit = models.CharField("单位", max_length=64, db_index=True)
    period = models.CharField("填报期", max_length=7)
    submission_id = models.IntegerField("报送号")
    reason = models.TextField("退回原因")
    returned_by = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="returns_made", verbose_name="退回人"
    )
    returned_at = models.DateTimeField("退回时间", auto_now_add=True)
    answered_by = models.ForeignKey(
        "Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="重新报送"
    )
    answered_at = models.DateTimeField("重新报送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "退回"
        ordering = ["-returned_at"]

    @property
    def is_open(self) -> bool:
        return self.answered_by_id is None


class Upload(models.Model):
    """One file sent through the service (page or API), whatever became of it."""

    CHECKED, REJECTED, NEEDS_EXPLANATION = "checked", "rejected", "needs_explanation"
    STORED_OUTCOMES = ("added", "correction", "restored")  # the upload wrote the submission it names
    OUTCOMES = {
        "added": "已入库",
        "correction": "已入库（更正）",
        "restored": "已入库（恢复）",
        "duplicate": "重复，未重复入库",
        CHECKED: "检查通过（未提交）",
        REJECTED: "未通过，未入库",
        NEEDS_EXPLANATION: "待填写上报说明",
    }

    key = models.CharField(primary_key=True, max_length=32, default=new_key, editable=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="uploads", verbose_name="账号")
    unit = models.CharField("单位", max_length=64, db_index=True)
    period = models.CharField("填报期", max_length=7)
    file_name = models.CharField("文件名", max_length=255)  # as sent, shown only; never a path
    kind = models.CharField(max_length=8)  # xlsx | xlsm | xls | csv, from the content
    sheet = models.CharField(max_length=16, blank=True)  # the sheet a CSV holds
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    dry_run = models.BooleanField(default=False)
    outcome = models.CharField("结果", max_length=20, choices=list(OUTCOMES.items()))
    problems = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    notes = models.JSONField(default=list)
    explanation = models.TextField("上报说明", blank=True)
    submission_id = models.IntegerField("报送号", null=True, blank=True, db_index=True)
    rows = models.JSONField(default=dict)
    superseded = models.JSONField(default=list)
    address = models.GenericIPAddressField("地址", null=True)
    via_api = models.BooleanField("经接口", default=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "上传记录"
        ordering = ["-created_at"]

    @property
    def outcome_text(self) -> str:
        return self.OUTCOMES.get(self.outcome, self.outcome)

    @property
    def accepted(self) -> bool:
        return self.outcome in ("added", "correction", "restored", "duplicate")


class AuditEvent(models.Model):
    """Who did what, when, from where: logins, uploads, returns, reminders, downloads, account changes."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="账号")
    username = models.CharField("账号名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=16)
    detail = models.TextField("内容", blank=True)
    address = models.GenericIPAddressField("地址", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at"]
