"""Security headers (a CSP without inline script or style) and the upload size limit, as middleware."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# A rendered report is shown as it is (its own styles, embedded images and fonts) but may run nothing.
REPORT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
LIMIT_SLACK = 256 * 1024  # the multipart envelope and the other fields around the file


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith(settings.STATIC_URL):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class UploadLimitMiddleware:
    """413 before the body is read when the request announces more than the upload limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_LIMIT_BYTES + LIMIT_SLACK:
            return too_large(request)
        return self.get_response(request)


def limit_text() -> str:
    return f"{settings.UPLOAD_LIMIT_BYTES / 1024 / 1024:g} MB"


def too_large(request) -> HttpResponse:
    message = f"上传的文件超过大小上限（{limit_text()}），未接收；请删去多余的工作表或行后重新上传"
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"message": message}, status=413)
    else:
        body = render_to_string("web/error.html", {"title": "文件过大", "message": message})
        response = HttpResponse(body, status=413)
    response["Connection"] = "close"  # the body was not read
    return response
