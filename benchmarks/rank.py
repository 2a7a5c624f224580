"""Ranking benchmark: ``rank`` on a million contacts in the embedded warehouse.

Builds the warehouse once if it is missing (sample data, load, ``analyze --static``; about
ten minutes on two cores), then times the notebook API, the dashboard's read of every day and
the ``rank`` command end to end.
The reference, measured in the same run, is the bare database: one DuckDB query counting
contacts per week and channel over the same table.

    python benchmarks/rank.py                       # 1M contacts in /tmp/dumbcontacts-bench
    python benchmarks/rank.py --contacts 200000 --dir /tmp/small
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from dumbcontacts.analysis import headline_figures, rank_defects, spike_flags
from dumbcontacts.analysis.economics.facts import read_daily_facts
from dumbcontacts.etl.warehouse import open_warehouse


def build(directory: Path, contacts: int) -> str:
    url = f"duckdb:///{directory / 'warehouse.duckdb'}"
    if (directory / "warehouse.duckdb").exists():
        return url
    env = os.environ | {"DUMBCONTACTS_WAREHOUSE": url}
    command = [sys.executable, "-m", "dumbcontacts"]
    steps = [
        ["sample-data", str(directory / "raw"), "--contacts", str(contacts)],
        ["load", str(directory / "raw")],
        ["analyze", "--static"],
    ]
    for step in steps:
        print("$ dumbcontacts", " ".join(step), flush=True)
        subprocess.run([*command, *step], env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def timed(runs: int, call) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (this process's threads and its finished children) per
    call. On a shared machine the CPU time is the steadier figure: it leaves out the time
    spent waiting for a core."""
    wall, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), _cpu_seconds()
        call()
        wall.append(time.perf_counter() - started)
        cpu.append(_cpu_seconds() - used)
    return wall, cpu


def _cpu_seconds() -> float:
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                         resource.RUSAGE_CHILDREN))  # fmt: skip
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/dumbcontacts-bench"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    url = build(args.dir, args.contacts)
    warehouse = open_warehouse(url)
    path = str(args.dir / "warehouse.duckdb")

    def reference() -> None:
        with duckdb.connect(path, read_only=True) as conn:
            conn.execute(
                "SELECT date_trunc('week', started_at), channel, count(*) FROM contacts "
                "GROUP BY ALL"
            ).fetchall()

    cases = {
        "reference: bare weekly count by channel": reference,
        "rank_defects, all time": lambda: rank_defects(warehouse),
        "rank_defects, last 4 weeks, phone": lambda: rank_defects(
            warehouse, since="2026-10-26", until="2026-11-23", channel="phone"
        ),
        "headline_figures, last 4 weeks": lambda: headline_figures(
            warehouse, since="2026-10-26", until="2026-11-23"
        ),
        "spike_flags, all weeks": lambda: spike_flags(warehouse),
        "read_daily_facts, every day (dashboard)": lambda: read_daily_facts(warehouse),
        "dumbcontacts rank (new process)": lambda: subprocess.run(
            [sys.executable, "-m", "dumbcontacts", "--warehouse", url, "rank"],
            check=True,
            stdout=subprocess.DEVNULL,
        ),  # fmt: skip
    }
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.contacts:,} contacts")  # fmt: skip
    medians = {}
    for name, call in cases.items():
        call()  # warm the file cache
        seconds, cpu = timed(args.runs, call)
        medians[name] = statistics.median(seconds)
        print(f"{name:<42} median {medians[name]:6.3f} s   max {max(seconds):6.3f} s   "
              f"CPU median {statistics.median(cpu):6.3f} s")  # fmt: skip
    base = medians["reference: bare weekly count by channel"]
    ranking = medians["rank_defects, all time"]
    print(f"rank_defects / bare query: {ranking / base:.1f}x")


if __name__ == "__main__":
    main()
