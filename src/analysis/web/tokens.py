"""API tokens: random, shown once, kept as their SHA-256 (a new token replaces the account's old one)."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "wbt_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(account) -> str:
    from analysis.web.models import ApiToken

    token = PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.update_or_create(account=account, defaults={"digest": digest(token)})
    return token


def account_for(header: str):
    """The active account whose token the Authorization header carries ('Bearer TOKEN'), or None."""
    from analysis.web.models import ApiToken

    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = ApiToken.objects.select_related("account").filter(digest=digest(token)).first()
    if found is None or not found.account.is_active:
        return None
    return found.account
