"""Executing the project's notebooks with papermill and exporting them to lean HTML.

The executed .ipynb is kept (the audit trail); the HTML holds no code cells, is
`<html lang="zh-CN">` (so fontconfig picks the Simplified Chinese glyph forms)
and embeds its images, so one file can be mailed.
"""

from __future__ import annotations

import html
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from analysis import paths
from analysis.errors import UserError
from analysis.fsutil import atomic_path, write_text_atomic

if TYPE_CHECKING:
    from traitlets.config import Config

KERNEL_NAME = "python3"
REMOVE_TAG = "analyst-note"
CELL_TIMEOUT_S = 600


def notebook_path(name: str) -> Path:
    path = paths.NOTEBOOKS_DIR / (name if name.endswith(".ipynb") else f"{name}.ipynb")
    if not path.is_file():
        known = "、".join(sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("*.ipynb")))
        raise UserError(f"未找到笔记本“{name}”，可选：{known}")
    return path


def kernel_config() -> Config:
    """Settings of the kernel manager that starts a notebook's kernel (pass as `config=`).

    ipykernel warns "Kernel is running over TCP without encryption" on every start unless the
    connection is encrypted or goes over IPC. jupyter_client (8.9 on) encrypts it with CurveZMQ
    keys it provisions itself when `KernelManager.transport_encryption` is "auto" and the
    kernelspec declares `supported_encryption: curve` (ipykernel's does); the Jupyter
    enhancement proposal "transport encryption" describes the setting. It is set only where
    jupyter_client has it and pyzmq was built with CurveZMQ (otherwise "auto" is an error).
    """
    import zmq
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    config = Config()
    if KernelManager.class_traits().get("transport_encryption") is not None and zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


def kernel_arguments() -> list[str]:
    """Extra command-line arguments of the kernel a notebook runs in (pass as `extra_arguments=`).

    jupyter_client interrupts a kernel (SIGINT) before it shuts it down; when the signal lands while the
    kernel is still finishing a request (typically right after a failing cell), ipykernel logs
    "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." to the terminal: English noise under the
    user's one Chinese line. The kernel's own log is for maintainers: it is silenced unless WORKBOOK_DEBUG
    is set (`--debug`). What the cells print, and their tracebacks, are in the executed notebook either way.
    """
    import os

    return [] if os.environ.get("WORKBOOK_DEBUG") else ["--IPKernelApp.log_level=CRITICAL"]


def kernel_streams() -> dict:
    """Where a notebook kernel's own stdout/stderr go (pass to `start_kernel`): nowhere, unless WORKBOOK_DEBUG is set.

    What cells print reaches the notebook through the kernel's messages, not these file descriptors; they only
    carry what the kernel process itself writes as it dies, such as libzmq's "Assertion failed: pfd.revents &
    POLLIN (src/signaler.cpp)" when its context is torn down during a shutdown. That is a C++ line under the user's
    one Chinese line; the notebook's outcome (and the executed notebook) does not depend on it.
    """
    import os
    import subprocess

    return {} if os.environ.get("WORKBOOK_DEBUG") else {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


@lru_cache(maxsize=1)
def kernel_manager_class():
    """The kernel manager papermill's client starts kernels with: nbclient's own (AsyncKernelManager), with
    kernel_streams() applied (pass as `kernel_manager_class=`)."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        # the ignore: mypy compares with KernelManager's synchronous start_kernel; AsyncKernelManager's is a coroutine
        async def start_kernel(self, **kw):  # type: ignore[override]
            await super().start_kernel(**{**kernel_streams(), **kw})

    return QuietKernelManager


# Errors a notebook raises for a user's mistake: their message is the Chinese sentence to show.
USER_ERRORS = {"UserError": 2, "InputError": 1, "DataFileError": 1, "StoreError": 1}


class NotebookError(UserError):
    """A notebook stopped: the user sees one Chinese message; the executed notebook (`executed`) keeps the
    full traceback for the analyst."""

    def __init__(self, message: str, executed: Path | None, exit_code: int = 1):
        super().__init__(message)
        self.executed, self.exit_code = executed, exit_code


def execute(name: str, out_ipynb: Path, parameters: dict | None = None) -> Path:
    """Run a notebook top to bottom with papermill; the output lands atomically.

    A failing cell raises `NotebookError`: a user's mistake (a `UserError` in the notebook) with its own
    Chinese message, anything else with the error's name; the executed notebook is kept beside `out_ipynb`
    as `<name>.failed.ipynb`.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source = notebook_path(name)
    failed = Path(out_ipynb).with_name(Path(out_ipynb).stem + ".failed.ipynb")
    try:
        with atomic_path(out_ipynb) as tmp:
            try:
                pm.execute_notebook(
                    str(source),
                    str(tmp),
                    parameters=parameters or {},
                    kernel_name=KERNEL_NAME,
                    cwd=str(source.parent),
                    progress_bar=False,
                    execution_timeout=CELL_TIMEOUT_S,
                    config=kernel_config(),  # papermill hands it to nbclient, which gives it to the kernel manager
                    extra_arguments=kernel_arguments(),  # nbclient starts the kernel with them
                    kernel_manager_class=kernel_manager_class(),
                )
            except PapermillExecutionError:
                if tmp.exists():
                    failed.write_bytes(tmp.read_bytes())
                raise
    except PapermillExecutionError as err:
        kept = failed if failed.exists() else None
        if err.ename in USER_ERRORS:
            raise NotebookError(str(err.evalue), kept, USER_ERRORS[err.ename]) from None
        raise NotebookError(
            f"笔记本“{name}”运行出错（{err.ename}：{err.evalue}），请把执行记录交给分析人员", kept
        ) from None
    return Path(out_ipynb)


def html_body(nb: nbformat.NotebookNode) -> str:
    """The notebook's outputs and prose as an HTML fragment, without code cells."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    # cells tagged for analysts (how to use the notebook) stay out of the shared report
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {REMOVE_TAG}
    exporter = HTMLExporter(
        config=config, template_name="basic", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nb)
    return body


def page(title: str, body: str) -> str:
    from analysis.reports.pdf import print_css

    template = resources.files("analysis.reports").joinpath("templates/page.html").read_text(encoding="utf-8")
    return template.format(title=html.escape(title), body=body, print_css=print_css())


def to_html(ipynb: Path, out_html: Path, title: str) -> Path:
    nb = nbformat.read(str(ipynb), as_version=4)
    return write_text_atomic(out_html, page(title, html_body(nb)))


def render(name: str, out_dir: Path, title: str, parameters: dict | None = None) -> tuple[Path, Path]:
    """Execute a notebook and export it: `<out_dir>/<name>.ipynb` and `.html`."""
    out_dir = Path(out_dir)
    ipynb = execute(name, out_dir / f"{name}.ipynb", parameters)
    return ipynb, to_html(ipynb, out_dir / f"{name}.html", title)
