"""The store's one kind of error, and the Chinese line for what a database driver reports.

Nothing of the driver's own (English) text reaches the user: each fault is named by what it means and what to do.
"""

from __future__ import annotations

from analysis.errors import UserError


class StoreError(UserError):
    """The store cannot be used (locked, damaged, full, read-only, unreachable, newer schema): exit code 1."""

    exit_code = 1


def restore_hint(store_arg: str) -> str:
    """How to repair a damaged store (`store_arg`: what --store takes for it)."""
    return f"修复：python -m analysis store rebuild --store {store_arg}（从存档重建；或用 store backup 做的备份恢复）"


def sqlite_fault(location: str, err: BaseException, store_arg: str | None = None) -> StoreError:
    """One Chinese line for what SQLite says went wrong (`store_arg`: what --store takes for the store)."""
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return StoreError(f"数据库 {location} 正被其他程序占用，请稍后重试")
    if "full" in text:
        return StoreError(
            f"磁盘已满，数据库 {location} 未能写入：正在导入的文件未入库，此前已入库的不受影响；"
            "请清理磁盘空间后重新导入"
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"数据库 {location} 只读（或其所在文件夹不可写），无法写入；请换用可写的数据库目录或联系管理员"
        )
    if any(word in text for word in ("malformed", "not a database", "corrupt", "decode", "utf-8", "disk i/o")):
        return StoreError(f"数据库 {location} 已损坏，未作任何改动；{restore_hint(store_arg or location)}")
    if "unable to open" in text:
        return StoreError(f"无法打开数据库 {location}：文件夹不存在或没有权限")
    return StoreError(f"数据库 {location} 出错（SQLite 错误，可加 --debug 查看详情），未作任何改动")


# PostgreSQL's SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
_POSTGRES_STATES = {
    "3D000": "数据库不存在",
    "28P01": "用户名或密码不正确",
    "28000": "服务器拒绝了该用户的登录",
    "42501": "该用户没有所需的权限",
    "53100": "数据库服务器磁盘已满",
    "53200": "数据库服务器内存不足",
    "53300": "数据库服务器连接数已满",
    "25006": "数据库处于只读状态",
    "57P01": "数据库服务器正在关闭",
    "57P03": "数据库服务器正在启动",
    "40001": "与另一个写入冲突",
    "40P01": "与另一个写入相互等待（死锁）",
    "XX001": "数据文件已损坏",
    "XX002": "索引已损坏",
}


def postgres_fault(location: str, err: BaseException) -> StoreError:
    """One Chinese line for what PostgreSQL (or the connection to it) reports."""
    state = getattr(err, "sqlstate", None) or ""
    meaning = _POSTGRES_STATES.get(state)
    if state.startswith("08") or (not state and _is_connection_error(err)):
        return StoreError(
            f"无法连接数据库 {location}：服务器未运行、地址有误或网络不通；请检查 --store 或环境变量 WORKBOOK_STORE"
        )
    if state in ("XX001", "XX002"):
        return StoreError(f"数据库 {location} {meaning}，未作任何改动；{restore_hint(location)}")
    if meaning:
        return StoreError(f"数据库 {location} 出错：{meaning}；本次未写入任何内容，请处理后重试")
    return StoreError(
        f"数据库 {location} 出错（PostgreSQL 错误代码 {state or '无'}，可加 --debug 查看详情），本次未写入任何内容"
    )


def _is_connection_error(err: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a requirement
        return False
    return isinstance(err, psycopg.OperationalError | psycopg.InterfaceError)
