"""Ingest benchmark: ``dumbcontacts load`` against DuckDB's own CSV bulk load, same run.

The reference is the bare database: DuckDB ``read_csv`` of the same call-record CSV into a
table, with no parsing rules, redaction, hashing or key. Ours is the default ``dumbcontacts
load`` of the same file and does everything a real load does (typing, validation, PII
redaction, reason extraction, hashing, the duplicate check on contact_id, the loads row,
commit). Also measured: a load that keeps the redacted transcripts (``--keep-transcripts``),
re-loading the same records (all duplicates) and the four-channel mix, which is dominated by
e-mail parsing.

    python benchmarks/ingest.py                 # 1M calls + a 100k four-channel mix
    python benchmarks/ingest.py --calls 200000 --mix 20000
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import duckdb

from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.warehouse import create_warehouse
from dumbcontacts.samples.generate import write_sample_data


def fresh(path: Path) -> Path:
    for suffix in ("", ".wal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def bare_duckdb_load(csv_path: Path, db_path: Path) -> float:
    fresh(db_path)
    started = time.perf_counter()
    with duckdb.connect(str(db_path)) as conn:
        conn.execute(f"CREATE TABLE calls AS SELECT * FROM read_csv('{csv_path}')")
    return time.perf_counter() - started


def product_load(paths: list[Path], db_path: Path, **options) -> tuple[float, int]:
    warehouse = create_warehouse(f"duckdb:///{fresh(db_path)}")
    started = time.perf_counter()
    results = list(load_paths(warehouse, paths, salt="bench", **options))
    seconds = time.perf_counter() - started
    warehouse.engine.dispose()
    return seconds, sum(r.rows_loaded for r in results if r.channel)


def reload_duplicates(csv_path: Path, db_path: Path, run: int) -> float:
    """Time another file holding the same records (new content hash, every row a duplicate)."""
    copy = csv_path.with_name("calls-again.csv")
    copy.write_bytes(csv_path.read_bytes() + b"\n" * (run + 1))
    warehouse = create_warehouse(f"duckdb:///{db_path}")
    started = time.perf_counter()
    (result,) = load_paths(warehouse, [copy], salt="bench")
    seconds = time.perf_counter() - started
    assert result.rows_loaded == 0, result
    copy.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--mix", type=int, default=100_000, help="four-channel contacts; 0 skips")
    parser.add_argument("--runs", type=int, default=2, help="best of N for each timing")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dumbcontacts-bench"))
    args = parser.parse_args()
    work = args.workdir
    calls_dir = work / f"calls-{args.calls}"
    if not (calls_dir / "calls.csv").exists():
        print(f"generating {args.calls:,} calls ...", flush=True)
        write_sample_data(calls_dir, contacts=args.calls, seed=1, channels=["phone"])
    calls_csv = calls_dir / "calls.csv"
    size_mb = calls_csv.stat().st_size / 1e6

    # Interleaved, so a change in the shared machine's load hits both sides alike.
    bare_runs, ours_runs = [], []
    for _ in range(args.runs):
        bare_runs.append(bare_duckdb_load(calls_csv, work / "bare.duckdb"))
        ours_runs.append(product_load([calls_csv], work / "ours.duckdb"))
    bare = min(bare_runs)
    ours, loaded = min(ours_runs)
    assert loaded == args.calls, loaded
    again = min(reload_duplicates(calls_csv, work / "ours.duckdb", run) for run in range(args.runs))
    kept, kept_loaded = min(
        product_load([calls_csv], work / "kept.duckdb", keep_transcripts=True)
        for _ in range(args.runs)
    )
    assert kept_loaded == args.calls, kept_loaded

    print(f"\nmachine: {platform.machine()}, {platform.processor() or 'cpu'}, ", end="")
    print(f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}")
    print(f"calls.csv: {args.calls:,} calls, {size_mb:,.0f} MB (best of {args.runs})\n")
    print(f"{'path':<52} {'seconds':>8} {'rows/s':>11}")
    rows = [
        ("bare DuckDB read_csv into a table (reference)", bare, args.calls),
        ("dumbcontacts load, redaction included", ours, args.calls),
        ("dumbcontacts load --keep-transcripts", kept, args.calls),
        ("dumbcontacts re-load, all duplicates", again, args.calls),
    ]
    for name, seconds, count in rows:
        print(f"{name:<52} {seconds:>8.2f} {count / seconds:>11,.0f}")
    print(f"\nratio, dumbcontacts / bare load: {bare / ours:.2f}x (target >= 0.5x)")

    if args.mix:
        mix_dir = work / f"mix-{args.mix}"
        if not (mix_dir / "calls.csv").exists():
            write_sample_data(mix_dir, contacts=args.mix, seed=1)
        seconds, loaded = product_load([mix_dir], work / "mix.duckdb")
        print(f"four-channel mix: {loaded:,} contacts in {seconds:.1f} s = ", end="")
        print(f"{loaded / seconds:,.0f} contacts/s (e-mail parsing dominates)")


if __name__ == "__main__":
    main()
