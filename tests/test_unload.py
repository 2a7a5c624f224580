"""Undoing a load: its contacts, rejects, topic assignments, links and record go together, and
loading the corrected file then gives the table of a clean load."""

import io
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import dumbcontacts as dc
from dumbcontacts.analysis.economics.links import store_links
from dumbcontacts.analysis.topics.analyze import analyze_contacts
from dumbcontacts.cli import cli
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.readers.mapping import read_mapping
from dumbcontacts.etl.schema import (
    contact_links,
    contact_topics,
    contacts,
    defects,
    loads,
    rejects,
    settings,
)
from dumbcontacts.unload import UnloadError, find_load, remove_load
from tests.conftest import TEST_SALT
from tests.test_analyze import REASONS, TAXONOMY, ReasonEmbedder

PHRASES = [p for phrases in REASONS.values() for p in phrases]


def _export() -> bytes:
    """A help-desk export: 120 tickets from 40 customers, and one with a bad time."""
    lines = ["Ticket,Opened,Requester,Description,Summary"]
    for n in range(120):
        day, hour = 1 + n % 28, 8 + n % 10
        lines.append(
            f"T{n:03d},2026-09-{day:02d}T{hour:02d}:00:00Z,cust{n % 40}@example.com,"
            f"{PHRASES[n % len(PHRASES)]} (ticket {n}),customer wrote in about ticket {n % 7}"
        )
    lines.append("T999,yesterday,cust1@example.com,cannot log in,customer wrote in")
    return ("\n".join(lines) + "\n").encode()


def _calls() -> bytes:
    lines = ["call_id,started_at,account_id,notes"]
    lines += [
        f"C{n:02d},2026-09-{1 + n % 28:02d}T12:00:00Z,cust{n % 40}@example.com,"
        f"{PHRASES[(n * 3) % len(PHRASES)]} (call {n})"
        for n in range(40)
    ]
    return ("\n".join(lines) + "\n").encode()


def _mapping(reason_column: str):
    text = f"""
channel = "chat"
source_system = "helpdesk"
[columns]
source_id = "Ticket"
started_at = "Opened"
customer_id = "Requester"
reason = "{reason_column}"
"""
    return read_mapping(io.BytesIO(text.encode()))


def _tables(warehouse) -> dict[str, list]:
    """Every row a load writes, in a stable order; load times and what analyze adds (each
    reason's language) aside."""
    loaded = [c for c in loads.c if c.name not in ("started_at", "finished_at")]
    written = [c for c in contacts.c if c.name != "language"]
    with warehouse.connect() as conn:
        return {
            "contacts": conn.execute(select(*written).order_by(contacts.c.contact_id)).all(),
            "rejects": conn.execute(select(rejects).order_by(*rejects.primary_key)).all(),
            "loads": conn.execute(select(*loaded).order_by(loads.c.load_id)).all(),
        }


def _count(warehouse, table, where=None) -> int:
    query = select(func.count()).select_from(table)
    with warehouse.connect() as conn:
        return conn.execute(query if where is None else query.where(where)).scalar_one()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "export.csv").write_bytes(_export())
    (tmp_path / "calls.csv").write_bytes(_calls())
    return tmp_path


def _load(warehouse, path, mapping=None):
    (result,) = load_paths(warehouse, [path], mapping=mapping, salt=TEST_SALT)
    return result


def test_unload_then_a_corrected_load_gives_the_table_of_a_clean_load(warehouse, files):
    export, calls = files / "export.csv", files / "calls.csv"
    _load(warehouse, calls)
    clean = _load(warehouse, export, _mapping("Description"))
    assert (clean.rows_loaded, clean.rows_rejected) == (120, 1)
    clean_tables = _tables(warehouse)
    assert len(clean_tables["contacts"]) == 160
    remove_load(warehouse, clean.load_id)

    # The mistake: a mapping naming the wrong (existing) column for the reason.
    wrong = _load(warehouse, export, _mapping("Summary"))
    assert wrong.load_id == clean.load_id  # the same file: the same id
    reloaded = _load(warehouse, export, _mapping("Description"))
    assert reloaded.status == "already loaded"  # why an unload is needed at all
    analyze_contacts(warehouse, ReasonEmbedder(), map_threshold=0.8)
    of_export = contacts.c.load_id == wrong.load_id
    export_ids = select(contacts.c.contact_id).where(of_export)
    assert _count(warehouse, contact_topics) == 160
    assert _count(warehouse, contact_links) > 0

    result = remove_load(warehouse, find_load(warehouse, export))
    assert (result.load_id, result.source) == (wrong.load_id, str(export))
    assert (result.contacts, result.assignments, result.rejects) == (120, 120, 1)
    assert (result.volumes, result.defects) == (0, 0)
    assert _count(warehouse, contacts, of_export) == 0
    assert _count(warehouse, contact_topics, contact_topics.c.contact_id.in_(export_ids)) == 0
    assert _count(warehouse, contact_topics) == 40  # the calls keep theirs
    assert _count(warehouse, rejects) == 0
    assert _count(warehouse, loads) == 1
    # The stored repeat links counted the removed contacts: they are dropped, and metrics
    # find links themselves until analyze stores them again.
    assert _count(warehouse, contact_links) == 0
    assert _count(warehouse, settings, settings.c.key == "contact_links_for") == 0
    with warehouse.begin() as conn:
        assert store_links(conn)

    corrected = _load(warehouse, export, _mapping("Description"))
    assert (corrected.status, corrected.rows_loaded, corrected.rows_rejected) == ("loaded", 120, 1)
    assert _tables(warehouse) == clean_tables


def test_unloading_a_taxonomy_removes_its_defects(warehouse, tmp_path):
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    load = _load(warehouse, tmp_path / "defects.toml")
    assert _count(warehouse, defects) == 4
    result = dc.remove_load(warehouse, load.load_id[:6])  # a unique start stands for the id
    assert (result.defects, result.contacts, result.load_id) == (4, 0, load.load_id)
    assert _count(warehouse, defects) == 0
    assert _load(warehouse, tmp_path / "defects.toml").status == "loaded"


def test_a_load_is_found_by_its_file_or_its_name(duckdb_warehouse, files):
    warehouse = duckdb_warehouse
    path = files / "calls.csv"
    first = _load(warehouse, path)
    assert find_load(warehouse, path) == first.load_id
    path.write_bytes(_calls().replace(b"C00,", b"C99,"))  # edited since: found by name
    assert dc.find_load(warehouse, path) == first.load_id
    second = _load(warehouse, path)
    assert find_load(warehouse, path) == second.load_id  # the current content's load
    path.write_bytes(b"call_id,started_at\n")
    with pytest.raises(UnloadError, match=f"2 loads came from this file .*{second.load_id}"):
        find_load(warehouse, path)
    with pytest.raises(UnloadError, match=r"elsewhere.csv: no load came from this file"):
        find_load(warehouse, files / "elsewhere.csv")
    for unknown, message in [("0123456789abcdef", "no load with id"), ("12", "no load with id")]:
        with pytest.raises(UnloadError, match=message):
            remove_load(warehouse, unknown)


@pytest.fixture
def run(files, monkeypatch):
    monkeypatch.chdir(files)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), env={"DUMBCONTACTS_SALT": "t"})


def test_the_unload_command(run, files):
    loaded = run("load", "calls.csv")
    load_id = re.search(r"\(load ([0-9a-f]{16})\)", loaded.output).group(1)

    listed = run("unload")
    assert listed.exit_code == 2
    assert re.search(rf"\n{load_id}  \d{{4}}-\d\d-\d\d \d\d:\d\d +40  calls.csv\n", listed.output)
    assert listed.output.endswith(
        "error: name the LOAD_ID to unload (the latest loads are listed above), or --source FILE\n"
    )
    both = run("unload", load_id, "--source", "calls.csv")
    assert (both.exit_code, both.output) == (
        2,
        "error: give a LOAD_ID or --source FILE, not both\n",
    )

    done = run("unload", "--source", "calls.csv")
    assert done.exit_code == 0, done.output
    assert done.output == f"unloaded {load_id} (calls.csv): removed 40 contacts\n"
    again = run("unload", load_id)
    assert (again.exit_code, again.output) == (2, f"error: no load with id {load_id}\n")
    assert "40 new, 0 duplicate" in run("load", "calls.csv").output
