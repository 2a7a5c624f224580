"""What a careless exporter or an attacker sends, loaded end to end on each engine: every
record is judged on its own, absurd values are rejected with a reason that never quotes
them, nothing is silently lost, and a bug still fails loudly."""

import codecs
import gzip
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dumbcontacts.cli import cli
from dumbcontacts.etl.load import LoadError, load_paths
from dumbcontacts.etl.schema import contacts, loads, rejects
from tests.absurd_times import ABSURD_REJECTS, GOOD_IDS, write_absurd_files
from tests.conftest import TEST_SALT

CALLS = "call_id,started_at,ended_at,queue,transcript\n"
GOOD_CALL = "C1,2026-09-01T08:00:00Z,2026-09-01T08:05:00Z,billing,Customer: my bill is wrong\n"


def _load(warehouse, *paths, **options):
    return list(load_paths(warehouse, paths, salt=TEST_SALT, **options))


def _stored(warehouse):
    with warehouse.connect() as conn:
        ids = conn.execute(select(contacts.c.source_id).order_by("source_id")).scalars().all()
        bad = conn.execute(
            select(rejects.c.record_no, rejects.c.reason, rejects.c.excerpt).order_by("record_no")
        ).all()
    return ids, [tuple(row) for row in bad]


def test_absurd_times_are_rejected_and_every_file_goes_on(warehouse, tmp_path):
    files = write_absurd_files(tmp_path)
    results = _load(warehouse, *files)
    assert [r.status for r in results] == ["loaded"] * len(files)
    with warehouse.connect() as conn:
        stored = conn.execute(
            select(loads.c.source, rejects.c.record_no, rejects.c.reason).join(
                loads, loads.c.load_id == rejects.c.load_id
            )
        ).all()
        loaded = dict(conn.execute(select(contacts.c.source_id, contacts.c.channel)).all())
    found = {(source.rsplit("/", 1)[-1], record_no, reason) for source, record_no, reason in stored}
    # A reason names the field and the window, whose end moves with the clock.
    assert {(f, n, re.sub(r"to \d{4}-\d\d-\d\d$", "to ", r)) for f, n, r in found} == ABSURD_REJECTS
    assert {loaded[source_id] for source_id in GOOD_IDS.values()} == set(GOOD_IDS)


def test_a_megabyte_value_is_rejected_quickly_with_a_short_redacted_excerpt(warehouse, tmp_path):
    long_id = "x" * 1_000_000
    digits = "1" * 1_000_000  # an 8+ digit run: redaction's worst case
    path = tmp_path / "calls.csv"
    path.write_text(
        CALLS
        + GOOD_CALL
        + f"{long_id},call me on 07700 900123 or jo.bloggs@example.com,,q,Customer: hi\n"
        + f"C3,{digits},,q,Customer: hi\n"
    )
    (result,) = _load(warehouse, path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 2)
    ids, bad = _stored(warehouse)
    assert ids == ["C1"]
    assert [(n, reason) for n, reason, _ in bad] == [
        (2, "started_at: not a timestamp"),
        (3, "started_at: not a timestamp"),
    ]
    # The one token longer than an excerpt is left out whole; the value is never in a reason.
    assert [excerpt for _, _, excerpt in bad] == ["", "C3 |"]


def test_nul_is_stored_the_same_on_both_engines(warehouse, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(
        (
            CALLS + GOOD_CALL + "C\x002,2026-09-01T08:00:00Z,,bill\x00ing,Customer: a\x00b c d\n"
        ).encode()
    )
    (result,) = _load(warehouse, path)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    with warehouse.connect() as conn:
        rows = conn.execute(
            select(contacts.c.source_id, contacts.c.queue, contacts.c.reason_text).order_by(
                "source_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("C1", "billing", "my bill is wrong"),
        ("C2", "billing", "ab c d"),
    ]


@pytest.mark.parametrize(
    "name, data, loaded, rejected",
    [
        # Old Mac line ends: loaded "0 new, 0 rejected" and then skipped forever.
        ("mac.csv", (CALLS + GOOD_CALL).replace("\n", "\r").encode(), 1, 0),
        # Cut inside a quote: the truncated last record was loaded as if complete.
        ("cut.csv", (CALLS + GOOD_CALL + 'C2,2026-09-01T09:00:00Z,,q,"Customer: my bi').encode(),
         1, 1),
        # UTF-16 from a spreadsheet: "columns match no known export".
        ("utf16.csv", codecs.BOM_UTF16_LE + (CALLS + GOOD_CALL).encode("utf-16-le"), 1, 0),
        ("utf16-nobom.csv", (CALLS + GOOD_CALL).encode("utf-16-be"), 1, 0),
        # ISO 8601 without seconds.
        ("minutes.csv", (CALLS + "C1,2026-09-10T10:00Z,2026-09-10T10:05Z,q,Customer: x y z\n")
         .encode(), 1, 0),
    ],
)  # fmt: skip
def test_nothing_is_silently_lost(warehouse, tmp_path, name, data, loaded, rejected):
    path = tmp_path / name
    path.write_bytes(data)
    (result,) = _load(warehouse, path)
    assert (result.channel, result.rows_loaded, result.rows_rejected) == ("phone", loaded, rejected)
    if rejected:
        assert _stored(warehouse)[1] == [
            (
                2,
                "ends inside a quoted field (file cut short?)",
                'C2,2026-09-01T09:00:00Z,,q,"Customer: my',
            )
        ]


@pytest.mark.parametrize("name", ["calls.csv", "chats.jsonl", "emails.mbox", "volumes.csv"])
def test_an_empty_file_is_skipped_whatever_its_format(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b" \n\n")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = CliRunner().invoke(cli, ["--warehouse", url, "load", str(path)])
    assert result.exit_code == 0, result.output
    assert f"skipped         {path}: empty file" in result.output


def test_a_compressed_file_is_refused_in_one_line(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_bytes(gzip.compress((CALLS + GOOD_CALL).encode()))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = CliRunner().invoke(cli, ["--warehouse", url, "load", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {path}: gzip-compressed; decompress it first, then load the file inside\n"
    )


def test_a_bug_in_a_reader_still_fails_loudly(tmp_path, monkeypatch):
    from dumbcontacts.etl.readers import phone

    def broken(calls, source_system):
        raise TypeError("a bug, not a bad record")

    monkeypatch.setattr(phone, "_staging_from_calls", broken)
    path = tmp_path / "calls.csv"
    path.write_text(CALLS + GOOD_CALL)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    result = CliRunner().invoke(cli, ["--warehouse", url, "load", str(path)])
    assert isinstance(result.exception, TypeError)  # with its traceback, not a reject


def test_a_file_level_failure_names_the_file_in_one_line(duckdb_warehouse, tmp_path):
    path = tmp_path / "chats.json"
    path.write_bytes(b"[oops, nope]")
    with pytest.raises(LoadError) as caught:
        _load(duckdb_warehouse, path)
    assert str(caught.value) == (
        f"{path}: not a chat JSON/JSONL file: element 1: invalid JSON: Expecting value at column 1"
    )
