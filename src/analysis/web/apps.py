"""The Django application of the 报送平台."""

from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "analysis.web"
    label = "web"
    verbose_name = "报送平台"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from analysis.web import audit

        audit.connect_signals()
