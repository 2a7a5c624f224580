"""``load --dry-run`` shows what a load would store and writes nothing; a mapping that names a
column the file lacks fails before anything is written."""

import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from dumbcontacts.cli import cli
from dumbcontacts.etl.detect import Source
from dumbcontacts.etl.preview import preview_source
from dumbcontacts.etl.readers.mapping import check_columns, read_mapped_csv, read_mapping
from dumbcontacts.etl.staging import RejectedFile
from dumbcontacts.etl.templates import MAPPINGS, find_template
from tests.conftest import SHARED_DATA

TWCS = SHARED_DATA / "twcs" / "twcs_sample.csv"
COMCAST = SHARED_DATA / "comcast" / "comcast_fcc_complaints.tsv"
CFPB = SHARED_DATA / "cfpb" / "complaints_dev.csv"

MAPPING = b"""
channel = "chat"
source_system = "helpdesk"

[columns]
source_id = "Ticket"
started_at = "Opened"
customer_id = "Requester"
reason = "Description"
"""
DATA = (
    b"Ticket,Opened,Requester,Description,Agent\n"
    b"T1,2026-07-01T09:30:00Z,jo@example.com,Where is my parcel?,ann\n"
    b"T2,someday,,Refund please,bob\n"
    b"T1,2026-07-01T09:31:00Z,jo@example.com,Where is my parcel? again,ann\n"
    b"T3,2026-07-02T10:00:00Z,,,ann\n"
)


@pytest.fixture
def run(tmp_path, monkeypatch):
    """The CLI in an empty folder; no salt configured, as on a new user's machine."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), env={"DUMBCONTACTS_SALT": None})

    return invoke


def test_the_preview_is_the_load_in_memory(tmp_path):
    (tmp_path / "export.csv").write_bytes(DATA)
    mapping = read_mapping(io.BytesIO(MAPPING))
    source = Source(tmp_path / "export.csv", "contacts", "chat", "mapped")
    preview = preview_source(source, mapping=mapping, salt="s")
    assert preview.fields == [
        ("source_id", "'ticket'"),
        ("started_at", "'opened'"),
        ("customer_id", "'requester'"),
        ("reason", "'description'"),
    ]
    assert preview.unused_columns == ["agent"]
    assert preview.rows.select("reason_text").to_series().to_list() == ["Where is my parcel?", None]
    assert preview.rows["customer_key"][0] == hashlib.sha256(b"s|jo@example.com").hexdigest()[:32]
    assert (preview.rows_read, preview.rows_duplicate, preview.without_reason) == (4, 1, 1)
    assert preview.rejects.rows() == [(2, "started_at: not a timestamp")]


def _no_files_but(folder: Path, *names: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in names)


def test_a_dry_run_of_the_twitter_sample_shows_what_it_would_store(run, tmp_path):
    result = run("load", "--dry-run", str(TWCS))
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("dry run: nothing is written\n")
    assert "  format    csv, social (detected)\n" in out
    assert "    customer_id       <- author_id\n" in out
    assert "  would store 1,284 contacts; 0 duplicate in the file; 0 rejected\n" in out
    assert "  1 contact has no reason (0%): counted and priced, but not clustered\n" in out
    assert "customer keys salted for this preview" in out
    first_row = out.split("first 5 as stored")[1].splitlines()[2].strip()
    assert first_row.startswith("2017-10-31 21:45:10  2017-10-31 22:11:45  -  ")
    assert first_row.endswith("sprintcare    is the worst customer service")
    assert _no_files_but(tmp_path) == []  # no warehouse, no anything


@pytest.mark.parametrize(
    "template, path, shown",
    [
        (
            "fcc-comcast-complaints",
            COMCAST,
            [
                "  channel   email, source system fcc-comcast\n",
                "  times     %d-%m-%Y, UTC where no offset is given\n",
                "    reason            <- 'customer complaint'\n",
                "  not read  date_month_year, time, city, state, zip code, "
                "filing on behalf of someone\n",
                "  would store 2,224 contacts; 0 duplicate in the file; 0 rejected\n",
                "2015-04-22 00:00:00  -         -         -             Customer Care Call  "
                "Comcast Cable Internet Speeds\n",
            ],
        ),
        (
            "cfpb-complaints",
            CFPB,
            [
                "    reason            <- 'consumer complaint narrative'\n",
                "  would store 3,281 contacts; 0 duplicate in the file; 0 rejected\n",
                "  2,535 contacts have no reason (77%): counted and priced, but not clustered\n",
                "2019-09-24 00:00:00  -         -         -             Debt collection",
            ],
        ),
    ],
)
def test_a_dry_run_with_a_shipped_mapping(run, tmp_path, template, path, shown):
    by_name = run("load", "--dry-run", "--mapping", template, str(path))
    assert by_name.exit_code == 0, by_name.output
    assert f"described by the mapping {template} (shipped template)" in by_name.output
    for line in shown:
        assert line in by_name.output
    # The same file as a path: the same preview.
    (tmp_path / "m.toml").write_bytes(find_template(MAPPINGS, template).read_bytes())
    by_path = run("load", "--dry-run", "--mapping", "m.toml", str(path))
    assert by_path.output == by_name.output.replace(f"{template} (shipped template)", "m.toml")
    assert _no_files_but(tmp_path, "m.toml") == []


def _warehouse_state(url: str, tmp_path: Path):
    if url.startswith("duckdb"):
        return hashlib.sha256((tmp_path / "w.duckdb").read_bytes()).hexdigest()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("contacts", "loads", "rejects", "settings")
        }
    engine.dispose()
    return counts


def test_a_dry_run_or_a_mistaken_mapping_leaves_a_warehouse_as_it_was(run, tmp_path, warehouse_url):
    url = warehouse_url if warehouse_url.startswith("postgresql") else "duckdb:///w.duckdb"
    (tmp_path / "calls.csv").write_bytes(
        b"call_id,started_at,transcript\nC1,2026-09-01T08:00:00Z,Customer: my bill is wrong\n"
    )
    (tmp_path / "more.csv").write_bytes(
        b"call_id,started_at,transcript\nC2,2026-09-02T08:00:00Z,Customer: charged twice\n"
    )
    (tmp_path / "typo.toml").write_text(
        "channel = 'phone'\n[columns]\nsource_id = 'call_id'\nstarted_at = 'started_at'\n"
        "reason = 'transcrpit'\n"
    )
    assert run("--warehouse", url, "load", "calls.csv").exit_code == 0
    before = _warehouse_state(url, tmp_path)
    for path in ("calls.csv", "more.csv"):
        result = run("--warehouse", url, "load", "--dry-run", path)
        assert result.exit_code == 0, result.output
        assert "would store 1 contacts" in result.output
    failed = run("--warehouse", url, "load", "--mapping", "typo.toml", "more.csv")
    assert failed.exit_code == 2
    assert failed.output == (
        "error: more.csv: the file has no column for reason = 'transcrpit' "
        "(did you mean 'transcript'?)\n"
    )
    assert _warehouse_state(url, tmp_path) == before


TYPO = (
    find_template(MAPPINGS, "cfpb-complaints")
    .read_bytes()
    .replace(b'"Consumer complaint narrative"', b'"Consumer complaint narative"')
)


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
@pytest.mark.parametrize(
    "args, files, message",
    [
        (
            ["--mapping", "typo.toml", str(CFPB)],
            {"typo.toml": TYPO},
            f"error: {CFPB}: the file has no column for reason = 'consumer complaint narative' "
            "(did you mean 'consumer complaint narrative'?)\n",
        ),
        (  # the first file is fine: still nothing is written
            ["--mapping", "cfpb-complaints", str(CFPB), "export.csv"],
            {"export.csv": b"Complaint ID,Date received,Product,Issue,Consumer narrative\n"},
            "error: export.csv: the file has no column for reason = 'consumer complaint "
            "narrative' (did you mean 'consumer narrative'?)\n",
        ),
        (["x.png"], {"x.png": b"\x89PNG\r\n\x1a\n"}, "error: x.png: cannot tell what this file"),
        (["--mapping", "m.toml", "x.csv"], {"x.csv": b"a\n"}, "error: m.toml: no such mapping"),
    ],
)
def test_a_mistake_fails_in_one_line_before_anything_is_written(
    run, tmp_path, dry_run, args, files, message
):
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    result = run("load", *dry_run, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("error:") == 1
    assert _no_files_but(tmp_path, *files) == []


def test_a_dry_run_of_a_file_its_reader_cannot_read_fails_in_one_line(run, tmp_path):
    (tmp_path / "calls.csv").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = run("load", "--dry-run", "--channel", "phone", "--format", "csv", "calls.csv")
    assert result.exit_code == 2
    assert result.output.endswith(
        "error: calls.csv: not a call-record CSV: missing column(s) call_id, started_at\n"
    )
    assert result.output.count("error:") == 1
    assert _no_files_but(tmp_path, "calls.csv") == []


def test_every_mapped_column_must_exist_optional_ones_included():
    mapping = read_mapping(io.BytesIO(MAPPING))
    check_columns(mapping, ["ticket", "opened", "requester", "description"])
    with pytest.raises(ValueError, match=r"^the file has no column for reason = 'description'$"):
        check_columns(mapping, ["ticket", "opened", "requester", "summary"])
    # The reader holds to it too, should a file change between the check and the read.
    without = DATA.replace(b",Description,", b",Summary,")
    with pytest.raises(RejectedFile, match="missing column"):
        list(read_mapped_csv(io.BytesIO(without), mapping))
