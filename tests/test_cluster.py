"""Embedding, fast assignment and loads on a local two-worker Dask cluster (Dask's own
commands, 127.0.0.1) give the warehouse the run in this process gives, and a killed worker
loses or doubles nothing."""

import datetime as dt
import functools
import json
import os
import signal
import threading
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from dumbcontacts.analysis.topics.analyze import analyze_contacts
from dumbcontacts.analysis.topics.cluster import ClusterEmbedder, predict_on_cluster
from dumbcontacts.cli import cli
from dumbcontacts.cluster import cluster_client
from dumbcontacts.errors import ConfigError, ModelError
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.warehouse import create_warehouse
from dumbcontacts.job import EXIT_OK, run_job
from dumbcontacts.samples.generate import write_sample_data
from dumbcontacts.settings import Settings
from tests.conftest import TEST_SALT, _reset_postgres
from tests.dask_cluster import local_cluster, reason_model, worker_state
from tests.job_child import make_fake_embedder
from tests.test_analyze import TAXONOMY, ReasonEmbedder, _add_contacts

TABLES = (
    "contacts", "loads", "rejects", "defects", "topic_models", "topics", "contact_topics",
    "contact_links", "embeddings",
)  # fmt: skip
NO_OVERRIDES = Path("/nonexistent/overrides.toml")  # none: the model's own mapping
RUN_TIMES = {"topic_models": ["created_at"], "loads": ["started_at", "finished_at"]}


@pytest.fixture(scope="module")
def address(tmp_path_factory):
    # A batch that kills a worker once is run again; the second time, the run fails.
    env = {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    with local_cluster(tmp_path_factory.mktemp("cluster"), workers=2, env=env) as address:
        with cluster_client(address) as client:
            client.wait_for_workers(2, timeout=60)
        yield address


@pytest.fixture
def client(address):
    with cluster_client(address) as client:
        yield client


def _reasons_warehouse(url: str, tmp_path: Path, contacts: int = 160):
    warehouse = create_warehouse(url)
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    list(load_paths(warehouse, [tmp_path / "defects.toml"], salt=TEST_SALT))
    _add_contacts(warehouse, 0, contacts)
    return warehouse


def _empty(url: str) -> None:
    if url.startswith("duckdb:///"):
        Path(url.removeprefix("duckdb:///")).unlink()
    else:
        _reset_postgres(url)


def _tables(url: str) -> dict[str, pl.DataFrame]:
    """Every table the runs write, read without the product's code, in a stable order, with
    vectors as float lists; the times of the run itself differ by design and are left out."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            result = conn.execute(sa.text(f"SELECT * FROM {name}"))
            rows = [dict(zip(result.keys(), row, strict=True)) for row in result]
            frame = pl.DataFrame(rows, infer_schema_length=None).drop(
                RUN_TIMES.get(name, []), strict=False
            )
            frame = frame.with_columns(
                pl.col(column).map_elements(_floats, return_dtype=pl.List(pl.Float64))
                for column, dtype in frame.schema.items()
                if dtype == pl.Binary
            )
            exact = [c for c, t in frame.schema.items() if not t.is_float() and t != pl.List]
            out[name] = frame.sort(exact)
    engine.dispose()
    return out


def _floats(blob: bytes) -> list[float]:
    return np.frombuffer(blob, "<f4").tolist()


def _assert_same_tables(left: dict, right: dict) -> None:
    """The same rows; floats (similarities, vectors) to 1e-5: a worker's thread count may
    sum in another order."""
    for name in TABLES:
        assert left[name].height > 0 or name in ("rejects", "contact_links"), name
        assert_frame_equal(left[name], right[name], check_exact=False, rel_tol=0, abs_tol=1e-5)


def _assert_workers_did_it(client, model: str, warehouse_url: str) -> None:
    """The cluster's workers, not this process, loaded the files and ran the model."""
    states = client.run(worker_state).values()
    assert any(model in state["models"] for state in states)
    assert any(warehouse_url in state["warehouses"] for state in states)


def _analyze(warehouse, embedder, **options):
    return analyze_contacts(
        warehouse, embedder, map_threshold=0.8, fit_sample=60, overrides=NO_OVERRIDES, **options
    )


def test_fit_and_fast_assignment_on_the_cluster_equal_the_run_in_this_process(
    client, warehouse_url, tmp_path
):
    expected = _analyze(_reasons_warehouse(warehouse_url, tmp_path), ReasonEmbedder(), fast=True)
    reference = _tables(warehouse_url)
    _empty(warehouse_url)
    embedder = ClusterEmbedder(client, reason_model, batch_size=16)
    got = _analyze(
        _reasons_warehouse(warehouse_url, tmp_path),
        embedder,
        fast=True,
        fast_predict=functools.partial(predict_on_cluster, client),
    )
    # 60 contacts fitted, the other 100 assigned by the fast path, some of them fell back.
    assert (got.assigned, got.fast.assigned) == (160, 100)
    assert got.fast.fell_back == expected.fast.fell_back
    _assert_same_tables(reference, _tables(warehouse_url))


def test_vectors_from_the_cluster_are_the_models_own_in_input_order(client):
    texts = [f"my parcel is late (ref {n})" * (1 + n % 5) for n in range(50)]
    embedder = ClusterEmbedder(client, reason_model, batch_size=7)
    assert (embedder.name, embedder.dimension) == ("reason-fake", 8)
    heard = []
    vectors = embedder.embed(texts, heard.append)
    np.testing.assert_array_equal(vectors, ReasonEmbedder().embed(texts))
    assert sorted(heard) == [1] + [7] * 7  # one report per batch, every text counted once


def test_a_worker_killed_mid_run_loses_and_doubles_no_assignment(client, tmp_path):
    reference_url = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    _analyze(_reasons_warehouse(reference_url, tmp_path), ReasonEmbedder())
    url = f"duckdb:///{tmp_path / 'clustered.duckdb'}"
    warehouse = _reasons_warehouse(url, tmp_path)
    pids = client.run(os.getpid)
    slow = functools.partial(reason_model, delay=0.3)
    embedder = ClusterEmbedder(client, slow, batch_size=4)
    done, killed = [], threading.Event()

    def kill_one_worker_after_a_few_batches(n: int) -> None:
        done.append(n)
        if len(done) == 3 and not killed.is_set():
            os.kill(next(iter(pids.values())), signal.SIGKILL)
            killed.set()

    result = _analyze(warehouse, embedder, progress=kill_one_worker_after_a_few_batches)
    assert killed.is_set() and result.assigned == 160
    assert next(iter(pids.values())) not in client.run(os.getpid).values()
    _assert_same_tables(_tables(reference_url), _tables(url))


def test_a_batch_that_kills_every_worker_fails_in_one_line_and_writes_nothing(client, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    warehouse = _reasons_warehouse(url, tmp_path, contacts=20)
    before = _tables(url)
    poisoned = functools.partial(reason_model, poison="charged twice (ref 4)")
    with pytest.raises(ModelError, match="^the compute cluster lost a batch: its workers died"):
        _analyze(warehouse, ClusterEmbedder(client, poisoned, batch_size=4))
    for name in TABLES:
        assert _tables(url)[name].equals(before[name]), name


def test_a_model_that_cannot_load_on_the_workers_fails_with_its_own_error(client):
    def missing_model(*, threads):
        raise ConfigError("cannot load embedding model /nowhere: no such folder")

    with pytest.raises(ConfigError, match="^cannot load embedding model /nowhere"):
        ClusterEmbedder(client, missing_model)


def test_a_cluster_that_cannot_be_reached_or_has_no_worker_fails_in_one_line(tmp_path):
    unreachable = pytest.raises(ConfigError, match="^cannot reach the compute cluster at tcp://")
    with unreachable, cluster_client("tcp://127.0.0.1:9", timeout=1):
        pass
    no_worker = pytest.raises(ConfigError, match=r"has no worker \(none joined in 1 s\)$")
    with local_cluster(tmp_path, workers=0) as lonely, no_worker, cluster_client(lonely, timeout=1):
        pass


@pytest.mark.postgres
def test_load_and_analyze_through_the_cluster_leave_the_warehouse_of_a_run_here(
    client, address, postgres_url, tmp_path
):
    """The whole route on generated data with the real sentence model: files loaded side by
    side by the workers into PostgreSQL, then analyze embedding on them."""
    client.wait_for_workers(2, timeout=60)  # a worker killed by an earlier test is back
    runner = CliRunner()
    data = tmp_path / "sample"
    generated = runner.invoke(cli, ["sample-data", str(data), "--contacts", "300", "--seed", "3"])
    assert generated.exit_code == 0, generated.output
    env = {
        "DUMBCONTACTS_WAREHOUSE": postgres_url,
        "DUMBCONTACTS_SALT": TEST_SALT,
        "DUMBCONTACTS_OVERRIDES": str(tmp_path / "none.toml"),
        "HF_HUB_OFFLINE": "1",
    }
    tables = {}
    for where in ("here", "cluster"):
        _empty(postgres_url)
        run_env = {**env, "DUMBCONTACTS_COMPUTE_ADDRESS": address if where == "cluster" else ""}
        loaded = runner.invoke(cli, ["load", str(data)], env=run_env)
        assert loaded.exit_code == 0, loaded.output
        analyzed = runner.invoke(cli, ["analyze", "--fit-sample", "150"], env=run_env)
        assert analyzed.exit_code == 0, analyzed.output
        said = f"on the compute cluster at {address}: 2 workers, 2 threads"
        assert (said in loaded.output, said in analyzed.output) == (where == "cluster",) * 2
        tables[where] = _tables(postgres_url)
    assert tables["cluster"]["contacts"].height == 300
    _assert_same_tables(tables["here"], tables["cluster"])
    _assert_workers_did_it(client, "sentence-transformers/all-MiniLM-L6-v2", postgres_url)


@pytest.mark.postgres
def test_analyze_and_load_say_in_one_line_when_the_cluster_cannot_be_reached(
    monkeypatch, postgres_url, tmp_path
):
    monkeypatch.setattr("dumbcontacts.cluster.CONNECT_SECONDS", 1)
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    env = {
        "DUMBCONTACTS_WAREHOUSE": postgres_url,
        "DUMBCONTACTS_COMPUTE_ADDRESS": "tcp://127.0.0.1:9",
    }
    for command in (["load", str(tmp_path / "defects.toml")], ["analyze"]):
        result = CliRunner().invoke(cli, command, env=env)
        assert result.exit_code == 2, result.output
        assert result.output.splitlines()[-1].startswith(
            "error: cannot reach the compute cluster at tcp://127.0.0.1:9: "
        )


@pytest.mark.postgres
def test_the_scheduled_job_loads_and_analyses_on_the_cluster_as_it_does_here(
    client, address, postgres_url, tmp_path
):
    start = dt.date(2026, 10, 26)
    write_sample_data(tmp_path / "inbox", contacts=300, seed=3, start=start, weeks=4)
    tables, lines = {}, []
    for where in ("here", "cluster"):
        _empty(postgres_url)
        config = Settings(
            warehouse_url=postgres_url,
            salt=TEST_SALT,
            inbox=(tmp_path / "inbox",),
            report_dir=tmp_path / where,
            overrides=NO_OVERRIDES,
            compute_address=address if where == "cluster" else None,
        )
        now = dt.datetime(2026, 11, 23, 6)  # a Monday after the sample's four weeks
        summary = run_job(
            config, make_fake_embedder, now=now, log=lambda line, error=False: lines.append(line)
        )
        assert summary.code == EXIT_OK, lines
        tables[where] = _tables(postgres_url)
    assert tables["cluster"]["contacts"].height == 300
    _assert_same_tables(tables["here"], tables["cluster"])
    _assert_workers_did_it(client, make_fake_embedder(config).name, postgres_url)


def test_evaluate_embeds_on_the_cluster_and_scores_as_it_does_here(client, address, tmp_path):
    phrases = {
        "late": ["my parcel is late", "where is my delivery", "the courier never came"],
        "charge": ["I was charged twice", "double payment on my card", "refund the extra charge"],
    }
    rows = [(f"{p} (order {n})", why) for why, ps in phrases.items() for p in ps for n in range(8)]
    path = tmp_path / "labelled.csv"
    path.write_text("text,label\n" + "".join(f"{text},{why}\n" for text, why in rows))
    args = ["evaluate", str(path), "--text-column", "text", "--label-column", "label"]
    scores = {}
    for where in ("here", "cluster"):
        env = {
            "DUMBCONTACTS_WAREHOUSE": f"duckdb:///{tmp_path / 'none.duckdb'}",  # no cache
            "DUMBCONTACTS_COMPUTE_ADDRESS": address if where == "cluster" else "",
            "HF_HUB_OFFLINE": "1",
        }
        result = CliRunner().invoke(cli, [*args, "--format", "json"], env=env)
        assert result.exit_code == 0, result.output
        scores[where] = json.loads(result.stdout)  # the cluster's line goes to stderr
        del scores[where]["seconds"]
        assert ("on the compute cluster at" in result.stderr) == (where == "cluster")
    assert scores["cluster"] == scores["here"]
    assert scores["here"]["n_docs"] == 48
    assert any(
        model.startswith("sentence-transformers/")
        for s in client.run(worker_state).values()
        for model in s["models"]
    )
