import json

import duckdb
import pytest
from click.testing import CliRunner
from sqlalchemy import make_url

from dumbcontacts.cli import cli
from dumbcontacts.cli.edges import find_configured_warehouse
from dumbcontacts.etl.warehouse import create_warehouse
from dumbcontacts.settings import Settings
from tests.conftest import list_tables
from tests.test_dashboard_app import OVERVIEW_INPUTS


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run the CLI in a scratch folder, with the default (embedded) warehouse."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str, env: dict | None = None):
        return runner.invoke(cli, list(args), env={"DUMBCONTACTS_SALT": "t", **(env or {})})

    return invoke


def test_sample_data_then_load_twice(run, tmp_path):
    result = run("sample-data", "demo", "--contacts", "600", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "wrote 600 contacts" in result.output

    first = run("load", "demo")
    assert first.exit_code == 0, first.output
    assert "warehouse now holds 600 contacts" in first.output
    for channel in ("phone", "email", "chat", "social"):
        assert f"\n{channel} " in first.output

    second = run("load", "demo")
    assert second.exit_code == 0
    assert "already loaded" in second.output
    assert "warehouse now holds 600 contacts" in second.output
    assert (tmp_path / "dumbcontacts.duckdb").exists()


def test_sample_data_with_a_fix_records_it(run, tmp_path):
    result = run("sample-data", "fixed", "--contacts", "300", "--fix-defect", "policy-delivery-fee")
    assert result.exit_code == 0, result.output
    assert "policy-delivery-fee: contacts per order halve from 2026-10-12" in result.output
    truth = json.loads((tmp_path / "fixed" / "ground_truth.json").read_text())
    assert truth["fix"] == {"defect_id": "policy-delivery-fee", "date": "2026-10-12", "factor": 0.5}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--fix-defect", "nope"], "unknown defect 'nope' to fix"),
        (["--fix-defect", "policy-delivery-fee", "--fix-date", "2026-08-03"], "must be after"),
        (["--fix-date", "2026-10-01"], "needs --fix-defect"),
        (["--fix-defect", "policy-delivery-fee", "--fix-date", "1 Oct"], "%Y-%m-%d"),
    ],
)
def test_sample_data_refuses_a_fix_it_cannot_make(run, tmp_path, options, message):
    result = run("sample-data", "fixed", "--contacts", "300", *options)
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "fixed").exists()


def test_rejects_are_counted_and_the_load_succeeds(run, tmp_path):
    (tmp_path / "calls.csv").write_bytes(
        b"call_id,started_at,transcript\nC1,2026-09-01T08:00:00Z,Customer: my bill\nC2,never,x\n"
    )
    result = run("load", "calls.csv")
    assert result.exit_code == 0, result.output
    assert "1 new, 0 duplicate, 1 rejected" in result.output


def test_contacts_without_a_reason_are_counted(run, tmp_path):
    (tmp_path / "calls.csv").write_bytes(
        b"call_id,started_at,transcript\n"
        b"C1,2026-09-01T08:00:00Z,Customer: Billing\n"
        b"C2,2026-09-01T08:00:00Z,Customer: hello there\n"
        b"C3,2026-09-01T08:00:00Z,Customer: Acme!\n"
        b'C4,2026-09-01T08:00:00Z,"Customer: Acme\nCustomer: Slow internet"\n'
    )
    result = run("load", "calls.csv", env={"DUMBCONTACTS_BRAND_NAMES": "Acme"})
    assert result.exit_code == 0, result.output
    assert "4 new (2 without a reason), 0 duplicate, 0 rejected" in result.output
    assert "\nphone             4          2          0          0\n" in result.output


def test_transcripts_are_stored_redacted_only_when_asked(run, tmp_path):
    (tmp_path / "calls.csv").write_bytes(
        b"call_id,started_at,transcript\n"
        b"C1,2026-09-01T08:00:00Z,Customer: my bill is wrong. Call me on 415-555-0199\n"
    )
    assert run("load", "calls.csv").exit_code == 0
    kept = run("--warehouse", "duckdb:///kept.duckdb", "load", "--keep-transcripts", "calls.csv")
    assert kept.exit_code == 0, kept.output
    stored = {}
    for name in ("dumbcontacts.duckdb", "kept.duckdb"):
        with duckdb.connect(str(tmp_path / name), read_only=True) as conn:
            stored[name] = conn.execute("SELECT reason_text, transcript FROM contacts").fetchone()
    reason = "my bill is wrong. Call me on [PHONE]"
    assert stored["dumbcontacts.duckdb"] == (reason, None)
    assert stored["kept.duckdb"] == (reason, f"Customer: {reason}")


@pytest.mark.parametrize(
    "args, files, message, code",
    [
        (["load", "missing.csv"], {}, "error: missing.csv: no such file or folder\n", 2),
        (["load", "people.csv"], {"people.csv": b"name\nJo\n"}, "describe them with --mapping", 2),
        (["load", "calls.csv"], {"calls.csv": b"\x89PNG\r\n\x1a\n"}, "with --mapping", 2),
        (
            ["load", "--channel", "phone", "calls.csv"],
            {"calls.csv": b"\x89PNG\r\n\x1a\n"},
            "error: calls.csv: not a call-record CSV",
            1,
        ),
        (
            ["load", "--mapping", "m.toml", "x.csv"],
            {"m.toml": b"channel = 'fax'", "x.csv": b"a\n"},
            "error: m.toml: mapping needs channel",
            2,
        ),
        (
            ["--warehouse", "nosuchdb://x", "load", "c.csv"],
            {"c.csv": b"call_id,started_at\n"},
            "error: cannot open warehouse nosuchdb://x",
            2,
        ),
        (  # the password stays out of the message
            ["--warehouse", "postgresql://ana:s3cret@127.0.0.1:1/contacts", "rank"],
            {},
            "error: cannot open warehouse postgresql://ana:***@127.0.0.1:1/contacts: ",
            2,
        ),
        (["--warehouse", "not a url", "rank"], {}, "error: cannot open warehouse not a url: ", 2),
    ],
)
def test_errors_are_one_line_and_name_the_file(run, tmp_path, args, files, message, code):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = run(*args)
    assert result.exit_code == code
    assert message in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1


@pytest.mark.parametrize("command", [["rank"], ["report", "--week", "2026-W40"], ["dashboard"]])
def test_reading_commands_never_create_a_warehouse(run, warehouse_url, tmp_path, command):
    # warehouse_url names a DuckDB file not made yet, or an empty PostgreSQL database.
    result = run("--warehouse", warehouse_url, *command)
    shown = make_url(warehouse_url).render_as_string(hide_password=True)
    assert result.exit_code == 2
    assert result.stderr == f"error: no warehouse at {shown} (`dumbcontacts load` makes one)\n"
    assert list(tmp_path.iterdir()) == []
    if warehouse_url.startswith("postgresql"):
        assert list_tables(warehouse_url) == []


def test_a_mistyped_warehouse_is_named_and_not_made(run, tmp_path):
    result = run("rank", env={"DUMBCONTACTS_WAREHOUSE": "duckdb:///typo.duckdb"})
    assert (result.exit_code, result.stderr) == (
        2,
        "error: no warehouse at duckdb:///typo.duckdb (`dumbcontacts load` makes one)\n",
    )
    assert not (tmp_path / "typo.duckdb").exists()


def test_evaluate_caches_vectors_only_in_a_warehouse_that_exists(tmp_path):
    # evaluate scores a labelled file: it needs no warehouse, and makes none.
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert find_configured_warehouse(Settings(warehouse_url=url)) is None
    assert list(tmp_path.iterdir()) == []
    create_warehouse(url)
    assert str(find_configured_warehouse(Settings(warehouse_url=url)).engine.url) == url


def test_warehouse_comes_from_the_environment(run, tmp_path):
    (tmp_path / "calls.csv").write_bytes(b"call_id,started_at\nC1,2026-09-01T08:00:00Z\n")
    url = f"duckdb:///{tmp_path / 'elsewhere.duckdb'}"
    result = run("load", "calls.csv", env={"DUMBCONTACTS_WAREHOUSE": url})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "elsewhere.duckdb").exists()
    assert not (tmp_path / "dumbcontacts.duckdb").exists()


@pytest.mark.slow
def test_demo_goes_from_nothing_to_a_ranked_dashboard(run, tmp_path):
    from dumbcontacts.dashboard.app import create_app
    from dumbcontacts.dashboard.probe import DashProbe

    result = run("demo", "--no-serve", "--contacts", "300", "--dir", "d")
    assert result.exit_code == 0, result.output
    assert "warehouse now holds 300 contacts" in result.output
    assert "run `dumbcontacts dashboard`" in result.output

    ranking = run("rank", "--format", "json")
    assert ranking.exit_code == 0, ranking.output
    defect_ids = [row["defect_id"] for row in json.loads(ranking.output)]
    assert defect_ids

    probe = DashProbe.over_flask(create_app(Settings.from_environ()).server.test_client())
    overview = probe.call("overview-headline", dict.fromkeys(OVERVIEW_INPUTS))
    assert overview.status == 200
    assert defect_ids[0] in str(overview.body["response"]["overview-table"])
