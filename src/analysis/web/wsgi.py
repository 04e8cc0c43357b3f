"""The WSGI application for a production server: `gunicorn analysis.web.wsgi` or
`waitress-serve analysis.web.wsgi:application` (set WORKBOOK_STORE and the other WORKBOOK_* variables first;
see docs/intake.md)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "analysis.web.settings")
application = get_wsgi_application()
