"""统一社会信用代码 (GB 32100-2015): charset, check digit, and a generator for demo data.

The 18th character is a check over the first 17: weights 3^i mod 31, value
31 - (sum mod 31), with 31 written as 0. Letters I, O, Z, S, V are never used.
"""

from __future__ import annotations

import random

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# GB 11714 organisation code (positions 9-17): eight body characters and a check.
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def check_char(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code (Chinese), or None when it is valid."""
    if len(code) != 18:
        return f"长度应为18位，实际为{len(code)}位"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"含有不允许的字符“{''.join(bad)}”（仅限数字和除 I、O、Z、S、V 外的大写字母）"
    expected = check_char(code[:17])
    if code[17] != expected:
        return f"校验位错误（按 GB 32100-2015 应为“{expected}”）"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def _org_code(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def generate(rng: random.Random, division_code: str = "130100") -> str:
    """A valid code for an enterprise (registration by market regulation: '91')."""
    first17 = "91" + division_code + _org_code(rng)
    return first17 + check_char(first17)
