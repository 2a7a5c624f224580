"""PII benchmark: recall per type and false positives on business references, end to end.

A seeded corpus (dumbcontacts.samples.pii_corpus: made-up values, no real person) of every
format in dumbcontacts.samples.pii_values, each value in a customer sentence next to order
and tracking numbers, SKUs, amounts, dates, times and quantities, is written as all four raw
exports (calls.csv, chats.jsonl, emails.mbox, twcs.csv) with every fourth case once more as
a malformed record the reader rejects, and every tenth value typed into the order-reference
field. Everything is loaded with ``load_paths(keep_transcripts=True)`` into a new DuckDB
warehouse and every stored text column is read back: contacts' reason_text, transcript,
order_ref, queue and disposition_code, and rejects' reason and excerpt.

A value counts as removed only if nothing of it is left where it went: not the value, not a
3+ character token of it holding a digit, not a run of 4+ of its digits, not a word of 3+
letters of it (street types, "dot", "com" and such excepted), not its digits re-joined. A
business reference counts as kept only if it is stored verbatim.

Also measured: redaction time per message, and the time of the worst inputs for each step
at 10 kB and 40 kB (linear time: 4x the input should take about 4x the time).

    python benchmarks/pii.py                  # 6 values per format
    python benchmarks/pii.py --per-format 20 --seed 3
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.redact import redact_text
from dumbcontacts.etl.warehouse import create_warehouse
from dumbcontacts.samples.pii_corpus import (
    make_pii_cases,
    read_stored_texts,
    score,
    write_pii_exports,
)

# Inputs that make a backtracking pattern go quadratic or worse, if any does.
WORST_CASES = {
    "digits and spaces": "1 2 3 4 5 6 7 8 9 0 ",
    "digit run": "4111111111111111",
    "dotted digits": "1.2.3.4.",
    "hex and colons": "ab:cd:ef:",
    "local part without @": "a.b_c+d-",
    "@ signs": "a@b@c.",
    "capitalised words": "Baker Oak Elm ",
    "house numbers": "12 Baker 34 Oak ",
    "spelled at and dot": "john dot at dot ",
    "cue words": "account card zip born my name is ",
    "letters and digits": "AB12CD34",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-format", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    cases = make_pii_cases(seed=args.seed, per_format=args.per_format)
    formats = len({case.format for case in cases})
    print(f"python {platform.python_version()}, {platform.machine()}, {platform.system()}")
    print(f"corpus: seed {args.seed}, {len(cases)} values in {formats} formats")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        placements = write_pii_exports(cases, folder / "exports")
        warehouse = create_warehouse(f"duckdb:///{folder / 'pii.duckdb'}")
        started = time.perf_counter()
        results = list(
            load_paths(warehouse, sorted((folder / "exports").iterdir()), keep_transcripts=True)
        )
        seconds = time.perf_counter() - started
        stored = read_stored_texts(warehouse)
        warehouse.engine.dispose()
    loaded = sum(r.rows_loaded for r in results)
    rejected = sum(r.rows_rejected for r in results)
    print(f"loaded {loaded} contacts and {rejected} rejects in {seconds:.1f} s")

    result = score(placements, stored)
    print(f"\n{'type':<10} {'placed':>7} {'removed':>8} {'recall':>8}")
    for kind in sorted(result.values):
        placed, removed = result.values[kind], result.removed.get(kind, 0)
        print(f"{kind:<10} {placed:>7} {removed:>8} {removed / placed:>8.2%}")
    kept = result.references_kept
    print(
        f"\nbusiness references: {result.references}, kept verbatim {kept}, "
        f"false positives {result.references - kept} ({1 - kept / result.references:.2%})"
    )
    for placement, found in result.misses[:20]:
        where = placement.record_no and f"reject #{placement.record_no}" or "contact"
        print(f"  missed ({placement.reader}, {where}) {placement.case.format}: {found}")
    for placement, gone in result.lost[:20]:
        print(f"  lost ({placement.reader}) {placement.case.format}: {gone}")

    texts = [case.text for case in cases]
    started = time.perf_counter()
    for text in texts:
        redact_text(text)
    per_text = (time.perf_counter() - started) / len(texts)
    print(f"\nredact_text: {per_text * 1e6:.0f} µs per message (all steps, no prefilter)")

    print(f"\n{'worst input':<22} {'10 kB s':>9} {'40 kB s':>9} {'ratio':>6}")
    for name, unit in WORST_CASES.items():
        small, large = (_seconds(unit * (size // len(unit))) for size in (10_000, 40_000))
        print(f"{name:<22} {small:>9.3f} {large:>9.3f} {large / small:>6.1f}")


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        redact_text(text)
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    main()
