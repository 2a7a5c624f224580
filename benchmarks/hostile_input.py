"""Hostile-input benchmark: what an absurd record costs a load.

Each case is one file of a few good records and one hostile record grown to several sizes:
a megabyte-long value in a rejected record (whose excerpt is redacted), a megabyte-long
customer message (redacted and searched for the reason), a chat session of a hundred
thousand "hi" turns, and a JSON line nested a hundred thousand deep. Every file goes through
a whole ``load`` into a fresh DuckDB warehouse. The targets:

- no file takes more than 2 s per MB (on files of 1 MB and more, where the fixed cost of a
  load, about half a second, no longer dominates);
- a value ten times longer costs at most twelve times the time.

    python benchmarks/hostile_input.py               # 0.1, 1 and 10 MB
    python benchmarks/hostile_input.py --sizes 0.01 0.1 1 --runs 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.warehouse import create_warehouse

GOOD_CALLS = "".join(
    f"C{n},2026-09-01T08:00:00Z,2026-09-01T08:05:00Z,Customer: my bill {n} is wrong\n"
    for n in range(3)
)
HEADER = "call_id,started_at,ended_at,transcript\n"


def _calls(hostile_row: str) -> tuple[str, bytes]:
    return "calls.csv", (HEADER + GOOD_CALLS + hostile_row + "\n").encode()


def _chat(session: dict) -> tuple[str, bytes]:
    good = {"session_id": "S0", "started_at": "2026-09-01T08:00:00Z",
            "turns": [{"speaker": "customer", "text": "my parcel never arrived"}]}  # fmt: skip
    return "chats.jsonl", (json.dumps(good) + "\n" + json.dumps(session) + "\n").encode()


# name -> a file holding one hostile record of about n characters
CASES: dict[str, Callable[[int], tuple[str, bytes]]] = {
    "call_id x*n, rejected": lambda n: _calls(f"{'x' * n},not a time,,Customer: hi"),
    "call_id digits, rejected": lambda n: _calls(f"{'1' * n},not a time,,Customer: hi"),
    "call_id 'a@'*n, rejected": lambda n: _calls(f"{'a@' * (n // 2)},not a time,,Customer: hi"),
    "started_at words, rejected": lambda n: _calls(f"C9,{'call me 07700 ' * (n // 14)},,x"),
    "message of words": lambda n: _calls(
        f'C9,2026-09-01T08:00:00Z,,"Customer: {"my parcel is late " * (n // 18)}"'
    ),
    "message of digits": lambda n: _calls(f"C9,2026-09-01T08:00:00Z,,Customer: {'1 ' * (n // 2)}"),
    "chat of 'hi' turns": lambda n: _chat(
        {
            "session_id": "S9",
            "started_at": "2026-09-01T08:00:00Z",
            "turns": [{"speaker": "customer", "text": "hi"}] * (n // 36),
        }
    ),  # fmt: skip
    "JSON nested deep": lambda n: (
        "chats.jsonl",
        _chat({})[1].split(b"\n")[0]
        + b'\n{"session_id": "D", "x": '
        + b"[" * (n // 2)
        + b"]" * (n // 2)
        + b"}\n",
    ),  # fmt: skip
}


def time_load(folder: Path, name: str, data: bytes, runs: int) -> float:
    """Best of ``runs`` whole loads of the file into a fresh warehouse."""
    best = float("inf")
    for run in range(runs):
        path = folder / name
        path.write_bytes(data)
        database = folder / f"w{run}.duckdb"
        for old in (database, Path(f"{database}.wal")):
            old.unlink(missing_ok=True)
        warehouse = create_warehouse(f"duckdb:///{database}")
        started = time.perf_counter()
        (result,) = load_paths(warehouse, [path], salt="bench")
        best = min(best, time.perf_counter() - started)
        warehouse.engine.dispose()
        assert result.status == "loaded" and result.rows_loaded >= 1, result
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1.0, 10.0],
                        help="hostile value sizes in MB, each ten times the last")  # fmt: skip
    parser.add_argument("--runs", type=int, default=2, help="best of N for each timing")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dumbcontacts-hostile"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    machine = platform.processor() or platform.machine()
    print(f"hostile-input benchmark, {dt.date.today()}, {machine}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    print(f"{'case':<28} {'MB':>7} {'seconds':>8} {'s/MB':>6} {'x time':>7}")
    worst_rate, worst_ratio = 0.0, 0.0
    for case, make in CASES.items():
        previous = None
        for size in args.sizes:
            name, data = make(int(size * 1_000_000))
            seconds = time_load(args.workdir, name, data, args.runs)
            megabytes = len(data) / 1e6
            rate = seconds / megabytes
            ratio = seconds / previous if previous else None
            if megabytes >= 1:
                worst_rate = max(worst_rate, rate)
            if ratio is not None:
                worst_ratio = max(worst_ratio, ratio)
            shown = f"{ratio:>7.1f}" if ratio is not None else f"{'-':>7}"
            print(f"{case:<28} {megabytes:>7.2f} {seconds:>8.2f} {rate:>6.2f} {shown}", flush=True)
            previous = seconds
    print(f"\nworst s/MB on files >= 1 MB: {worst_rate:.2f} (target <= 2)")
    print(f"worst time ratio for a value 10x longer: {worst_ratio:.1f} (target <= 12)")


if __name__ == "__main__":
    main()
