"""A private, throwaway PostgreSQL server for tests and benchmarks.

`private_cluster()` runs initdb into a temporary folder, starts the server on a unix socket in that folder
(no TCP port, nothing shared with a system server) and stops it and removes the folder at the end. As root,
the server runs as the `postgres` user (PostgreSQL refuses to run as root). `new_database(url)` gives each
test a database of its own.

Debian's package installs the programs under /usr/lib/postgresql/<version>/bin (not on PATH);
scripts/system-deps.sh installs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 5432  # the socket's name only: the server listens on no TCP port


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's programs (initdb, pg_ctl), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def private_cluster(durable: bool = False) -> Iterator[str]:
    """A running server; yields the libpq URL of its `postgres` database.

    `durable=False` (tests) turns fsync off; benchmarks pass True to compare like with like (SQLite's store
    runs with synchronous=FULL)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb); run scripts/system-deps.sh as root")
    base = Path(tempfile.mkdtemp(prefix="wbpg-"))
    data, socket = base / "data", base / "sock"
    socket.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(socket, "postgres")
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    log = base / "server.log"
    try:
        subprocess.run(
            _as_server_user(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            capture_output=True,
        )
        options = f"-k {socket} -c listen_addresses='' -p {PORT} -c max_connections=40"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
            check=True,
            capture_output=True,
        )
        try:
            yield f"postgresql://{user}@/postgres?host={socket}&port={PORT}"
        finally:
            subprocess.run(
                _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def new_database(server_url: str, name: str | None = None) -> str:
    """Create an empty database on the server; its URL."""
    import psycopg

    name = name or f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.replace("/postgres?", f"/{name}?", 1)


def drop_database(server_url: str, url: str) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
