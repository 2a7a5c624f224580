"""Every triage and defect decision, on both engines: written to the taxonomy and overrides
files with their comments kept, applied to the warehouse at once, recorded with who made it,
and undoable; bad input changes nothing."""

import io

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dumbcontacts.analysis.economics.ranking import rank_defects
from dumbcontacts.analysis.topics.decision_files import set_topic
from dumbcontacts.analysis.topics.decisions import Decisions, defect_id_from, list_changes
from dumbcontacts.analysis.topics.mapping import defect_topics
from dumbcontacts.analysis.topics.overrides import Override, read_overrides
from dumbcontacts.cli import cli
from dumbcontacts.errors import ConfigError, InputError
from dumbcontacts.etl.readers.taxonomy import read_taxonomy
from dumbcontacts.etl.schema import defects, topics
from tests.economics_fixture import PERIOD, build_economics_warehouse

SINCE, UNTIL = PERIOD
TAXONOMY = """# Our defects: owners are the departments that fix them.

# Money taken twice.
[[defect]]
id = "bill"
name = "Charged twice"
category = "billing"
owner = "Payments"  # since the reorganisation
action = "eliminate"

# Late parcels.
[[defect]]
id = "ship"
name = "Order late"
category = "shipping"
owner = "Logistics"
action = "automate"
"""
OVERRIDES = """# Decisions of the triage meeting.

[[topic]]
key = "k0"
label = "Double charges"  # the finance team's word
"""
NEW_DEFECT = {"name": "Parcel marked delivered, never came", "category": "shipping",
              "owner": "Carriers", "action": "eliminate",
              "examples": ["it says delivered but nothing came"]}  # fmt: skip


@pytest.fixture
def desk(warehouse, tmp_path):
    """Decisions on the economics warehouse (topics k0 bill, k1 ship, k2 unmapped; c5 is k2's
    one contact), with commented files."""
    build_economics_warehouse(warehouse)
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    (tmp_path / "overrides.toml").write_text(OVERRIDES)
    return Decisions(warehouse, tmp_path / "defects.toml", tmp_path / "overrides.toml", "ana")


def contacts_by_defect(warehouse) -> dict[str, int]:
    ranked = rank_defects(warehouse, since=SINCE, until=UNTIL, as_polars=True)
    return dict(ranked.select("defect_id", "contacts").iter_rows())


def effective(warehouse) -> dict[str, tuple]:
    query = select(topics.c.topic_key, topics.c.defect_id, topics.c.label, topics.c.merged_into)
    with warehouse.connect() as conn:
        return {key: tuple(rest) for key, *rest in conn.execute(query).all()}


def overrides_of(desk) -> list[Override]:
    with desk.overrides.open("rb") as fp:
        return read_overrides(fp)


def test_mapping_a_topic_keeps_the_comments_and_counts_at_once(desk):
    before = contacts_by_defect(desk.warehouse)
    change = desk.map_topic("k2", "ship")
    assert (change.change_id, change.made_by, change.what) == (1, "ana", "topic k2 mapped to ship")
    text = desk.overrides.read_text()
    assert text.startswith(OVERRIDES.rstrip("\n"))  # the comments and the entry as they were
    assert overrides_of(desk) == [Override("k0", label="Double charges"), Override("k2", "ship")]
    after = contacts_by_defect(desk.warehouse)
    assert after["ship"] == before["ship"] + 1 and "unmapped" not in after
    assert effective(desk.warehouse)["k0"] == ("bill", "Double charges", None)
    assert defect_topics(desk.warehouse, "ship")["topic_key"].tolist() == ["k1", "k2"]
    assert desk.taxonomy.read_text() == TAXONOMY  # untouched


def test_a_new_defect_from_a_topic_goes_to_the_file_the_warehouse_and_the_ranking(desk):
    change = desk.add_defect(NEW_DEFECT, from_topic="k2")
    new_id = "parcel-marked-delivered-never-came"
    assert change.what == f"defect {new_id} added from topic k2"
    text = desk.taxonomy.read_text()
    assert text.startswith(TAXONOMY)  # every comment kept, the new table after
    added = read_taxonomy(io.BytesIO(text.encode()))[-1]
    assert (added.id, added.owner, added.examples) == (
        new_id, "Carriers", ("it says delivered but nothing came",))  # fmt: skip
    with desk.warehouse.connect() as conn:
        stored = set(conn.execute(select(defects.c.defect_id)).scalars())
    assert stored == {"bill", "ship", new_id}
    assert contacts_by_defect(desk.warehouse)[new_id] == 1
    assert effective(desk.warehouse)["k2"][0] == new_id


def test_not_a_defect_is_its_own_row_and_leaves_the_triage(desk):
    desk.ignore_topic("k2")
    ranked = contacts_by_defect(desk.warehouse)
    assert ranked["not_a_defect"] == 1 and "unmapped" not in ranked
    assert overrides_of(desk)[-1] == Override("k2", defect="not_a_defect")


def test_merging_counts_a_topic_as_another_and_keeps_merges_one_step_deep(desk):
    desk.merge_topic("k2", "k1")
    assert effective(desk.warehouse)["k2"] == ("ship", "topic 1", "k1")
    desk.merge_topic("k1", "k0")  # k2 followed k1: it now merges into k0 directly
    assert effective(desk.warehouse)["k2"] == ("bill", "Double charges", "k0")
    assert contacts_by_defect(desk.warehouse)["bill"] == 5  # c1 c3, c2 c4 (k1), c5 (k2)
    merged = {o.key: o.merge_into for o in overrides_of(desk)}
    assert merged == {"k0": None, "k2": "k0", "k1": "k0"}
    with pytest.raises(InputError, match="topic k1 is merged into k0; merge there"):
        desk.merge_topic("k0", "k1")


def test_a_mapped_topic_is_no_longer_merged_and_a_rename_names_it(desk):
    desk.merge_topic("k2", "k1")
    desk.map_topic("k2", "bill")
    desk.rename_topic("k2", "  Charged  on a failed checkout ")
    assert effective(desk.warehouse)["k2"] == ("bill", "Charged on a failed checkout", None)
    with pytest.raises(InputError, match="cannot be empty"):
        desk.rename_topic("k2", "   ")


def test_editing_a_defect_keeps_the_comments_and_updates_the_warehouse(desk):
    desk.edit_defect("bill", {"owner": "Billing Operations", "examples": ["charged twice"]})
    text = desk.taxonomy.read_text()
    assert "# Money taken twice." in text and "# since the reorganisation" in text
    assert 'owner = "Billing Operations"' in text
    with desk.warehouse.connect() as conn:
        owner = conn.execute(select(defects.c.owner).where(defects.c.defect_id == "bill"))
        assert owner.scalar() == "Billing Operations"
    with pytest.raises(InputError, match="id cannot change"):
        desk.edit_defect("bill", {"id": "money"})
    with pytest.raises(ConfigError, match="category must be one of"):
        desk.edit_defect("bill", {"category": "money"})


def test_retiring_a_defect_sends_its_topics_back_to_triage(desk):
    desk.map_topic("k2", "ship")
    desk.retire_defect("ship")
    assert "retired = true" in desk.taxonomy.read_text()
    ranked = contacts_by_defect(desk.warehouse)
    assert "ship" not in ranked and ranked["unmapped"] == 3  # k1: c2 c4, k2: c5
    assert overrides_of(desk)[-1] == Override("k2", defect="")
    with pytest.raises(InputError, match="no defect 'ship' to retire"):
        desk.retire_defect("ship")


def test_undo_walks_back_one_change_at_a_time(desk):
    desk.map_topic("k2", "ship")
    desk.rename_topic("k1", "Late parcels")
    undo = desk.undo()
    assert (undo.change_id, undo.undoes) == (3, 2)
    assert effective(desk.warehouse)["k1"] == ("ship", "topic 1", None)
    desk.undo()  # the mapping
    assert desk.overrides.read_text() == OVERRIDES
    assert effective(desk.warehouse)["k2"][0] is None
    with pytest.raises(InputError, match="nothing to undo"):
        desk.undo()
    changes = list_changes(desk.warehouse)
    assert changes.select("change_id", "undone_by").rows() == [(4, None), (3, None), (2, 3),
                                                               (1, 4)]  # fmt: skip
    assert changes["made_by"].unique().to_list() == ["ana"]


def test_undo_refuses_when_the_files_changed_since(desk):
    desk.map_topic("k2", "ship")
    desk.rename_topic("k1", "Late parcels")
    with pytest.raises(InputError, match="files changed after change 1; undo the later"):
        desk.undo(1)
    desk.overrides.write_text(OVERRIDES + '\n[[topic]]\nkey = "k1"\nlabel = "by hand"\n')
    with pytest.raises(InputError, match="files changed after change 2"):
        desk.undo()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: d.map_topic("k9", "ship"), "no topic 'k9'"),
        (lambda d: d.map_topic("k2", "no-such"), "unknown defect 'no-such'"),
        (lambda d: d.merge_topic("k2", "k2"), "into itself"),
        (lambda d: d.add_defect(NEW_DEFECT | {"id": "bill"}), "'bill' already exists"),
        (lambda d: d.edit_defect("nope", {"owner": "x"}), "no defect 'nope'"),
    ],
)
def test_a_bad_decision_changes_nothing(desk, call, message):
    before = effective(desk.warehouse)
    with pytest.raises(InputError, match=message):
        call(desk)
    assert desk.overrides.read_text() == OVERRIDES and desk.taxonomy.read_text() == TAXONOMY
    assert effective(desk.warehouse) == before and list_changes(desk.warehouse).is_empty()


def test_a_broken_overrides_file_is_reported_not_overwritten(desk):
    desk.overrides.write_text("[[topic]]\nkey = 'k0'\nwat = 1\n")
    with pytest.raises(ConfigError, match="unknown key 'wat'"):
        desk.map_topic("k2", "ship")
    assert "wat" in desk.overrides.read_text()


def test_without_files_the_first_decision_starts_them_from_the_warehouse(warehouse, tmp_path):
    build_economics_warehouse(warehouse)
    desk = Decisions(warehouse, tmp_path / "t.toml", tmp_path / "o.toml", "ana")
    desk.add_defect(NEW_DEFECT | {"id": "lost"}, from_topic="k2")
    taxonomy = read_taxonomy(io.BytesIO(desk.taxonomy.read_bytes()))
    assert [d.id for d in taxonomy] == ["bill", "ship", "lost"]  # nothing loaded is lost
    assert desk.taxonomy.read_text().startswith("# Defect taxonomy:")
    assert overrides_of(desk) == [Override("k2", defect="lost")]


def test_defect_ids_are_readable_and_unused():
    assert defect_id_from("Parcel marked delivered!", set()) == "parcel-marked-delivered"
    assert defect_id_from("Parcel marked delivered", {"parcel-marked-delivered"}) == (
        "parcel-marked-delivered-2"
    )
    assert defect_id_from("Not a defect", set()) == "not-a-defect"
    assert defect_id_from("¿¡!", set()) == "defect"


keys = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12).filter(str.strip)
texts = st.none() | st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(keys, texts, texts), max_size=5, unique_by=lambda t: t[0]))
def test_written_overrides_read_back_the_same(entries):
    text, expected = "", []
    for key, defect, label in entries:
        if defect is None and label is None:
            continue
        text = set_topic(text, key, {"defect": defect, "label": label})
        expected.append(Override(key, defect=defect, label=label))
    assert read_overrides(io.BytesIO(text.encode())) == expected


def test_the_command_line_makes_and_undoes_decisions(warehouse, tmp_path):
    build_economics_warehouse(warehouse)
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    env = {"DUMBCONTACTS_WAREHOUSE": str(warehouse.engine.url.render_as_string(False)),
           "DUMBCONTACTS_TAXONOMY": str(tmp_path / "defects.toml"),
           "DUMBCONTACTS_OVERRIDES": str(tmp_path / "overrides.toml")}  # fmt: skip

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    out = run("defects", "add", "--name", "Lost parcel", "--category", "shipping", "--owner",
              "Carriers", "--action", "eliminate", "--example", "where is it", "--from-topic",
              "k2")  # fmt: skip
    assert out == "change 1: defect lost-parcel added from topic k2 (undo: dumbcontacts undo)\n"
    assert "lost-parcel" in run("defects", "list")
    run("defects", "edit", "lost-parcel", "--owner", "Parcel carriers")
    run("topics", "rename", "k1", "Late parcels")
    run("topics", "merge", "k1", "k0")
    listing = run("topics", "list")
    assert "k1" in listing and "-> k0" in listing and "lost-parcel" in listing
    run("topics", "ignore", "k2")
    run("defects", "retire", "lost-parcel")
    assert "6  " in run("changes") and "defect lost-parcel retired" in run("changes")
    assert run("undo").startswith("change 7: undo 6: defect lost-parcel retired")
    bad = CliRunner().invoke(cli, ["topics", "map", "k9", "bill"], env=env)
    assert (bad.exit_code, bad.output) == (2, "error: no topic 'k9' in model v1\n")
    missing = CliRunner().invoke(cli, ["defects", "add", "--name", "x"], env=env)
    assert missing.exit_code == 2
    assert "needs --category, --owner, --action" in missing.output
    ranked = pl.DataFrame(rank_defects(warehouse, since=SINCE, until=UNTIL))
    assert dict(ranked.select("defect_id", "contacts").iter_rows())["not_a_defect"] == 1
