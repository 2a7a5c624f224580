"""The starter taxonomies and export mappings shipped with the package, and their commands."""

import hashlib
import io
import re

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from dumbcontacts.analysis.economics.ranking import rank_defects
from dumbcontacts.analysis.topics.analyze import analyze_contacts
from dumbcontacts.cli import cli
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.readers.mapping import read_mapping
from dumbcontacts.etl.readers.taxonomy import ACTIONS, CATEGORIES, read_taxonomy
from dumbcontacts.etl.schema import CHANNELS, contacts
from dumbcontacts.etl.templates import (
    MAPPINGS,
    TAXONOMIES,
    find_template,
    list_templates,
    open_mapping,
)
from dumbcontacts.etl.warehouse import insert_new_rows
from tests.conftest import TEST_SALT

TAXONOMY_NAMES = ["banking", "generic", "retail", "telecom"]
PLATFORMS = [
    "amazon-connect-ctr",
    "freshdesk-tickets",
    "genesys-cloud-interactions",
    "hubspot-tickets",
    "intercom-conversations",
    "salesforce-cases",
    "talkdesk-calls",
    "twilio-calls",
    "zendesk-tickets",
]


def _taxonomy(name: str):
    return read_taxonomy(io.BytesIO(find_template(TAXONOMIES, name).read_bytes()))


def test_the_starter_taxonomies_are_shipped():
    assert [t.name for t in list_templates(TAXONOMIES)] == TAXONOMY_NAMES


@pytest.mark.parametrize("name", TAXONOMY_NAMES)
def test_a_starter_taxonomy_is_a_valid_taxonomy_of_distinct_defects(name):
    defects = _taxonomy(name)  # the product's own reader: raises on any mistake
    ids = [d.id for d in defects]
    assert 20 <= len(ids) <= 40
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)
    assert {d.category for d in defects} <= set(CATEGORIES)
    assert {d.action for d in defects} <= set(ACTIONS)
    assert all(d.owner.strip() and d.name.strip() and d.description for d in defects)
    assert all(4 <= len(d.examples) <= 8 for d in defects)
    examples = [e.lower() for d in defects for e in d.examples]
    assert len(set(examples)) == len(examples)  # no phrase speaks for two defects
    # A starter covers the usual ground: at least five categories, every action.
    assert len({d.category for d in defects}) >= 5
    assert {d.action for d in defects} == set(ACTIONS)


@pytest.mark.parametrize("name", [t.name for t in list_templates(MAPPINGS)])
def test_a_shipped_mapping_parses_and_says_where_its_columns_come_from(name):
    template = find_template(MAPPINGS, name)
    mapping = read_mapping(io.BytesIO(template.read_bytes()))
    assert mapping.channel in CHANNELS
    assert template.title
    assert len(template.column_source) > 20
    if name not in ("cfpb-complaints", "fcc-comcast-complaints"):
        # Written without the platforms' live exports: each says how sure it is.
        assert re.search(r"memory|unsure|sure|documented|verif", template.column_source)


def test_the_usual_platforms_have_a_mapping_each():
    assert set(PLATFORMS) <= {t.name for t in list_templates(MAPPINGS)}


@pytest.mark.parametrize(
    "kind, name, message",
    [
        (TAXONOMIES, "retial", "no taxonomy template named 'retial'; did you mean 'retail'?"),
        (MAPPINGS, "zendesk", "did you mean 'zendesk-tickets'? choose from amazon-connect-ctr"),
        (TAXONOMIES, "zzz", "named 'zzz'; choose from banking, generic, retail, telecom"),
    ],
)
def test_an_unknown_template_name_lists_the_names(kind, name, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        find_template(kind, name)


def test_a_mapping_is_a_path_or_a_shipped_name(tmp_path):
    own = tmp_path / "mine.toml"
    own.write_text("channel = 'chat'\n[columns]\nsource_id = 'Id'\nstarted_at = 'At'\n")
    assert open_mapping(str(own)) == (str(own), read_mapping(io.BytesIO(own.read_bytes())))
    shown, mapping = open_mapping("zendesk-tickets")
    assert (shown, mapping.source_system) == ("zendesk-tickets (shipped template)", "zendesk")
    for missing, message in [
        (str(tmp_path / "gone.toml"), "gone.toml: no such mapping file"),
        ("nonesuch", "nonesuch: no such file, and no mapping template named 'nonesuch'"),
    ]:
        with pytest.raises(ValueError, match=re.escape(message)):
            open_mapping(missing)


class ExampleEmbedder:
    """Knows one taxonomy, as tests/test_analyze.py's ReasonEmbedder knows its reasons: a
    text holding one of a defect's example phrases lies near that defect's axis (as a
    sentence model puts a paraphrase near its phrase), with seeded noise; others, names
    included, on a spare axis, so only the examples can map a topic. How alike real phrases
    are is measured with the real model in benchmarks/taxonomy_templates.py."""

    name = "example-fake"

    def __init__(self, defects):
        self.phrases = [
            (p.lower(), i) for i, d in enumerate(defects) for p in (d.name, *d.examples)
        ]
        self.dimension = len(defects) + 1

    def embed(self, texts, progress=None):
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            found = (axis for phrase, axis in self.phrases if phrase in text.lower())
            rows[row, next(found, self.dimension - 1)] = 1.0
            seed = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
            rows[row] += 0.08 * np.random.default_rng(seed).standard_normal(self.dimension)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        if progress:
            progress(len(texts))
        return rows


_OPENINGS = ["hi, ", "hello, ", "", "good morning, "]
_CLOSINGS = [" - order 5531", ", thanks", "!!", " please help"]


def _add_contacts_like(warehouse, defects, per_defect: int) -> None:
    """Contacts worded as each defect's examples, with greetings and sign-offs around them."""
    texts, truth = [], []
    for defect in defects:
        for n in range(per_defect):
            example = defect.examples[n % len(defect.examples)]
            texts.append(f"{_OPENINGS[n % 4]}{example}{_CLOSINGS[(n // 4) % 4]}")
            truth.append(defect.id)
    frame = pl.DataFrame(
        {
            "contact_id": [f"c{n:05d}" for n in range(len(texts))],
            "channel": "chat",
            "source_system": "chat",
            "source_id": [str(n) for n in range(len(texts))],
            "started_at": pl.datetime_range(
                pl.datetime(2026, 9, 1), pl.datetime(2026, 9, 28), "1h", eager=True
            )[: len(texts)],
            "reason_text": texts,
            "load_id": "test",
        }
    )
    with warehouse.begin() as conn:
        insert_new_rows(conn, contacts, frame)


def _contacts_per_defect(warehouse) -> dict[str, tuple[str, int]]:
    ranked = rank_defects(warehouse, as_polars=True)
    return {
        row["defect_id"]: (row["owner"], row["contacts"]) for row in ranked.iter_rows(named=True)
    }


@pytest.mark.parametrize("name", TAXONOMY_NAMES)
def test_analyze_maps_contacts_to_a_loaded_starter_taxonomy_and_to_an_edited_one(
    duckdb_warehouse, tmp_path, name
):
    warehouse = duckdb_warehouse
    runner = CliRunner()
    out = tmp_path / "defects.toml"
    written = runner.invoke(cli, ["defects", "init", "--template", name, "--out", str(out)])
    assert written.exit_code == 0, written.output
    taxonomy = _taxonomy(name)
    chosen = taxonomy[::6][:5]  # defects of different kinds
    list(load_paths(warehouse, [out], salt=TEST_SALT))
    _add_contacts_like(warehouse, chosen, per_defect=24)

    analyze_contacts(warehouse, ExampleEmbedder(taxonomy))
    first, second = chosen[0], chosen[1]
    expected = {d.id: (d.owner, 24) for d in chosen}
    assert _contacts_per_defect(warehouse) == expected

    # The analyst edits the file: a new owner for one defect, another removed.
    text = out.read_text()
    text = text.replace(f'owner = "{first.owner}"', 'owner = "Team Renamed"', 1)
    block = re.search(rf'\[\[defect\]\]\nid = "{second.id}"\n(?:(?!\[\[defect\]\]).*\n)*', text)
    out.write_text(text.replace(block.group(0), ""))
    list(load_paths(warehouse, [out], salt=TEST_SALT))

    analyze_contacts(warehouse, ExampleEmbedder(taxonomy))
    expected[first.id] = ("Team Renamed", 24)
    del expected[second.id]
    expected["unmapped"] = ("Customer Insight", 24)  # its topic waits for triage
    assert _contacts_per_defect(warehouse) == expected


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


def test_defects_init_writes_a_template_and_never_overwrites_by_accident(run, tmp_path):
    first = run("defects", "init", "--template", "telecom")
    assert first.exit_code == 0, first.output
    assert "wrote defects.toml: the telecom starter taxonomy, 27 defects" in first.output
    shipped = find_template(TAXONOMIES, "telecom").read_bytes()
    assert (tmp_path / "defects.toml").read_bytes() == shipped

    (tmp_path / "defects.toml").write_text("# my edits\n")
    again = run("defects", "init")
    assert again.exit_code == 2
    assert again.output == (
        "error: defects.toml: already exists; edit it, or pass --force to replace it\n"
    )
    assert (tmp_path / "defects.toml").read_text() == "# my edits\n"

    forced = run("defects", "init", "--force")
    assert forced.exit_code == 0
    assert (tmp_path / "defects.toml").read_bytes() == find_template(
        TAXONOMIES, "generic"
    ).read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--template", "utilities"],
            "error: no taxonomy template named 'utilities'; "
            "choose from banking, generic, retail, telecom\n",
        ),
        (["--out", "no/such/dir/defects.toml"], "error: no/such/dir/defects.toml: cannot write: "),
    ],
)
def test_defects_init_mistakes_fail_in_one_line(run, tmp_path, args, message):
    result = run("defects", "init", *args)
    assert result.exit_code == 2
    assert result.output.startswith(message)
    assert result.output.count("\n") == 1
    assert not (tmp_path / "defects.toml").exists()


def test_defects_templates_and_mappings_list_what_is_shipped(run):
    taxonomies = run("defects", "templates")
    assert taxonomies.exit_code == 0
    assert re.search(r"\nretail +31  Retail and e-commerce starter taxonomy", taxonomies.output)

    listed = run("mappings")
    assert listed.exit_code == 0
    rows = listed.output.splitlines()
    assert rows[0].split() == ["name", "channel", "column", "names", "from"]
    assert len(rows) == 1 + len(list_templates(MAPPINGS))
    assert re.search(r"\nintercom-conversations +chat +Intercom conversation export", listed.output)

    shown = run("mappings", "cfpb-complaints")
    assert shown.output.encode() == find_template(MAPPINGS, "cfpb-complaints").read_bytes()
    unknown = run("mappings", "zendesk")
    assert unknown.exit_code == 2
    assert "did you mean 'zendesk-tickets'?" in unknown.output
