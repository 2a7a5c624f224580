"""``dumbcontacts run``: idempotent, incremental, one at a time, and whole after a crash."""

import dataclasses
import datetime as dt
import re
import shutil
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dumbcontacts.analysis.topics.fast_assign import assign_fast
from dumbcontacts.cli import cli
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.schema import contact_topics, contacts, loads, topic_models
from dumbcontacts.etl.warehouse import create_warehouse, open_warehouse
from dumbcontacts.job import EXIT_BUSY, EXIT_CONFIG, EXIT_OK, refit_due, run_job
from dumbcontacts.run_lock import RunBusy, hold_run_lock, lock_file_path
from dumbcontacts.samples.generate import write_sample_data
from dumbcontacts.settings import Settings
from tests.job_child import make_fake_embedder
from tests.job_inbox import split_last_day

# A Monday: the week before it (2026-W47) is the last complete one and ends the sample.
NOW = dt.datetime(2026, 11, 23, 6, 0)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Four weeks of sample data, and the same split into its last day and the rest."""
    root = tmp_path_factory.mktemp("job-sample")
    write_sample_data(root / "all", contacts=800, seed=3, start=dt.date(2026, 10, 26), weeks=4)
    day = split_last_day(root / "all", root / "before", root / "day")
    return {"root": root, "day": day}


def _config(tmp_path, warehouse_url, inbox) -> Settings:
    return Settings(
        warehouse_url=warehouse_url,
        salt="k",
        inbox=(inbox,),
        report_dir=tmp_path / "reports",
        overrides=tmp_path / "no-overrides.toml",
    )


def _run(config, now=NOW):
    lines = []
    summary = run_job(
        config, make_fake_embedder, now=now, log=lambda line, error=False: lines.append(line)
    )
    return summary, lines


def _steps(lines: list[str]) -> dict[str, str]:
    """step -> message, from lines like '2026-11-23T06:00:00Z [123] load: ...'."""
    steps = {}
    for line in lines:
        step, message = line.split("] ", 1)[1].split(": ", 1)
        assert step not in steps, f"two lines for {step}: {lines}"
        steps[step] = message
    return steps


def _snapshot(warehouse) -> dict:
    assigned = select(contact_topics).order_by(*contact_topics.primary_key.columns)
    with warehouse.connect() as conn:
        return {
            "loads": conn.execute(select(loads.c.load_id).order_by(loads.c.load_id)).all(),
            "contacts": conn.execute(select(contacts.c.contact_id).order_by("contact_id")).all(),
            "assigned": conn.execute(assigned).all(),
            "models": conn.execute(select(topic_models.c.model_version)).all(),
        }


def test_run_twice_loads_nothing_the_second_time(sample, tmp_path, warehouse_url):
    inbox = tmp_path / "inbox"
    shutil.copytree(sample["root"] / "all", inbox)
    config = _config(tmp_path, warehouse_url, inbox)

    first, lines = _run(config)
    assert first.code == EXIT_OK, lines
    steps = _steps(lines)
    assert list(steps) == ["lock", "load", "analyze", "report"]
    assert first.files_loaded == 6  # four channels, volumes, taxonomy (ground truth skipped)
    assert first.contacts_loaded == 800 and first.assigned == 800
    assert steps["load"].startswith("6 new files (800 contacts, 0 rejected), 0 already loaded")
    assert steps["analyze"].startswith("model v1 fitted (the first model); ")
    assert first.report == config.report_dir / "2026-W47"
    assert (first.report / "report.html").is_file() and (first.report / "ranking.csv").is_file()
    warehouse = open_warehouse(warehouse_url)
    before = _snapshot(warehouse)
    report_bytes = (first.report / "report.html").read_bytes()

    second, lines = _run(config)
    steps = _steps(lines)
    assert second.code == EXIT_OK, lines
    assert (second.files_loaded, second.contacts_loaded, second.assigned) == (0, 0, 0)
    assert second.report is None and not second.refitted
    assert steps["load"].startswith("0 new files (0 contacts, 0 rejected), 6 already loaded")
    assert steps["analyze"].startswith("nothing new to assign (model v1")
    assert steps["report"].startswith("2026-W47 already written")
    assert _snapshot(warehouse) == before
    assert (first.report / "report.html").read_bytes() == report_bytes


def test_a_new_day_of_files_loads_and_assigns_only_those(sample, tmp_path, warehouse_url):
    inbox = tmp_path / "inbox"
    shutil.copytree(sample["root"] / "before", inbox)
    config = _config(tmp_path, warehouse_url, inbox)
    first, lines = _run(config)
    assert first.code == EXIT_OK, lines
    warehouse = open_warehouse(warehouse_url)
    before = _snapshot(warehouse)

    for path in sorted((sample["root"] / "day").iterdir()):
        shutil.copy(path, inbox / path.name)
    second, lines = _run(config)
    assert second.code == EXIT_OK, lines

    # What those files hold on their own, loaded into a warehouse of their own.
    alone = create_warehouse(f"duckdb:///{tmp_path / 'day-only.duckdb'}")
    list(load_paths(alone, [sample["root"] / "day"], salt="k"))
    keys = [contacts.c.channel, contacts.c.source_id]
    with alone.connect() as conn:
        expected = set(conn.execute(select(*keys)).all())
    with warehouse.connect() as conn:
        new_ids = {r.contact_id for r in conn.execute(select(contacts.c.contact_id))} - {
            r.contact_id for r in before["contacts"]
        }
        new = set(conn.execute(select(*keys).where(contacts.c.contact_id.in_(new_ids))).all())
        started = select(contacts.c.started_at).where(contacts.c.contact_id.in_(new_ids))
        days = {row.started_at.date() for row in conn.execute(started)}
    assert len(expected) == 20 and new == expected
    assert days == {sample["day"]}
    assert second.files_loaded == 4 and second.contacts_loaded == len(expected)
    # Each new contact is assigned, or counted as alike to no topic of the model.
    assert second.assigned > 0 and not second.refitted
    assert second.assigned + second.no_topic == len(expected)
    after = _snapshot(warehouse)
    assert after["models"] == before["models"]
    assigned_now = {row.contact_id for row in after["assigned"]}
    newly = assigned_now - {row.contact_id for row in before["assigned"]}
    assert newly <= new_ids and len(newly) == second.assigned
    assert set(before["assigned"]) <= set(after["assigned"])  # nothing reassigned


def test_refit_when_the_model_is_older_than_the_cadence(sample, tmp_path, duckdb_warehouse):
    inbox = tmp_path / "inbox"
    shutil.copytree(sample["root"] / "before", inbox)
    config = _config(tmp_path, str(duckdb_warehouse.engine.url), inbox)
    assert _run(config)[0].model_version == 1
    with duckdb_warehouse.connect() as conn:
        created = conn.execute(select(topic_models.c.created_at)).scalar()

    later, lines = _run(config, now=created + dt.timedelta(days=config.refit_every_days, hours=1))
    steps = _steps(lines)
    assert later.code == EXIT_OK and later.refitted and later.model_version == 2
    assert (
        f"refitted: v1 was 28 days old (refit every {config.refit_every_days})" in steps["analyze"]
    )
    assert later.files_loaded == 0  # a refit needs no new files


@pytest.mark.parametrize(
    "age_days, every_days, due",
    [(0, 28, False), (27.9, 28, False), (28, 28, True), (40, 28, True), (1, 1, True)],
)
def test_refit_due(age_days, every_days, due):
    created = dt.datetime(2026, 10, 1)
    assert refit_due(created, created + dt.timedelta(days=age_days), every_days) is due


def test_lock_file_sits_beside_the_warehouse(tmp_path):
    assert (
        lock_file_path(f"duckdb:///{tmp_path}/w.duckdb", tmp_path / "r")
        == tmp_path / "w.duckdb.run.lock"
    )
    assert lock_file_path("duckdb:///:memory:", tmp_path / "r") == tmp_path / "r" / "run.lock"


def test_the_lock_admits_one_holder_at_a_time(tmp_path, warehouse_url):
    with (
        hold_run_lock(warehouse_url, tmp_path),
        pytest.raises(RunBusy, match="another dumbcontacts run holds"),
        hold_run_lock(warehouse_url, tmp_path),
    ):
        pass
    with hold_run_lock(warehouse_url, tmp_path):  # released at the end of the block
        pass


@pytest.fixture
def cli_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args, env=None):
        return runner.invoke(cli, ["run", *args], env={"DUMBCONTACTS_SALT": "t", **(env or {})})

    return invoke


def test_run_command_exit_codes(cli_run, tmp_path):
    result = cli_run()
    assert result.exit_code == EXIT_CONFIG
    assert "config: error: no inbox folders configured" in result.output

    (tmp_path / "dumbcontacts.toml").write_text('[run]\ninbox = ["missing"]\n')
    result = cli_run()
    assert result.exit_code == EXIT_CONFIG and "inbox folder not found: missing" in result.output

    (tmp_path / "inbox").mkdir()
    (tmp_path / "dumbcontacts.toml").write_text('[run]\ninbox = ["inbox"]\n')
    with hold_run_lock(None, tmp_path / "reports"):
        started = time.monotonic()
        result = cli_run()
    assert result.exit_code == EXIT_BUSY
    assert time.monotonic() - started < 2
    assert "lock: error: another dumbcontacts run holds" in result.output
    assert "load:" not in result.output


def test_run_command_waits_for_contacts_before_reporting(cli_run, tmp_path):
    """The whole command, embedder wiring aside: an inbox of volumes and a taxonomy only."""
    inbox = tmp_path / "inbox"
    write_sample_data(tmp_path / "sample", contacts=50, seed=1)
    inbox.mkdir()
    for name in ("business_volumes.csv", "defects.toml"):
        shutil.copy(tmp_path / "sample" / name, inbox / name)
    (tmp_path / "dumbcontacts.toml").write_text('[run]\ninbox = ["inbox"]\nreport_dir = "out"\n')
    result = cli_run()
    assert result.exit_code == EXIT_OK, result.output
    assert "load: 2 new files (0 contacts, 0 rejected)" in result.output
    assert "analyze: no contacts with a reason yet" in result.output
    assert "has no contacts yet; written once they arrive" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_file_that_fails_to_load_fails_the_run_and_postpones_the_report(sample, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(sample["root"] / "all" / "defects.toml", inbox / "defects.toml")
    (inbox / "notes.txt").write_bytes(b"\x89PNG\r\n\x1a\n")
    config = _config(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}", inbox)
    summary, lines = _run(config)
    assert summary.code == 1 and summary.files_loaded == 1
    assert any("load: error: " in line and "notes.txt" in line for line in lines), lines
    assert any("report: postponed" in line for line in lines), lines
    assert not (config.report_dir / "2026-W47").exists()


@pytest.mark.parametrize("keep", [False, True])
def test_run_keeps_transcripts_only_when_configured(sample, tmp_path, keep):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    config = dataclasses.replace(
        _config(tmp_path, url, sample["root"] / "before"), keep_transcripts=keep
    )
    summary, _ = _run(config)
    assert summary.code == EXIT_OK and summary.contacts_loaded > 0
    kept = select(contacts.c.transcript).where(contacts.c.transcript.is_not(None)).limit(1)
    with open_warehouse(url).connect() as conn:
        assert (conn.execute(kept).first() is not None) is keep


def test_run_assigns_with_the_fast_path_when_configured(sample, tmp_path, monkeypatch):
    import dumbcontacts.analysis.topics.analyze

    inbox = tmp_path / "inbox"
    shutil.copytree(sample["root"] / "before", inbox)
    config = dataclasses.replace(
        _config(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}", inbox), run_fast=True
    )
    assert _run(config)[0].code == EXIT_OK
    decided = []

    def recording(assigner, texts, *args):
        decided.append(len(texts))
        return assign_fast(assigner, texts, *args)

    monkeypatch.setattr(dumbcontacts.analysis.topics.analyze, "assign_fast", recording)
    for path in sorted((sample["root"] / "day").iterdir()):
        shutil.copy(path, inbox / path.name)
    summary, lines = _run(config)
    assert summary.code == EXIT_OK, lines
    assert decided == [summary.contacts_loaded] and summary.assigned == summary.contacts_loaded
    (line,) = [line for line in lines if "fast path:" in line]
    assert re.search(
        r"; fast path: \d+\.\d% expected agreement with the sentence model \(target 97%, "
        rf"measured on [\d,]+ held-back texts, .*\); [\d,]+ of {summary.contacts_loaded:,} new "
        r"contacts \(\d+\.\d%\) were embedded",
        line,
    ), line


def test_a_bug_in_a_step_keeps_its_traceback(sample, tmp_path, monkeypatch):
    """A ValueError out of the clustering is a bug, not a failed step to log in one line."""
    import dumbcontacts.analysis.topics.analyze

    def broken(*args, **kwargs):
        raise ValueError("n_neighbors must be greater than 1")

    monkeypatch.setattr(dumbcontacts.analysis.topics.analyze, "fit_guided", broken)
    config = _config(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}", sample["root"] / "before")
    lines = []
    with pytest.raises(ValueError, match="n_neighbors"):
        run_job(
            config, make_fake_embedder, now=NOW, log=lambda line, error=False: lines.append(line)
        )
    assert not any("analyze:" in line for line in lines), lines


def test_a_broken_overrides_file_fails_the_step_in_one_line(sample, tmp_path):
    config = _config(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}", sample["root"] / "before")
    config.overrides.write_text("[[topic]]\nkey = 'T0001'\n")
    summary, lines = _run(config)
    assert summary.code == 1 and summary.files_loaded == 6
    message = _steps(lines)["analyze"]
    assert (
        message == f"error: {config.overrides}: overrides topic 1 (T0001): sets none of "
        "defect, merge_into, label"
    )
