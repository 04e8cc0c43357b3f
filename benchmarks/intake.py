"""Benchmark: units uploading their province-size demo files to the 报送平台 over loopback, each validated and
stored synchronously, against the same files through the same adapter without HTTP, one after another.

    .venv/bin/python benchmarks/intake.py [--units 200] [--clients 6] [--data DIR] [--keep DIR]

The files come from `python -m analysis demo --size province --months 2` (made once into .cache/bench/province,
or --data). The store holds the first month; each unit's account uploads its second month through
POST /api/submissions (a server started by `python -m analysis serve` on a free 127.0.0.1 port, `--clients`
uploads at a time). Prints p50/p95/max latency of an upload, the baseline, their ratio, and the proof that every
accepted file is stored exactly once (each file's SHA-256 once in the store, and sending ten of them again changes
nothing). Goal: p95 under 3 s. Bounded: at most --units uploads, each with a 120 s timeout, the run stops after
10 minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_DATA = ROOT / ".cache" / "bench" / "province"
RUN_LIMIT = 600.0
EXPLANATION = "基准测试：数据属实"


def demo_files(out: Path) -> None:
    if out.is_dir() and any(out.glob("*.xlsx")):
        return
    print(f"生成省级规模演示数据到 {out} …", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "analysis", "demo", "--out", str(out), "--size", "province", "--months", "2"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"demo 命令失败：{done.stderr.strip()[-500:]}")


def months_of(data: Path) -> tuple[str, str]:
    months = sorted({p.stem.split("-", 1)[1][:7] for p in data.glob("*-*.xlsx")})
    if len(months) < 2:
        raise SystemExit(f"{data} 中应有两个月的报送文件（demo --months 2）")
    return months[-2], months[-1]


def unit_files(data: Path, period: str, count: int) -> dict[str, Path]:
    """One .xlsx per county-level unit for `period` (units sending CSV files are left out)."""
    from analysis.catalog.regions import load_regions

    registry = load_regions()
    found = {}
    for path in sorted(data.glob(f"*-{period}.xlsx")):
        unit = path.name[: -len(f"-{period}.xlsx")]
        region = registry.resolve(unit)
        if region is not None and region.is_unit:
            found[unit] = path
    return dict(list(found.items())[:count])


def first_month_store(data: Path, period: str, store: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    files = [str(p) for p in sorted(data.glob(f"*-{period}*")) if p.suffix in (".xlsx", ".csv")]
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "ingest", *files, "--store", str(store), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"首月导入失败：{done.stdout[-500:]}{done.stderr[-500:]}")


def make_accounts(units: list[str]) -> dict[str, str]:
    from analysis.web import tokens
    from analysis.web.models import Account

    out = {}
    for unit in units:
        account, _ = Account.objects.get_or_create(username=f"基准{unit}", defaults={"region": unit, "role": "填报"})
        account.set_unusable_password()
        account.save()
        out[unit] = tokens.issue(account)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "analysis", "serve", "--store", str(store), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"服务未能启动：{log.read_text()[-1000:]}") from None
            time.sleep(0.3)
    process.kill()
    raise SystemExit("服务 60 秒内未能启动")


def post(port: int, token: str, path: Path, period: str) -> tuple[int, dict, float]:
    """One multipart upload; (status, JSON body, seconds)."""
    boundary = uuid.uuid4().hex
    fields = {"period": period, "explanation": EXPLANATION}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", "/api/submissions", body=body, headers=headers)
        response = connection.getresponse()
        payload = json.loads(response.read() or b"{}")
        return response.status, payload, time.perf_counter() - start
    finally:
        connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run_uploads(port: int, jobs: list[tuple[str, str, Path]], period: str, clients: int) -> list[tuple]:
    started = time.monotonic()

    def one(job):
        unit, token, path = job
        if time.monotonic() - started > RUN_LIMIT:
            return unit, path, None, {}, 0.0
        return (unit, path, *post(port, token, path, period))

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, jobs))


def baseline(files: dict[str, Path], period: str, store: Path) -> list[float]:
    """The same files through the adapter (validate, warnings, ingest) in this process, one after another."""
    from django.test import override_settings

    from analysis.web import intake

    times = []
    with override_settings(STORE_LOCATION=str(store)):
        for unit, path in files.items():
            start = time.perf_counter()
            verdict = intake.process(path, unit, period, path.name, commit=True, explanation=EXPLANATION)
            times.append(time.perf_counter() - start)
            if verdict.outcome not in ("added", "correction"):
                raise SystemExit(f"基线入库失败：{path.name} {verdict.outcome} {verdict.problems[:1]}")
    return times


def exactly_once(store: Path, results: list[tuple], period: str) -> tuple[int, int]:
    """(files accepted, files whose SHA-256 the store holds other than once for the period)."""
    from analysis.store.history import Store

    stored = Store(store).submissions(include_superseded=True)
    counts = stored[stored["period"] == period]["sha256"].value_counts().to_dict()
    accepted = [r for r in results if r[2] == 201]
    wrong = sum(counts.get(r[3]["sha256"], 0) != 1 for r in accepted)
    return len(accepted), wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--clients", type=int, default=6, help="uploads at a time")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="keep the stores here instead of a temporary folder")
    args = parser.parse_args()
    demo_files(args.data)
    first, second = months_of(args.data)
    files = unit_files(args.data, second, args.units)
    with tempfile.TemporaryDirectory(prefix="workbook-intake-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        served, direct = work / "served", work / "direct"
        print(f"导入首月 {first} 到两个库 …", flush=True)
        first_month_store(args.data, first, served)
        first_month_store(args.data, first, direct)
        from analysis.web.runtime import start

        start(str(served))
        tokens = make_accounts(list(files))
        port = free_port()
        server = start_server(served, port, work / "server.log")
        try:
            jobs = [(unit, tokens[unit], path) for unit, path in files.items()]
            print(f"{len(jobs)} 个单位上传 {second} 的文件（同时 {args.clients} 个）…", flush=True)
            wall = time.perf_counter()
            results = run_uploads(port, jobs, second, args.clients)
            wall = time.perf_counter() - wall
            again = run_uploads(port, jobs[:10], second, 1)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print("基线：同一适配层在本进程内逐个入库 …", flush=True)
        direct_times = baseline(files, second, direct)
        report(results, again, direct_times, wall, args.clients, served, second)
    return 0


def report(results, again, direct_times, wall, clients, served, period) -> None:
    latencies = [r[4] for r in results if r[2] is not None]
    statuses: dict = {}
    for r in results:
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    accepted, wrong = exactly_once(served, results, period)
    duplicates = sum(r[2] == 200 and r[3].get("status") == "duplicate" for r in again)
    warned = sum(bool(r[3].get("warnings")) for r in results if r[3])
    rows = [
        ("经网页接口上传（HTTP，回环）", latencies),
        ("同一适配层直接调用（基线）", direct_times),
    ]
    print()
    print(f"{'项目':<28}{'次数':>6}{'p50 秒':>10}{'p95 秒':>10}{'最大 秒':>10}")
    for name, values in rows:
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:<24}{len(values):>8}{p50:>11.3f}{p95:>11.3f}{max(values):>11.3f}")
    web50, base50 = statistics.median(latencies), statistics.median(direct_times)
    web95 = percentile(latencies, 0.95)
    print()
    print(f"同时上传 {clients} 个；共 {len(latencies)} 次上传用时 {wall:.1f} 秒（{len(latencies) / wall:.2f} 个/秒）")
    print(f"p50 比值（接口/基线）：{web50 / base50:.2f}×；p95 比值：{web95 / percentile(direct_times, 0.95):.2f}×")
    print(f"响应状态：{dict(sorted(statuses.items(), key=str))}；附上报说明通过的提示 {warned} 个")
    print(f"入库且只入库一次：{accepted - wrong}/{accepted} 个文件（SHA-256 在库中恰好一次）")
    print(f"再次上传其中 10 个：{duplicates}/10 个答复“重复”，库中未增加")
    print(f"目标 p95 < 3 秒：{'达到' if web95 < 3 else '未达到'}（p95 = {web95:.2f} 秒）")


if __name__ == "__main__":
    raise SystemExit(main())
