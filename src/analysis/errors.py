"""User-facing errors: raised with a Chinese message, printed by the CLI without a traceback."""

from __future__ import annotations


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
