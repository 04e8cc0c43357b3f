"""The 报送平台's URLs."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import path

from analysis.web.views import api, bureau, pages, reports

admin.site.site_header = admin.site.site_title = "报送平台 · 账号管理"
admin.site.index_title = "账号与记录"

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", pages.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("upload/", pages.upload, name="upload"),
    path("uploads/", pages.upload_list, name="uploads"),
    path("uploads/<str:key>/", pages.upload_detail, name="upload-detail"),
    path("uploads/<str:key>/confirm/", pages.confirm, name="upload-confirm"),
    path("uploads/<str:key>/submit/", pages.submit_checked, name="upload-submit"),
    path("uploads/<str:key>/marked.xlsx", pages.marked_copy, name="upload-marked"),
    path("status/", bureau.status, name="status"),
    path("missing/", bureau.missing, name="missing"),
    path("trail/", bureau.unit_trail, name="trail"),
    path("returns/", bureau.make_return, name="return"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<str:period>/<str:kind>/<str:region>.<str:fmt>", reports.report_file, name="report-file"),
    path("api/submissions", api.submissions, name="api-submissions"),
    path("api/submissions/<str:key>", api.upload_receipt, name="api-receipt"),
    path("api/status", api.status, name="api-status"),
    path("api/reports", api.reports, name="api-reports"),
    path("admin/", admin.site.urls),
    path("favicon.ico", lambda request: HttpResponse(status=204)),  # no icon; not a 404 in every log
]

handler400 = "analysis.web.views.common.bad_request"
handler403 = "analysis.web.views.common.forbidden"
handler404 = "analysis.web.views.common.not_found"
handler500 = "analysis.web.views.common.server_error"
