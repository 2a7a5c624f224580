"""Dashboard speed at volume, and serving while ``load`` and ``analyze`` write.

    python benchmarks/dashboard.py --warehouse duckdb:////tmp/bench/w.duckdb [--concurrent]

The warehouse should already be loaded and analysed (1M contacts: ``dumbcontacts sample-data
DIR --contacts 1000000``, ``load DIR``, ``analyze --static``). The script serves the
dashboard with ``dumbcontacts dashboard`` in its own process and calls its callbacks over HTTP
as a browser does (``dashboard.probe``), with varied filters, and prints per callback the
median, 95th percentile and largest time and answer size, first views included. It also times
the overview as a browser opens it: the HTML, the layout, the page and its figures.

With ``--concurrent`` it then keeps requesting in a loop while ``dumbcontacts load`` (a fresh
sample file) and ``dumbcontacts analyze --static`` run against the same warehouse, and
reports failed requests (anything but HTTP 200 or a callback error) and the commands' exit.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dumbcontacts.dashboard.probe import DashProbe  # noqa: E402

BIN = Path(sys.executable).parent
CHANNELS = ["phone", "email", "chat", "social"]
OVERVIEW = (
    "overview-dates.start_date",
    "overview-dates.end_date",
    "overview-channel.value",
    "overview-category.value",
    "overview-owner.value",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(warehouse: str, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DUMBCONTACTS_WAREHOUSE": warehouse,
        "DUMBCONTACTS_OVERRIDES": str(workdir / "overrides.toml"),
    }
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "dumbcontacts"), "dashboard", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/", timeout=5).read()
            return process, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the dashboard did not start; see server.log")


def open_overview(probe: DashProbe, search: str = "") -> float:
    """Seconds for what a browser does to show the overview: HTML, layout, page, figures."""
    start = time.perf_counter()
    for path in ("/", "/_dash-layout"):
        status, _ = probe.page(path)
        assert status == 200, path
    assert probe.render("/", search).ok
    result = probe.call("overview-headline", dict.fromkeys(OVERVIEW))
    assert result.ok
    return time.perf_counter() - start


def scenarios(probe: DashProbe, rng: random.Random):
    """(callback name, thunk) pairs: what analysts click, with varied filters."""
    export = probe.call(
        "overview-download", {"overview-export.n_clicks": 1}, dict.fromkeys(OVERVIEW)
    ).body["response"]["overview-download"]["data"]
    rows = list(csv.DictReader(io.StringIO(export["content"])))
    defects = [r["defect_id"] for r in rows if r["defect_id"] != "unmapped"]
    categories = sorted({r["category"] for r in rows})
    # The export is named defects_SINCE_UNTIL.csv: the default period ends after the last day.
    last = dt.date.fromisoformat(export["filename"][:-4].split("_")[-1]) - dt.timedelta(days=1)

    def period():
        if rng.random() < 0.4:
            return None, None
        end = last - dt.timedelta(days=rng.randrange(0, 120))
        return (end - dt.timedelta(days=rng.choice([6, 13, 27, 90]))).isoformat(), end.isoformat()

    def overview():
        since, until = period()
        channel = rng.sample(CHANNELS, rng.randrange(0, 3))
        category = rng.sample(categories, rng.randrange(0, 2))
        values = dict(zip(OVERVIEW, (since, until, channel, category, []), strict=True))
        return probe.call("overview-headline", values, triggered=["overview-channel.value"])

    def sort():
        column = rng.choice(["cost_usd", "contacts", "cpx", "repeat_rate", "change_pct"])
        values = dict.fromkeys(OVERVIEW) | {
            "overview-sort.data": {"column": column, "descending": True}
        }
        return probe.call("overview-headline", values, triggered=["overview-sort.data"])

    def export():
        since, until = period()
        state = dict(zip(OVERVIEW, (since, until, rng.sample(CHANNELS, 1), [], []), strict=True))
        return probe.call("overview-download", {"overview-export.n_clicks": 1}, state)

    def page():
        path = rng.choice(["/", "/", f"/defect/{rng.choice(defects)}", "/topics", "/health"])
        search = rng.choice(["", "?channel=chat", "?channel=phone&channel=email"])
        return probe.render(path, search)

    def defect_inputs():
        since, until = period()
        values = {
            "defect-dates.start_date": since,
            "defect-dates.end_date": until,
            "defect-channel.value": rng.sample(CHANNELS, rng.randrange(0, 2)),
        }
        return values, {"defect-id.data": rng.choice(defects), "defect-keep.data": {}}

    def defect():
        values, state = defect_inputs()
        return probe.call("defect-summary", values, state, triggered=["defect-channel.value"])

    def verbatims():
        return probe.call("defect-verbatim-box", *defect_inputs())

    def fix():
        day = (last - dt.timedelta(days=rng.randrange(20, 150))).isoformat()
        values = {"defect-fix-date.date": day, "defect-fix-days.value": rng.choice([14, 28, 56])}
        state = {"defect-id.data": rng.choice(defects), "defect-channel.value": None}
        return probe.call("defect-fix-figure", values, state)

    return [
        ("overview filters", overview),
        ("table sort", sort),
        ("CSV export", export),
        ("page render (router)", page),
        ("defect filters", defect),
        ("defect verbatims", verbatims),
        ("fix check", fix),
    ]


def measure(probe: DashProbe, rounds: int, seed: int) -> dict[str, list]:
    rng = random.Random(seed)
    timings: dict[str, list] = defaultdict(list)
    plan = scenarios(probe, rng)
    for _ in range(rounds):
        for name, call in plan:
            result = call()
            if not result.ok:
                raise SystemExit(f"{name}: HTTP {result.status}")
            timings[name].append((result.seconds, result.size))
    return timings


def report(timings: dict[str, list]) -> None:
    print(
        f"\n{'callback':<22} {'calls':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'max KB':>7}"
    )
    everything = []
    for name, values in timings.items():
        seconds = sorted(v[0] for v in values)
        everything += seconds
        p95 = seconds[min(len(seconds) - 1, int(round(0.95 * (len(seconds) - 1))))]
        print(
            f"{name:<22} {len(seconds):>5} {statistics.median(seconds) * 1000:>7.0f} "
            f"{p95 * 1000:>7.0f} {seconds[-1] * 1000:>7.0f} "
            f"{max(v[1] for v in values) / 1024:>7.0f}"
        )
    everything.sort()
    p95 = everything[int(round(0.95 * (len(everything) - 1)))]
    print(
        f"{'all callbacks':<22} {len(everything):>5} {statistics.median(everything) * 1000:>7.0f} "
        f"{p95 * 1000:>7.0f} {everything[-1] * 1000:>7.0f}"
    )


def hammer(probe: DashProbe, stop: threading.Event, outcome: dict) -> None:
    rng = random.Random(99)
    plan = scenarios(probe, rng)
    for name, call in itertools.cycle(plan):
        if stop.is_set():
            return
        try:
            result = call()
            failed = not result.ok
        except Exception as error:  # noqa: BLE001 - any failure counts
            failed, result = True, error
        outcome["requests"] += 1
        outcome["slowest"] = max(outcome["slowest"], getattr(result, "seconds", 0.0))
        if failed:
            outcome["failed"].append(f"{name}: {getattr(result, 'status', result)}")


def concurrent(probe: DashProbe, warehouse: str, workdir: Path) -> None:
    env = {**os.environ, "DUMBCONTACTS_WAREHOUSE": warehouse}
    extra = workdir / "extra"
    subprocess.run(
        [
            str(BIN / "dumbcontacts"),
            "sample-data",
            str(extra),
            "--contacts",
            "20000",
            "--seed",
            str(int(time.time()) % 10_000),
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    outcome = {"requests": 0, "failed": [], "slowest": 0.0}
    stop = threading.Event()
    thread = threading.Thread(target=hammer, args=(probe, stop, outcome))
    thread.start()
    codes = {}
    try:
        for step in (["load", str(extra)], ["analyze", "--static"]):
            start = time.monotonic()
            done = subprocess.run(
                [str(BIN / "dumbcontacts"), *step],
                env=env,
                cwd=workdir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            codes[step[0]] = (done.returncode, time.monotonic() - start, done.stderr[-300:])
    finally:
        stop.set()
        thread.join()
    print(
        f"\nwhile load and analyze ran: {outcome['requests']} requests, "
        f"{len(outcome['failed'])} failed, slowest {outcome['slowest']:.2f} s"
    )
    for name, (code, seconds, err) in codes.items():
        print(f"  {name}: exit {code} after {seconds:.0f} s" + (f"  {err}" if code else ""))
    for failure in outcome["failed"][:10]:
        print(f"  failed: {failure}")
    if outcome["failed"]:
        errors = [line for line in (workdir / "server.log").read_text().splitlines()
                  if "Error" in line or "error" in line or "WARNING" in line]  # fmt: skip
        print("  server log:", *errors[-6:], sep="\n    ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--rounds", type=int, default=40, help="calls per callback")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrent", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        started = time.perf_counter()
        process, base = serve(args.warehouse, workdir)
        print(f"dashboard up in {time.perf_counter() - started:.1f} s at {base}")
        try:
            probe = DashProbe.over_http(base)
            print(f"overview, first open (cold cache): {open_overview(probe):.2f} s")
            print(f"overview, opened again:            {open_overview(probe):.2f} s")
            print(
                f"overview, ?channel=chat:           {open_overview(probe, '?channel=chat'):.2f} s"
            )
            report(measure(probe, args.rounds, args.seed))
            if args.concurrent:
                concurrent(probe, args.warehouse, workdir)
        finally:
            process.terminate()
            process.wait(30)


if __name__ == "__main__":
    main()
