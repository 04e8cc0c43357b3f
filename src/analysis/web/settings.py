"""Django settings of the 报送平台, all from the store location and WORKBOOK_* environment variables.

See docs/intake.md for every variable. Nothing here is secret: the key comes from WORKBOOK_WEB_SECRET_KEY or a file
generated beside the store.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from analysis import paths
from analysis.web import config

STORE_LOCATION = config.store_location()
PRIVATE_DIR = config.private_dir(STORE_LOCATION)
REPORTS_DIR = Path(os.environ.get("WORKBOOK_REPORTS") or paths.REPORTS_DIR)

SECRET_KEY = config.secret_key(STORE_LOCATION)
DEBUG = config.env_flag("WORKBOOK_WEB_DEBUG")
ALLOWED_HOSTS = config.env_list("WORKBOOK_WEB_HOSTS", "127.0.0.1,localhost,[::1]")
HTTPS = config.env_flag("WORKBOOK_WEB_HTTPS")  # behind a reverse proxy that terminates TLS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "analysis.web.apps.WebConfig",
]

MIDDLEWARE = [
    "analysis.web.security.UploadLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "analysis.web.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "analysis.web.urls"
WSGI_APPLICATION = "analysis.web.wsgi.application"
AUTH_USER_MODEL = "web.Account"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "analysis.web.views.common.navigation",
            ]
        },
    }
]

DATABASES = {"default": config.accounts_database(STORE_LOCATION)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
# The store keeps times in the machine's local time (receipts, 入库); the pages show every time in that same clock,
# so a 退回 made after a file was stored never reads as earlier (a UTC machine showed 入库 14:10 beside 退回 22:55).
TIME_ZONE = config.local_time_zone()
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
WHITENOISE_USE_FINDERS = True  # static files come from the package; no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

# --- sessions, cookies, CSRF
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_AGE = 8 * 3600  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = HTTPS
CSRF_TRUSTED_ORIGINS = config.env_list("WORKBOOK_WEB_ORIGINS", "")
CSRF_FAILURE_VIEW = "analysis.web.views.common.csrf_failure"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- passwords: Django's PBKDF2 hashing, and what a password must be
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- login throttling (django-axes): 5 failures per account and address lock it for 15 minutes
AXES_FAILURE_LIMIT = int(config.env_number("WORKBOOK_LOGIN_FAILURES", 5))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "analysis.web.views.common.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if config.env_flag("WORKBOOK_WEB_PROXY") else 0

# --- uploads
UPLOAD_LIMIT_BYTES = int(config.env_number("WORKBOOK_UPLOAD_LIMIT_MB", config.DEFAULT_UPLOAD_LIMIT_MB) * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # form fields other than the file
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # larger files spool to a temporary file
FILE_UPLOAD_PERMISSIONS = 0o600
JUMP_FACTOR = config.env_number("WORKBOOK_JUMP_FACTOR", config.DEFAULT_JUMP_FACTOR)
JUMP_FLOOR = config.env_number("WORKBOOK_JUMP_FLOOR", 10.0)  # smaller figures on both sides never warn
BEHIND_PROXY = config.env_flag("WORKBOOK_WEB_PROXY")  # take the client's address from X-Forwarded-For

# --- e-mail for 催报: only when an SMTP server is configured
EMAIL_HOST = os.environ.get("WORKBOOK_SMTP_HOST", "")
EMAIL_PORT = int(config.env_number("WORKBOOK_SMTP_PORT", 25))
EMAIL_HOST_USER = os.environ.get("WORKBOOK_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("WORKBOOK_SMTP_PASSWORD", "")
EMAIL_USE_TLS = config.env_flag("WORKBOOK_SMTP_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("WORKBOOK_SMTP_FROM", "workbook@localhost")
EMAIL_TIMEOUT = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # the console shows faults (500s with their traceback, for the operator), not every refused request
    "loggers": {
        "django": {"handlers": ["console"], "level": "ERROR"},
        "axes": {"level": "ERROR"},
        "waitress": {"level": "ERROR"},
    },
}
