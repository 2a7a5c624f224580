"""One error tree: a user's mistake is one line and exit 2, a bug keeps its traceback."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

import dumbcontacts as dc
import dumbcontacts.etl.load
from dumbcontacts import errors
from dumbcontacts.cli import cli
from dumbcontacts.errors import ConfigError, DumbContactsError, InputError, WarehouseError
from dumbcontacts.etl.warehouse import open_warehouse
from dumbcontacts.run_lock import hold_run_lock

CALLS = b"call_id,started_at,transcript\nC1,2026-09-01T08:00:00Z,Customer: my bill is wrong\n"


@pytest.fixture
def run(tmp_path, monkeypatch):
    """The CLI in a scratch folder, with no configuration but what a test writes there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUMBCONTACTS_CONFIG", raising=False)
    monkeypatch.delenv("DUMBCONTACTS_WAREHOUSE", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), env={"DUMBCONTACTS_SALT": "t"})

    return invoke


def test_every_error_is_a_dumbcontacts_error_and_on_the_package():
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type):
            assert issubclass(value, DumbContactsError), name
            assert getattr(dc, name) is value and name in dc.__all__
    # The builtin bases they had before the tree: code that caught those still does.
    assert issubclass(errors.LoadError, InputError) and issubclass(InputError, ValueError)
    assert issubclass(errors.WarehouseBusy, WarehouseError)
    assert issubclass(errors.WarehouseBusy, RuntimeError)


@pytest.mark.parametrize(
    ("config", "args", "message"),
    [
        (
            "[run]\ninbox = [1, 2]\n",
            ["rank"],
            "error: dumbcontacts.toml: run.inbox must be a list of str\n",
        ),
        (
            "[costs]\nphone = 5\n",
            ["rank"],
            "error: dumbcontacts.toml: costs.phone must be a table ([costs.phone])\n",
        ),
        ("warehouse = 5\n", ["rank"], "error: dumbcontacts.toml: warehouse must be a str\n"),
        (
            'overrides = "o.toml"\n',
            ["analyze", "--overrides", "typo.toml"],
            "error: typo.toml: cannot read overrides: no such file\n",
        ),
        (
            "",
            ["--warehouse", "sqlite:///w.db", "rank"],
            "error: cannot open warehouse sqlite:///w.db: sqlite is not supported "
            "(use duckdb:///file.duckdb or postgresql://...)\n",
        ),
        (
            "",
            ["--warehouse", "mysql://u:secret@host/db", "rank"],
            "error: cannot open warehouse mysql://u:***@host/db: No module named 'MySQLdb'\n",
        ),
        (
            "",
            ["--warehouse", "duckdb:///no/such/folder/w.duckdb", "rank"],
            "error: no warehouse at duckdb:///no/such/folder/w.duckdb "
            "(`dumbcontacts load` makes one)\n",
        ),
        (
            "",
            ["load", "--mapping", "m.toml", "calls.csv"],
            "error: m.toml: mapping: timezone 'Mars/Olympus' is not a time zone "
            "(e.g. Europe/London)\n",
        ),
    ],
)
def test_a_user_error_is_one_line_and_exit_2(run, tmp_path, config, args, message):
    (tmp_path / "dumbcontacts.toml").write_text(config)
    (tmp_path / "calls.csv").write_bytes(CALLS)
    (tmp_path / "m.toml").write_text(
        'channel = "phone"\ntimezone = "Mars/Olympus"\n'
        '[columns]\nsource_id = "call_id"\nstarted_at = "started_at"\n'
    )
    result = run(*args)
    assert (result.exit_code, result.exception.__class__) == (2, SystemExit)
    assert result.output.startswith(message) and result.output.count("\n") == 1


def test_an_unreachable_server_is_one_line_without_its_password(run):
    result = run("--warehouse", "postgresql://u:secret@127.0.0.1:1/db", "rank")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith("error: cannot open warehouse postgresql://u:***@")
    assert "secret" not in result.output


def test_a_bug_keeps_its_traceback(run, tmp_path, monkeypatch):
    """A ValueError inside normalisation is a bug, not a bad file: it is not a one-liner."""

    def broken(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")

    (tmp_path / "calls.csv").write_bytes(CALLS)
    assert run("load", "calls.csv").exit_code == 0
    (tmp_path / "more.csv").write_bytes(CALLS.replace(b"C1", b"C2"))
    monkeypatch.setattr(dumbcontacts.etl.load, "normalize_contacts", broken)
    result = run("load", "more.csv")
    assert isinstance(result.exception, ValueError) and result.exit_code == 1
    assert "operands could not be broadcast" not in result.output  # the traceback tells it
    assert "error:" not in result.output


def test_the_command_line_imports_without_fcntl(tmp_path, monkeypatch):
    """Windows has no fcntl: the commands load, and only the job's file lock says so."""
    code = "import sys; sys.modules['fcntl'] = None; import dumbcontacts.cli"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
    monkeypatch.setitem(sys.modules, "fcntl", None)
    with (
        pytest.raises(ConfigError, match="fcntl, which this system lacks"),
        hold_run_lock(f"duckdb:///{tmp_path / 'w.duckdb'}", tmp_path),
    ):
        pass


def test_a_warehouse_url_error_names_no_password():
    with pytest.raises(WarehouseError, match=r"cannot open warehouse nosuchdb://u:\*\*\*@h/d"):
        open_warehouse("nosuchdb://u:secret@h/d")
