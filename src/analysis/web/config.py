"""Where the 报送平台 keeps its things, from the store location and the environment (no Django imports).

Accounts live with the store: beside a SQLite store in `<store>/accounts.sqlite`, and in the same database when
the store is a PostgreSQL URL. Private files (uploads, the generated secret key) live under `<store>/web/`, never
under a folder a web server publishes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from analysis import paths

ACCOUNTS_DB = "accounts.sqlite"
PRIVATE_DIR = "web"
POSTGRES_SCHEMES = ("postgresql", "postgres")
DEFAULT_UPLOAD_LIMIT_MB = 50
DEFAULT_JUMP_FACTOR = 2.0  # a month-over-month change beyond ×2 (or below ÷2) asks for a 上报说明


def store_location() -> str:
    """The store as given (--store sets WORKBOOK_STORE before Django starts): a folder or a database URL."""
    return os.environ.get(paths.STORE_ENV_VAR) or str(paths.DEFAULT_STORE_DIR)


def is_database_url(location: str) -> bool:
    return urlsplit(location).scheme in POSTGRES_SCHEMES


def private_dir(location: str) -> Path:
    """The service's own files: `<store>/web` for a folder store; WORKBOOK_WEB_DIR (or data/web) for a URL."""
    if is_database_url(location):
        return Path(os.environ.get("WORKBOOK_WEB_DIR") or paths.DATA_DIR / PRIVATE_DIR)
    return Path(location) / PRIVATE_DIR


def accounts_database(location: str) -> dict:
    """Django's DATABASES['default'] for the accounts of the store at `location`."""
    if not is_database_url(location):
        # WAL and IMMEDIATE transactions: several threads or workers record uploads and audit lines at once
        sqlite = {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(location) / ACCOUNTS_DB), "OPTIONS": sqlite}
    url = urlsplit(location)
    options: dict[str, str] = dict(part.split("=", 1) for part in url.query.split("&") if "=" in part)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(url.path.lstrip("/")),
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": unquote(url.hostname or options.pop("host", "")),
        "PORT": str(url.port or ""),
        "OPTIONS": options,
    }


def secret_key(location: str) -> str:
    """WORKBOOK_WEB_SECRET_KEY, else a key generated once and kept (mode 0600) with the service's files."""
    given = os.environ.get("WORKBOOK_WEB_SECRET_KEY")
    if given:
        return given
    path = private_dir(location) / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        return float(text) if text else default
    except ValueError:
        from analysis.errors import UserError

        raise UserError(f"环境变量 {name} 应为数字，现为“{text}”") from None


TIME_ZONE_ENV = "WORKBOOK_TIME_ZONE"
DEFAULT_TIME_ZONE = "Asia/Shanghai"


def local_time_zone() -> str:
    """The IANA name of the machine's local time zone (the clock of the store's times): $WORKBOOK_TIME_ZONE, else
    $TZ, else /etc/timezone or the /etc/localtime link, else Asia/Shanghai."""
    from zoneinfo import available_timezones

    known = available_timezones()
    candidates = [os.environ.get(TIME_ZONE_ENV, ""), os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8", errors="replace").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    return next((name for name in candidates if name in known), DEFAULT_TIME_ZONE)
