"""Starting Django for a command (`serve`, `accounts`): the store chosen, settings loaded, the accounts' tables
created or brought up to date."""

from __future__ import annotations

import os
from pathlib import Path

from analysis import paths
from analysis.errors import UserError

SETTINGS = "analysis.web.settings"


def start(store: str | None) -> None:
    """Point the service at `store` (else WORKBOOK_STORE, else data/store) and set Django up, once per process."""
    import django
    from django.apps import apps

    if store:
        os.environ[paths.STORE_ENV_VAR] = str(store)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    if apps.ready:
        return
    from analysis.web import config

    location = config.store_location()
    if not config.is_database_url(location):
        try:
            (config.private_dir(location)).mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as err:
            raise UserError(f"无法创建目录 {config.private_dir(location)}（{os.strerror(err.errno or 0)}）") from None
    django.setup()
    migrate()
    if not config.is_database_url(location):
        accounts = Path(location) / config.ACCOUNTS_DB
        if accounts.exists():
            accounts.chmod(0o600)  # password hashes and token digests: readable by the service's user only


def migrate() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        call_command("migrate", verbosity=0, interactive=False)
    except ImproperlyConfigured as err:  # a PostgreSQL URL without its driver, say
        raise UserError(f"无法使用账号数据库（{err}）；PostgreSQL 地址需要安装 psycopg") from None
    except DatabaseError as err:
        from django.conf import settings

        where = settings.DATABASES["default"]["NAME"]
        raise UserError(f"账号数据库 {where} 无法打开或写入（{err}）；请检查 --store 所指的目录或数据库") from None
