"""The analyze pipeline on a tiny warehouse, with a seeded embedder that knows four reasons."""

import datetime as dt
import hashlib
import re

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import dumbcontacts.cli.analysis
from dumbcontacts.analysis.economics.links import store_links
from dumbcontacts.analysis.topics.analyze import analyze_contacts
from dumbcontacts.analysis.topics.decision_files import set_topic
from dumbcontacts.analysis.topics.embedding_cache import model_company_names
from dumbcontacts.analysis.topics.mapping import match_by_members
from dumbcontacts.analysis.topics.overrides import Override
from dumbcontacts.cli import cli
from dumbcontacts.errors import ConfigError, ModelError
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.schema import contact_topics, contacts, topics
from dumbcontacts.etl.warehouse import insert_new_rows
from tests.conftest import TEST_SALT

REASONS = {
    "late": ["my parcel is late", "delivery still not here", "where is my parcel", "late delivery"],
    "charge": ["charged twice", "double charge on my card", "refund the second charge"],
    "login": ["cannot log in", "password reset fails", "login code never arrives"],
    "points": ["loyalty points missing", "birthday points not added", "points balance wrong"],
}
TAXONOMY = """
[[defect]]
id = "late-delivery"
name = "Late delivery"
category = "shipping"
owner = "Logistics"
action = "automate"
examples = ["where is my parcel", "late delivery"]

[[defect]]
id = "double-charge"
name = "Charged twice"
category = "billing"
owner = "Payments"
action = "eliminate"
examples = ["charged twice"]

[[defect]]
id = "login-failed"
name = "Login fails"
category = "account"
owner = "Identity"
action = "simplify"
examples = ["cannot log in"]

[[defect]]
id = "loyalty-points"
name = "Loyalty points"
category = "account"
owner = "Marketing"
action = "eliminate"
"""


class ReasonEmbedder:
    """A vector near one axis per reason, plus seeded noise from the text's hash."""

    name, dimension = "reason-fake", 8

    def __init__(self):
        self.calls = 0

    def embed(self, texts, progress=None):
        self.calls += len(texts)
        rows = []
        for text in texts:
            base = np.zeros(self.dimension)
            for axis, phrases in enumerate(REASONS.values()):
                if any(p in text for p in phrases):
                    base[axis] = 1.0
            if not base.any():  # a defect name or example phrase outside REASONS
                base[hash_axis(text)] = 1.0
            noise = np.random.default_rng(int(hashlib.md5(text.encode()).hexdigest()[:8], 16))
            row = base + 0.08 * noise.standard_normal(self.dimension)
            rows.append(row / np.linalg.norm(row))
        if progress:
            progress(len(texts))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension)


def hash_axis(text: str) -> int:
    names = {"Late delivery": 0, "Charged twice": 1, "Login fails": 2}
    return names.get(text, 7)


def _add_contacts(warehouse, start: int, count: int, template: str = "{phrase} (ref {n})") -> None:
    phrases = [p for ps in REASONS.values() for p in ps]
    texts = [
        template.format(phrase=phrases[k % len(phrases)], n=n)
        for k, n in enumerate(range(start, start + count))
    ]
    frame = pl.DataFrame(
        {
            "contact_id": [f"c{n:05d}" for n in range(start, start + count)],
            "channel": "chat",
            "source_system": "chat",
            "source_id": [str(n) for n in range(start, start + count)],
            "started_at": dt.datetime(2026, 9, 1),
            "reason_text": texts,
            "load_id": "test",
        }
    )
    with warehouse.begin() as conn:
        insert_new_rows(conn, contacts, frame)


def _assignments(warehouse) -> list:
    with warehouse.connect() as conn:
        return conn.execute(select(contact_topics).order_by("contact_id", "model_version")).all()


@pytest.fixture
def loaded(warehouse, tmp_path):
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    list(load_paths(warehouse, [tmp_path / "defects.toml"], salt=TEST_SALT))
    _add_contacts(warehouse, 0, 160)
    return warehouse


def _defect_of_reason(result) -> dict:
    table = result.topics
    return {
        reason: table.filter(pl.col("keywords").str.contains(words.split()[0]))["defect_id"][0]
        for reason, words in [
            ("late", "parcel"),
            ("charge", "charge"),
            ("login", "log"),
            ("points", "points"),
        ]
    }


def test_analyze_fits_assigns_maps_and_reruns_idempotently(loaded):
    embedder = ReasonEmbedder()
    first = analyze_contacts(loaded, embedder, map_threshold=0.8)
    assert (first.model_version, first.refitted, first.assigned) == (1, True, 160)
    assert first.topics["contacts"].sum() == 160
    mapped = _defect_of_reason(first)
    assert mapped == {
        "late": "late-delivery",
        "charge": "double-charge",
        "login": "login-failed",
        "points": None,  # nothing in the taxonomy is like it: unmapped, not forced
    }
    assert first.unmapped.height >= 1
    # Each topic says its category: a seeded one its defect's, a found one its own group's.
    category = dict(first.topics.select("defect_id", "category").drop_nulls("defect_id").rows())
    assert category == {"late-delivery": "shipping", "double-charge": "billing",
                        "login-failed": "account"}  # fmt: skip
    points = first.topics.filter(pl.col("keywords").str.contains("points"))
    assert "points" in points["category"].item()
    with loaded.begin() as conn:
        assert not store_links(conn)  # analyze stored the repeat links already

    before = _assignments(loaded)
    embedder.calls = 0
    again = analyze_contacts(loaded, embedder, map_threshold=0.8)
    assert (again.model_version, again.refitted, again.embedded, again.assigned) == (1, False, 0, 0)
    assert embedder.calls == 0
    assert _assignments(loaded) == before

    _add_contacts(loaded, 160, 8)
    grown = analyze_contacts(loaded, embedder, map_threshold=0.8)
    assert (grown.embedded, grown.assigned) == (8, 8)
    assert _assignments(loaded)[: len(before)] == before


def test_a_taxonomy_loaded_after_the_fit_maps_topics_without_a_refit(warehouse, tmp_path):
    _add_contacts(warehouse, 0, 160)
    embedder = ReasonEmbedder()
    first = analyze_contacts(warehouse, embedder, map_threshold=0.8)
    assert first.topics["defect_id"].is_null().all()  # no taxonomy yet
    before = _assignments(warehouse)

    (tmp_path / "defects.toml").write_text(TAXONOMY)
    list(load_paths(warehouse, [tmp_path / "defects.toml"], salt=TEST_SALT))
    again = analyze_contacts(warehouse, embedder, map_threshold=0.8)
    assert (again.model_version, again.refitted, again.assigned) == (1, False, 0)
    assert _defect_of_reason(again) == _defect_of_reason(first) | {
        "late": "late-delivery", "charge": "double-charge", "login": "login-failed"
    }  # fmt: skip
    assert _assignments(warehouse) == before


def test_a_refit_keeps_topic_keys_and_defects(loaded):
    first = analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8)
    _add_contacts(loaded, 160, 80)
    second = analyze_contacts(loaded, ReasonEmbedder(), refit=True, map_threshold=0.8)
    assert second.model_version == 2 and second.refitted
    keep = ["topic_key", "defect_id"]
    assert set(second.topics.select(keep).rows()) == set(first.topics.select(keep).rows())
    with loaded.connect() as conn:
        versions = conn.execute(select(func.count(func.distinct(topics.c.model_version)))).scalar()
    assert versions == 2


def write_overrides(path, overrides: list[Override]) -> None:
    """The overrides file as the triage page writes it."""
    text = ""
    for o in overrides:
        fields = {"defect": o.defect, "merge_into": o.merge_into, "label": o.label}
        text = set_topic(text, o.key, {k: v for k, v in fields.items() if v is not None})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_an_override_applies_on_every_run_and_survives_a_refit(loaded, tmp_path):
    first = analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8)
    points = first.topics.filter(pl.col("keywords").str.contains("points"))
    key = points["topic_key"][0]
    assert points["defect_id"][0] is None  # the model could not map it
    overrides = [
        Override(key, defect="loyalty-points", label="Points"),
        Override("T0999", label="x"),
    ]
    path = tmp_path / "decisions" / "topics.toml"
    write_overrides(path, overrides)
    columns = ["label", "defect_id", "mapping_confidence", "mapped_by", "merged_into"]

    def effective(result) -> tuple:
        return result.topics.filter(pl.col("topic_key") == key).select(columns).row(0)

    again = analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8, overrides=path)
    assert not again.refitted  # an edited overrides file needs no refit
    assert effective(again) == ("Points", "loyalty-points", 1.0, "override", None)
    assert (again.applied, again.unmatched) == ((overrides[0],), (overrides[1],))

    _add_contacts(loaded, 160, 80)
    second = analyze_contacts(
        loaded, ReasonEmbedder(), refit=True, map_threshold=0.8, overrides=path
    )
    assert second.model_version == 2
    assert effective(second) == ("Points", "loyalty-points", 1.0, "override", None)
    query = select(topics.c.defect_id, topics.c.auto_defect_id).where(
        topics.c.model_version == 2, topics.c.topic_key == key
    )
    with loaded.connect() as conn:
        assert conn.execute(query).one() == ("loyalty-points", None)  # for downstream SQL

    path.unlink()  # no file: no overrides
    label, defect, _, mapped_by, _ = effective(
        analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8, overrides=path)
    )
    assert (label != "Points", defect, mapped_by) == (True, None, None)


def test_without_a_path_the_configured_overrides_file_applies(loaded, tmp_path, monkeypatch):
    first = analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8)
    key = first.topics.filter(pl.col("keywords").str.contains("points"))["topic_key"][0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dumbcontacts.toml").write_text('overrides = "decisions/topics.toml"\n')
    monkeypatch.setenv("DUMBCONTACTS_CONFIG", "dumbcontacts.toml")
    write_overrides(tmp_path / "decisions" / "topics.toml", [Override(key, label="Points")])
    result = analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8)
    assert result.applied == (Override(key, label="Points"),)
    assert result.topics.filter(pl.col("topic_key") == key)["label"].to_list() == ["Points"]


def test_the_analyze_command_applies_the_configured_overrides_file(
    duckdb_warehouse, tmp_path, monkeypatch
):
    """A triage decision saved to a configured file (not ./overrides.toml) is applied."""
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    list(load_paths(duckdb_warehouse, [tmp_path / "defects.toml"], salt=TEST_SALT))
    _add_contacts(duckdb_warehouse, 0, 160)
    first = analyze_contacts(duckdb_warehouse, ReasonEmbedder(), map_threshold=0.8)
    key = first.topics.filter(pl.col("keywords").str.contains("points"))["topic_key"][0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dumbcontacts.toml").write_text('overrides = "decisions/topics.toml"\n')
    (tmp_path / "overrides.toml").write_text("not read: the configured file is")
    write_overrides(
        tmp_path / "decisions" / "topics.toml", [Override(key, defect="loyalty-points")]
    )
    monkeypatch.setattr(
        dumbcontacts.cli.analysis, "load_embedder", lambda *a, **k: ReasonEmbedder()
    )
    url = str(duckdb_warehouse.engine.url)
    env = {"DUMBCONTACTS_CONFIG": "dumbcontacts.toml", "DUMBCONTACTS_WAREHOUSE": url}
    result = CliRunner().invoke(cli, ["analyze", "--threshold", "0.8"], env=env)
    assert result.exit_code == 0, result.output
    assert f"override applied: {key}: defect loyalty-points\n" in result.output
    query = select(topics.c.defect_id, topics.c.mapped_by).where(topics.c.topic_key == key)
    with duckdb_warehouse.connect() as conn:
        assert conn.execute(query).one() == ("loyalty-points", "override")


def test_analyze_says_how_many_contacts_have_no_topic_and_why(
    duckdb_warehouse, tmp_path, monkeypatch
):
    _add_tweets(duckdb_warehouse)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        dumbcontacts.cli.analysis, "load_embedder", lambda *a, **k: ReasonEmbedder()
    )
    env = {"DUMBCONTACTS_WAREHOUSE": str(duckdb_warehouse.engine.url)}
    result = CliRunner().invoke(cli, ["analyze"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 contact has no reason (0.8%; only greetings" in result.output
    assert "2 contacts are alike to no topic (1.6%; none until a refit" in result.output


def test_analyze_fast_prints_its_promise_and_cost(duckdb_warehouse, tmp_path, monkeypatch):
    (tmp_path / "defects.toml").write_text(TAXONOMY)
    list(load_paths(duckdb_warehouse, [tmp_path / "defects.toml"], salt=TEST_SALT))
    _add_contacts(duckdb_warehouse, 0, 160)
    analyze_contacts(duckdb_warehouse, ReasonEmbedder(), map_threshold=0.8)
    _add_contacts(duckdb_warehouse, 160, 40)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dumbcontacts.toml").write_text("[analyze]\nfast_agreement = 0.99\n")
    monkeypatch.setattr(
        dumbcontacts.cli.analysis, "load_embedder", lambda *a, **k: ReasonEmbedder()
    )
    env = {
        "DUMBCONTACTS_CONFIG": "dumbcontacts.toml",
        "DUMBCONTACTS_WAREHOUSE": str(duckdb_warehouse.engine.url),
    }
    result = CliRunner().invoke(cli, ["analyze", "--fast", "--threshold", "0.8"], env=env)
    assert result.exit_code == 0, result.output
    # The new texts are all distinct: those that fell back are those embedded.
    assert re.search(
        r"embedded (\d+) new texts; assigned 40 contacts\n"
        r"fast path: 100\.0% expected agreement with the sentence model \(target 99%, "
        r"measured on 160 held-back texts, margin \d\.\d{4}\); \1 of 40 new contacts "
        r"\(\d+\.\d%\) were embedded\n",
        result.output,
    ), result.output


def test_a_bad_fast_agreement_stops_analyze_before_fitting(loaded):
    with pytest.raises(ValueError, match=r"target agreement must be in \(0, 1\], not 97"):
        analyze_contacts(loaded, ReasonEmbedder(), fast=True, fast_agreement=97)
    with loaded.connect() as conn:
        assert conn.execute(select(func.count()).select_from(topics)).scalar_one() == 0


def test_a_broken_overrides_file_stops_analyze_before_fitting(loaded, tmp_path):
    path = tmp_path / "overrides.toml"
    path.write_text('[[topic]]\nkey = "T0001"\ncolour = "red"\n')
    with pytest.raises(ConfigError, match=r"overrides.toml: .*unknown key 'colour'"):
        analyze_contacts(loaded, ReasonEmbedder(), overrides=path)
    write_overrides(path, [Override("T0001", defect="no-such")])
    with pytest.raises(ConfigError, match="T0001: unknown defect 'no-such'"):
        analyze_contacts(loaded, ReasonEmbedder(), overrides=path)
    with loaded.connect() as conn:
        assert conn.execute(select(func.count()).select_from(topics)).scalar() == 0


def test_analyze_without_contacts_says_so(warehouse):
    with pytest.raises(ModelError, match="no contacts with a reason"):
        analyze_contacts(warehouse, ReasonEmbedder())


class WiderEmbedder(ReasonEmbedder):
    """Another model: a different name and vector size."""

    name, dimension = "reason-fake-wide", 12


def test_another_embedder_needs_an_explicit_refit(loaded):
    first = analyze_contacts(loaded, ReasonEmbedder(), map_threshold=0.8)
    with pytest.raises(ModelError, match="fitted with reason-fake; analyze with that embedder"):
        analyze_contacts(loaded, WiderEmbedder(), map_threshold=0.8)
    refitted = analyze_contacts(loaded, WiderEmbedder(), refit=True, map_threshold=0.8)
    assert refitted.model_version == 2
    # Vectors of two models cannot be compared, but who is in a topic can: each topic that
    # holds the same contacts keeps its key (and with it the analyst's decisions).
    sizes = ["topic_key", "contacts"]
    assert sorted(refitted.topics.select(sizes).rows()) == sorted(first.topics.select(sizes).rows())


def test_a_refit_passes_each_key_to_the_topic_holding_most_of_its_contacts():
    old = ["T0001"] * 6 + ["T0002"] * 4 + [None, "T0003"]
    new = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, -1])
    # T0001's contacts mostly went to topic 0, T0002's to topic 1; T0003's only one has none.
    assert match_by_members(old, new) == {0: "T0001", 1: "T0002"}
    # Both old topics now in one: the bigger share keeps its key, the other none.
    assert match_by_members(["A"] * 5 + ["B"] * 3, np.zeros(8, dtype=int)) == {0: "A"}


def test_the_fast_path_embeds_only_what_the_classifier_is_unsure_of(loaded):
    embedder = ReasonEmbedder()
    analyze_contacts(loaded, embedder, map_threshold=0.8)
    _add_contacts(loaded, 160, 40)
    embedder.calls = 0
    result = analyze_contacts(loaded, embedder, map_threshold=0.8, fast=True)
    assert result.assigned == 40
    assert embedder.calls < 40  # clear texts never reached the sentence model
    # Each of the 160 fitted texts was held back from one of five models; all agree.
    assert (result.fast.margin.measured_on, result.fast.margin.agreement) == (160, 1.0)
    assert (result.fast.target, result.fast.assigned) == (0.97, 40)
    assert result.fast.fell_back == embedder.calls
    topic_of = {row.contact_id: row.topic_id for row in _assignments(loaded)}
    assert len(topic_of) == 200
    # _add_contacts restarts its phrases, so contact 160 + k says what contact k said.
    assert all(topic_of[f"c{160 + k:05d}"] == topic_of[f"c{k:05d}"] for k in range(40))


def _add_tweets(warehouse) -> None:
    """120 English tweets saying the brand, one Spanish, one French, one without a reason."""
    phrases = [p for ps in REASONS.values() for p in ps]
    texts = [f"Acme, {phrases[n % len(phrases)]} (ref {n})" for n in range(120)]
    texts += ["mi paquete no ha llegado todavía", "mon colis est en retard", None]
    frame = pl.DataFrame(
        {
            "contact_id": [f"s{n:04d}" for n in range(len(texts))],
            "channel": "social",
            "source_system": "twitter",
            "source_id": [str(n) for n in range(len(texts))],
            "started_at": dt.datetime(2026, 9, 1),
            "queue": "AcmeHelp",
            "reason_text": texts,
            # The source's own language wins over detection.
            "language": [None] * (len(texts) - 2) + ["fr", None],
            "load_id": "test",
        }
    )
    with warehouse.begin() as conn:
        insert_new_rows(conn, contacts, frame)


def test_analyze_detects_languages_keeps_brands_out_of_keywords_and_counts_no_reason(warehouse):
    _add_tweets(warehouse)
    result = analyze_contacts(warehouse, ReasonEmbedder())
    assert result.without_reason == 1
    # The Spanish and French ones are alike to no English topic: none, and counted.
    assert result.topics["contacts"].sum() == 120
    assert result.no_topic == 2
    assert not any("acme" in k for k in result.topics["keywords"].to_list())
    with warehouse.connect() as conn:
        stored = dict(conn.execute(select(contacts.c.contact_id, contacts.c.language)).all())
    assert stored["s0000"] == "en"  # "my parcel is late"
    assert (stored["s0120"], stored["s0121"], stored["s0122"]) == ("es", "fr", None)


class RecordingEmbedder(ReasonEmbedder):
    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts, progress=None):
        self.seen += texts
        return super().embed(texts, progress)


COMPANY = "{phrase}, Acme please help (ref {n})"


def test_the_company_name_most_contacts_say_is_never_read_by_the_sentence_model(warehouse):
    _add_contacts(warehouse, 0, 120, COMPANY)
    embedder = RecordingEmbedder()
    assert analyze_contacts(warehouse, embedder).company_names == {"acme"}
    assert embedder.seen and not any("acme" in t.lower() for t in embedder.seen)
    with warehouse.connect() as conn:
        assert model_company_names(conn, 1) == {"acme"}
    # Later contacts are read as the model's were, and the fast path finds its training
    # texts' vectors under the same prepared texts.
    _add_contacts(warehouse, 120, 60, COMPANY)
    embedder.seen = []
    assert analyze_contacts(warehouse, embedder).assigned == 60
    assert len(embedder.seen) == 60 and not any("acme" in t.lower() for t in embedder.seen)
    _add_contacts(warehouse, 180, 60, COMPANY)
    result = analyze_contacts(warehouse, embedder, fast=True)
    assert result.assigned == 60 and result.fast.margin.measured_on > 0
