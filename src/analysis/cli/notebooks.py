"""`python -m analysis notebook NAME`: execute a notebook and export it to HTML under reports/."""

from __future__ import annotations

import json

from analysis import paths
from analysis.errors import UserError
from analysis.fsutil import check_output_dir
from analysis.reports.notebooks import notebook_path, render

TITLES = {"00-targets": "目标库总览"}


def register(subparsers) -> None:
    p = subparsers.add_parser("notebook", help="用 papermill 执行笔记本并导出为 HTML（不含代码）")
    p.add_argument("name", metavar="笔记本", help="笔记本名称，如 00-targets")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("名称", "值"),
        default=[],
        help="参数（值按 JSON 解析，解析失败则作字符串）",
    )
    p.add_argument("--out", metavar="目录", default=None, help="输出目录（默认 reports/notebooks）")
    p.set_defaults(func=run)


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _check_names(path, params: dict) -> None:
    """A parameter the notebook does not have is refused (papermill would only warn, in English, and run
    the notebook with its default), naming the parameters it has."""
    import papermill as pm

    known = list(pm.inspect_notebook(str(path)))
    unknown = [key for key in params if key not in known]
    if unknown:
        raise UserError(f"笔记本“{path.stem}”没有参数 {'、'.join(unknown)}；可用的参数：{'、'.join(known) or '（无）'}")


def run(args) -> int:
    path = notebook_path(args.name)
    name = path.stem
    if args.out:
        check_output_dir(args.out)
    out_dir = args.out or paths.REPORTS_DIR / "notebooks"
    params = {key: _value(value) for key, value in args.parameter}
    _check_names(path, params)
    ipynb, html = render(name, out_dir, TITLES.get(name, name), params)
    print(f"已执行：{ipynb}\n已导出：{html}")
    return 0
