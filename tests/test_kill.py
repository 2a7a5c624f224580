"""A load killed with SIGKILL at any point, then re-run, gives the table of one clean load."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from dumbcontacts.samples.generate import write_sample_data

pytestmark = pytest.mark.slow

TABLES = {
    "contacts": "SELECT * FROM contacts ORDER BY contact_id",
    "rejects": "SELECT * FROM rejects ORDER BY load_id, record_no",
    "business_volumes": "SELECT * FROM business_volumes ORDER BY day, driver",
    "loads": "SELECT load_id, content_hash, rows_loaded, rows_rejected FROM loads ORDER BY 1",
}


def _load(directory, warehouse, log):
    env = os.environ | {
        "DUMBCONTACTS_WAREHOUSE": f"duckdb:///{warehouse}",
        "DUMBCONTACTS_SALT": "k",
    }
    command = [sys.executable, "-m", "dumbcontacts", "load", str(directory)]
    with open(log, "wb") as errors:  # the child keeps its own copy of the handle
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)


def _killed_after(data, warehouse, log, seconds: float) -> bool:
    """Start a load and kill it after ``seconds``; False when it finished first."""
    victim = _load(data, warehouse, log)
    time.sleep(seconds)
    if victim.poll() is not None:
        return False
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    return True


def _tables(warehouse) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}


def test_killed_loads_recover_to_one_clean_load(tmp_path):
    data = tmp_path / "raw"
    write_sample_data(data, contacts=20_000, seed=11)

    started = time.monotonic()
    log = tmp_path / "stderr.log"
    clean = _load(data, tmp_path / "clean.duckdb", log)
    assert clean.wait(timeout=300) == 0, log.read_text()
    clean_seconds = time.monotonic() - started
    expected = _tables(tmp_path / "clean.duckdb")
    assert len(expected["contacts"]) == 20_000

    for fraction in (0.35, 0.6, 0.85):
        # On a busy machine a load can beat the clock: then it is tried again, killed sooner.
        for attempt in range(4):
            warehouse = tmp_path / f"killed-{fraction}-{attempt}.duckdb"
            if _killed_after(data, warehouse, log, clean_seconds * fraction / 2**attempt):
                break
        else:
            pytest.fail(f"every load finished before {fraction:.0%} of a clean load")
        rerun = _load(data, warehouse, log)
        assert rerun.wait(timeout=300) == 0, log.read_text()
        assert _tables(warehouse) == expected, f"killed at {fraction:.0%} of a clean load"
