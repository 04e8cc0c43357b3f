"""Django's admin for 管理 accounts: accounts of their region and below; uploads, returns, audit log read-only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from analysis.web.models import ROLE_ADMIN, Account, AuditEvent, Return, Upload
from analysis.web.scope import Area, region_problem


def _in_area(request, queryset, field: str = "region"):
    if request.user.is_superuser:
        return queryset
    area = Area.of(request.user)
    regions = {value for value in queryset.values_list(field, flat=True).distinct() if area.covers(value)}
    return queryset.filter(**{f"{field}__in": regions})


@admin.register(Account)
class AccountAdmin(UserAdmin):
    list_display = ("username", "region", "role", "email", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "region")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("地区与角色", {"fields": ("region", "role", "email", "is_active")}),
        ("登录", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "region", "role", "email", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        return _in_area(request, super().get_queryset(request))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def save_model(self, request, obj, form, change):
        problem = region_problem(obj.region)
        if problem or not (request.user.is_superuser or Area.of(request.user).covers(obj.region)):
            raise PermissionDenied(problem or "只能管理本地区及所辖地区的账号")
        obj.is_staff = obj.role == ROLE_ADMIN
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are disabled, never deleted: the audit log refers to them


class ReadOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Upload)
class UploadAdmin(ReadOnly):
    list_display = ("created_at", "unit", "period", "file_name", "outcome", "submission_id", "account", "address")

    def get_queryset(self, request):
        return _in_area(request, super().get_queryset(request), "unit")


@admin.register(Return)
class ReturnAdmin(ReadOnly):
    list_display = ("returned_at", "unit", "period", "submission_id", "reason", "returned_by", "answered_at")

    def get_queryset(self, request):
        return _in_area(request, super().get_queryset(request), "unit")


@admin.register(AuditEvent)
class AuditAdmin(ReadOnly):
    list_display = ("at", "username", "action", "detail", "address")
    list_filter = ("action",)

    def get_queryset(self, request):
        return _in_area(request, super().get_queryset(request).select_related("account"), "account__region")
