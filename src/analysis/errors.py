"""User-facing errors: raised with a Chinese message, printed by the CLI without a traceback."""

from __future__ import annotations

import re


class UserError(Exception):
    """A mistake in the user's input or invocation; `str(err)` is the Chinese message."""

    exit_code = 2


class DataFileError(UserError):
    """A project data file (catalog, registry) is malformed."""


class InputError(UserError):
    """Input that cannot be used (a missing store, refused data): exit code 1, where a usage mistake gives 2."""

    exit_code = 1


def os_error_text(err: OSError) -> str | None:
    """One Chinese line for a file-system fault the user can act on (disk full, no permission, read-only disk);
    None for other faults."""
    import errno

    where = f"“{err.filename}”" if err.filename else "文件"
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间不足，无法写入{where}；请清理磁盘空间后重试（已有的报告和数据未受影响）"
    if err.errno in (errno.EACCES, errno.EPERM):
        return f"没有权限写入{where}；请换一个可写的目录，或联系管理员"
    if err.errno == errno.EROFS:
        return f"{where}所在的磁盘是只读的，无法写入；请换一个可写的目录"
    return None


# Characters that must never reach a terminal or a log as they are: C0 and C1 controls (newline, carriage return,
# ESC of ANSI sequences …), DEL, line and paragraph separators, zero-width characters and the bidirectional
# controls (U+202E shows a name reversed). A file name or a cell holding one could forge a line of output.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: object) -> str:
    """`text` safe to print on one line: every control, escape or bidirectional character written as Python
    writes it (\\n, \\r, \\t, \\x1b, \\u202e). Idempotent (a backslash is left as it is), so text escaped when a
    message was made can be escaped again where it is printed."""
    text = str(text)
    if text.isprintable():  # the common case: isprintable() is false for every character escaped here
        return text
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)
