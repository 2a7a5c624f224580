"""``run`` as real processes: two at once never both load, and SIGKILL at any step, then a
re-run, leaves exactly what one clean run leaves."""

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from dumbcontacts.etl.schema import contacts, loads
from dumbcontacts.etl.warehouse import open_warehouse
from dumbcontacts.samples.generate import write_sample_data

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOW = dt.datetime(2026, 11, 23, 6, 0)
TABLES = {
    "contacts": "SELECT * FROM contacts ORDER BY contact_id",
    "rejects": "SELECT * FROM rejects ORDER BY load_id, record_no",
    "business_volumes": "SELECT * FROM business_volumes ORDER BY day, driver",
    "defects": "SELECT * FROM defects ORDER BY defect_id",
    "loads": "SELECT load_id, content_hash, status, rows_read, rows_loaded, rows_duplicate, "
    "rows_rejected FROM loads ORDER BY load_id",
    "embeddings": "SELECT * FROM embeddings ORDER BY model, text_hash",
    "topic_models": "SELECT model_version, embedder, n_docs, n_topics, outlier_share, settings, "
    "is_current FROM topic_models ORDER BY model_version",
    "topics": "SELECT * FROM topics ORDER BY model_version, topic_id",
    "contact_topics": "SELECT * FROM contact_topics ORDER BY contact_id, model_version",
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("job-processes")
    write_sample_data(root, contacts=800, seed=3, start=dt.date(2026, 10, 26), weeks=4)
    return root


def _setup(tmp_path: Path, sample: Path, name: str, warehouse_url: str | None = None):
    """A fresh inbox, report folder and config file; returns the child's environment."""
    folder = tmp_path / name
    shutil.copytree(sample, folder / "inbox")
    config = folder / "dumbcontacts.toml"
    config.write_text(
        f'[run]\ninbox = ["{folder / "inbox"}"]\nreport_dir = "{folder / "reports"}"\n'
    )
    url = warehouse_url or f"duckdb:///{folder / 'warehouse.duckdb'}"
    return folder, os.environ | {
        "DUMBCONTACTS_CONFIG": str(config),
        "DUMBCONTACTS_WAREHOUSE": url,
        "DUMBCONTACTS_SALT": "k",
        "PYTHONUNBUFFERED": "1",
    }


def _start(env) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.job_child", NOW.isoformat()]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _finish(process: subprocess.Popen, timeout: float = 300) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def _tables(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}


def _report_files(folder: Path) -> dict[str, bytes]:
    """The report's data files by name (report.html also lists load times, so it is only
    checked to exist); hidden partial files must not be left behind."""
    week = folder / "reports" / "2026-W47"
    assert (week / "report.html").is_file()
    assert not list(week.rglob(".*")), "a partial file was left behind"
    return {
        str(p.relative_to(week)): p.read_bytes()
        for p in sorted(week.rglob("*"))
        if p.is_file() and p.name != "report.html"
    }


def test_two_concurrent_runs_never_both_load(sample, tmp_path, warehouse_url):
    folder, env = _setup(tmp_path, sample, "race", warehouse_url)
    started = time.monotonic()
    processes = [_start(env), _start(env)]
    ended = [None, None]
    while None in ended and time.monotonic() - started < 300:
        for index, process in enumerate(processes):
            if ended[index] is None and process.poll() is not None:
                ended[index] = time.monotonic() - started
        time.sleep(0.05)
    results = [_finish(process) for process in processes]
    codes = [code for code, _ in results]
    assert sorted(codes) == [0, 75], results
    winner, loser = (results[0], results[1]) if codes[0] == 0 else (results[1], results[0])
    assert "lock: error: another dumbcontacts run holds" in loser[1]
    assert "load:" not in loser[1] and "analyze:" not in loser[1]
    assert "load: 6 new files (800 contacts" in winner[1]
    assert min(ended) < 10, f"the loser took {min(ended):.1f} s to give up"
    warehouse = open_warehouse(warehouse_url)
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(loads)).scalar() == 6
        assert conn.execute(select(func.count()).select_from(contacts)).scalar() == 800

    code, output = _finish(_start(env))  # and afterwards, the next run finds nothing new
    assert code == 0 and "load: 0 new files (0 contacts, 0 rejected), 6 already loaded" in output


def test_busy_run_exits_within_seconds(sample, tmp_path):
    folder, env = _setup(tmp_path, sample, "busy")
    holder = _start(env)
    assert "lock: holding" in holder.stdout.readline()
    started = time.monotonic()
    code, output = _finish(_start(env), timeout=60)
    busy_seconds = time.monotonic() - started
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    assert code == 75 and "another dumbcontacts run holds" in output
    assert busy_seconds < 10, f"the second run took {busy_seconds:.1f} s to give up"


@pytest.fixture(scope="module")
def clean_run(sample, tmp_path_factory):
    """The tables and report files of one uninterrupted run."""
    folder, env = _setup(tmp_path_factory.mktemp("clean"), sample, "clean")
    code, output = _finish(_start(env))
    assert code == 0, output
    tables = _tables(folder / "warehouse.duckdb")
    assert len(tables["contacts"]) == 800 and len(tables["contact_topics"]) == 800
    return tables, _report_files(folder)


@pytest.mark.parametrize(
    "after, delay",
    [("lock", 0.3), ("load", 3.0), ("analyze", 0.3)],
    ids=["during-load", "during-analyze", "during-report"],
)
def test_killed_run_then_rerun_equals_one_clean_run(sample, clean_run, tmp_path, after, delay):
    expected, expected_report = clean_run
    folder, env = _setup(tmp_path, sample, "killed")
    victim = _start(env)
    for line in victim.stdout:
        if f"] {after}: " in line:
            break
    else:
        pytest.fail(f"the run ended before its {after} step")
    time.sleep(delay)
    assert victim.poll() is None, f"the run finished before it could be killed after {after}"
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL

    code, output = _finish(_start(env))
    assert code == 0, output
    assert _tables(folder / "warehouse.duckdb") == expected, f"killed after {after}"
    assert _report_files(folder) == expected_report
