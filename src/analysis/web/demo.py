"""Demo accounts for `make serve`: a 填报 account for a few counties of 石家庄市, a 审核 for 石家庄市 and a 管理.

Each run gives every demo account a new random password, printed once, so no fixed password ever works.
"""

from __future__ import annotations

import secrets

from analysis.web.models import ROLE_ADMIN, ROLE_REVIEWER, ROLE_SUBMITTER, Account

DEMO_ACCOUNTS = (
    ("新乐市填报", "新乐市", ROLE_SUBMITTER),
    ("鹿泉区填报", "鹿泉区", ROLE_SUBMITTER),
    ("正定县填报", "正定县", ROLE_SUBMITTER),
    ("晋州市填报", "晋州市", ROLE_SUBMITTER),
    ("石家庄市审核", "石家庄市", ROLE_REVIEWER),
    ("石家庄市管理", "石家庄市", ROLE_ADMIN),
)


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(name, region, role, password) of each demo account, created or given a new password."""
    out = []
    for name, region, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        account, _ = Account.objects.get_or_create(username=name, defaults={"region": region, "role": role})
        account.region, account.role, account.is_active, account.is_staff = region, role, True, role == ROLE_ADMIN
        account.set_password(password)
        account.save()
        out.append((name, region, role, password))
    return out
