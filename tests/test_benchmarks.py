"""The benchmarks still run against the current code, at their smallest size.

Their figures are not checked here (a busy machine moves them); only that each script runs
to the end and prints its table, so a change of API cannot leave one broken until the next
time somebody measures.
"""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.slow


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_pii_benchmark_runs():
    out = _run("pii.py", "--per-format", "1")
    assert "business references:" in out
    assert "\nphone " in out


def test_the_hostile_input_benchmark_runs(tmp_path):
    out = _run("hostile_input.py", "--sizes", "0.01", "--runs", "1", "--workdir", str(tmp_path))
    assert "JSON nested deep" in out


def test_the_onnx_int8_benchmark_runs(onnx_model_cache):
    out = _run(
        "onnx_int8.py", "--banking77", "30", "--cfpb", "6", "--model-cache", str(onnx_model_cache)
    )
    assert "\nbanking77     30 " in out
    assert "\ncfpb           6 " in out
    assert "int8:torch" in out and "same topic" in out


def test_the_cluster_benchmark_runs():
    out = _run("cluster.py", "--texts", "40")
    assert "1 worker(s): vectors differ from in-process by at most" in out
    assert "2 workers : 1 worker = " in out


@pytest.mark.postgres
def test_the_cluster_benchmark_times_loads(postgres_url):
    out = _run("cluster.py", "--texts", "0", "--warehouse", postgres_url, "--load-contacts", "300")
    assert "load of 300 generated contacts into PostgreSQL (7 files)" in out
    assert "\n2 workers " in out and "2 workers : 1 worker = " in out
