"""The seeded sample-data generator: formats, determinism and the ground truth it promises."""

from __future__ import annotations

import csv
import datetime
import email.utils
import json
import mailbox
import statistics
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from dumbcontacts.samples.defects import CHANNELS, DEFECTS, SPIKE_DEFECT_ID
from dumbcontacts.samples.generate import write_sample_data
from dumbcontacts.samples.plan import CHANNEL_MIX, SPIKE_FACTOR, fit_channel_mix
from dumbcontacts.samples.text import (
    add_typos,
    format_asctime,
    format_iso,
    format_phone,
    format_rfc2822,
    format_twitter_time,
    luhn_check_digit,
)
from dumbcontacts.settings import CostModel

CONTACTS = 2_000
TWCS_HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
RAW_FILES = ("calls.csv", "emails.mbox", "chats.jsonl", "twcs.csv")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sample")
    batches: list[int] = []
    summary = write_sample_data(directory, contacts=CONTACTS, seed=7, progress=batches.append)
    return summary, directory, batches


@pytest.fixture(scope="module")
def truth(sample):
    _, directory, _ = sample
    with (directory / "ground_truth.csv").open(newline="") as fp:
        return list(csv.DictReader(fp))


@pytest.fixture(scope="module")
def truth_json(sample):
    return json.loads((sample[1] / "ground_truth.json").read_text())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fp:
        return list(csv.DictReader(fp))


def read_mbox(path: Path) -> list[mailbox.mboxMessage]:
    box = mailbox.mbox(path, create=False)
    try:
        return list(box)
    finally:
        box.close()


def contact_starts(directory: Path) -> dict[tuple[str, str], datetime.datetime]:
    """(channel, source_id) -> start time in UTC, read back from the raw files."""
    starts = {}
    for row in read_csv(directory / "calls.csv"):
        starts["phone", row["call_id"]] = datetime.datetime.fromisoformat(row["started_at"])
    for line in (directory / "chats.jsonl").read_text().splitlines():
        session = json.loads(line)
        starts["chat", session["session_id"]] = datetime.datetime.fromisoformat(
            session["started_at"]
        )
    for message in read_mbox(directory / "emails.mbox"):
        if message["In-Reply-To"] is None:
            root = message["Message-ID"].strip("<>")
            starts["email", root] = email.utils.parsedate_to_datetime(message["Date"])
    for row in read_csv(directory / "twcs.csv"):
        if row["inbound"] == "True" and not row["in_response_to_tweet_id"]:
            created = datetime.datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")
            starts["social", row["tweet_id"]] = created
    return {key: value.astimezone(datetime.UTC) for key, value in starts.items()}


def iso_week(moment: datetime.datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    write_sample_data(tmp_path / "a", contacts=300, seed=11, weeks=4)
    write_sample_data(tmp_path / "b", contacts=300, seed=11, weeks=4)
    write_sample_data(tmp_path / "c", contacts=300, seed=12, weeks=4)
    names = sorted(path.name for path in (tmp_path / "a").iterdir())
    assert len(names) == 8
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in (*RAW_FILES, "ground_truth.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name


def test_counts_per_channel_add_up_to_contacts(sample, truth, truth_json):
    summary, _, batches = sample
    assert summary.contacts == CONTACTS == sum(summary.contacts_per_channel.values())
    assert sum(batches) == CONTACTS
    assert len(truth) == CONTACTS
    assert Counter(row["channel"] for row in truth) == Counter(summary.contacts_per_channel)
    assert truth_json["channels"] == summary.contacts_per_channel
    shares = {channel: summary.contacts_per_channel[channel] / CONTACTS for channel in CHANNELS}
    for channel, expected in zip(CHANNELS, (0.40, 0.20, 0.25, 0.15), strict=True):
        assert abs(shares[channel] - expected) < 0.04, (channel, shares[channel])


def test_ground_truth_ids_are_exactly_the_contacts_in_the_raw_files(sample, truth):
    starts = contact_starts(sample[1])
    keys = {(row["channel"], row["source_id"]) for row in truth}
    assert len(keys) == CONTACTS
    assert keys == set(starts)


def test_spike_week_is_the_only_week_at_two_and_a_half_times_the_median(sample, truth, truth_json):
    starts = contact_starts(sample[1])
    spike = truth_json["spike"]
    assert spike["defect_id"] == SPIKE_DEFECT_ID and spike["iso_week"] == "2026-W38"
    assert 3 <= spike["factor"] <= 4
    weekly = Counter(
        iso_week(starts[row["channel"], row["source_id"]])
        for row in truth
        if row["defect_id"] == SPIKE_DEFECT_ID
    )
    assert len(weekly) == 16
    median = statistics.median(weekly.values())
    above = [week for week, count in weekly.items() if count >= 2.5 * median]
    assert above == [spike["iso_week"]]


def test_weekly_seasonality_peaks_on_monday(sample, truth):
    starts = contact_starts(sample[1])
    weekdays = Counter(moment.weekday() for moment in starts.values())
    assert weekdays[0] == max(weekdays.values())
    assert max(weekdays[5], weekdays[6]) < 0.6 * weekdays[0]


def test_repeats_are_the_same_customer_and_defect_one_to_six_days_later(sample, truth):
    starts = contact_starts(sample[1])
    repeats = [row for row in truth if row["is_repeat"] == "true"]
    assert len(repeats) == round(CONTACTS * 0.10)
    by_customer = defaultdict(list)
    for row in truth:
        by_customer[row["customer"], row["defect_id"]].append(row)
    switched = 0
    for row in repeats:
        day = starts[row["channel"], row["source_id"]].date()
        earlier = [
            other
            for other in by_customer[row["customer"], row["defect_id"]]
            if other["is_repeat"] == "false"
            and 1 <= (day - starts[other["channel"], other["source_id"]].date()).days <= 6
        ]
        assert earlier, row
        switched += all(other["channel"] != row["channel"] for other in earlier)
    assert 0.15 < switched / len(repeats) < 0.5  # sometimes on another channel


def test_every_recorded_pii_value_occurs_in_the_raw_files(sample, truth_json):
    raw = "".join((sample[1] / name).read_text(encoding="utf-8") for name in RAW_FILES)
    pii = truth_json["pii"]
    assert {"emails", "phones", "cards"} <= set(pii)
    for kind, values in pii.items():
        assert values, kind
        missing = [value for value in values if value not in raw]
        assert not missing, (kind, missing[:5])
    for card in pii["cards"]:
        digits = card.replace(" ", "")
        assert len(digits) == 16 and luhn_check_digit(digits[:-1]) == digits[-1]
    assert any(" " in card for card in pii["cards"]) and any(" " not in c for c in pii["cards"])
    assert any(p.startswith("(") for p in pii["phones"]) and any("." in p for p in pii["phones"])


def test_mbox_parses_and_every_reply_references_an_existing_root(sample):
    summary, directory, _ = sample
    messages = read_mbox(directory / "emails.mbox")
    assert len(messages) == summary.email_messages > summary.contacts_per_channel["email"]
    ids = [message["Message-ID"] for message in messages]
    assert len(set(ids)) == len(ids)
    roots = {m["Message-ID"] for m in messages if m["In-Reply-To"] is None}
    assert len(roots) == summary.contacts_per_channel["email"]
    replies = [m for m in messages if m["In-Reply-To"] is not None]
    assert 0.3 < sum("support@" in m["From"] for m in replies) / len(roots) < 0.5
    for message in replies:
        references = message["References"].split()
        assert references[0] in roots
        assert message["In-Reply-To"] in ids and message["In-Reply-To"] == references[-1]
    for message in messages:
        assert email.utils.parsedate_to_datetime(message["Date"]) is not None
        if message["In-Reply-To"] is None:
            assert "support@" not in message["From"]
    bodies = [m.get_payload() for m in messages if not m.is_multipart()]
    assert any(">From what I can see" in body for body in bodies)  # mbox escaping happened
    assert any("\n> " in body and " wrote:\n" in body for body in bodies)
    assert any(m.is_multipart() for m in messages)


def test_twcs_has_the_exact_header_and_brand_threads_that_are_not_contacts(sample, truth):
    directory = sample[1]
    assert (directory / "twcs.csv").read_text().split("\n", 1)[0] == TWCS_HEADER
    rows = read_csv(directory / "twcs.csv")
    by_id = {row["tweet_id"]: row for row in rows}
    brand_roots = [r for r in rows if r["inbound"] == "False" and not r["in_response_to_tweet_id"]]
    assert brand_roots
    social = {row["source_id"] for row in truth if row["channel"] == "social"}
    assert not social & {row["tweet_id"] for row in brand_roots}
    for row in rows:
        parent = row["in_response_to_tweet_id"]
        if parent and parent.removesuffix(".0") in by_id:
            assert by_id[parent.removesuffix(".0")]["response_tweet_id"] == row["tweet_id"]
    roots = [by_id[source_id] for source_id in social]
    assert all(row["inbound"] == "True" and "@ShopHelp" in row["text"] for row in roots)


def test_chats_are_one_json_session_per_line(sample):
    lines = (sample[1] / "chats.jsonl").read_text().splitlines()
    assert len(lines) == sample[0].contacts_per_channel["chat"]
    hello_first = 0
    for line in lines:
        session = json.loads(line)
        assert session["customer"]["id"].startswith("ACC")
        speakers = [turn["speaker"] for turn in session["turns"]]
        assert set(speakers) <= {"bot", "customer", "agent"} and "customer" in speakers
        times = [turn["at"] for turn in session["turns"]]
        assert times == sorted(times) and times[0] == session["started_at"]
        assert times[-1] == session["ended_at"]
        customer_texts = [t["text"] for t in session["turns"] if t["speaker"] == "customer"]
        hello_first += len(customer_texts[0].split()) <= 2
    assert 0.2 < hello_first / len(lines) < 0.5


def test_calls_identify_most_callers_and_have_known_handle_times(sample, truth_json):
    rows = read_csv(sample[1] / "calls.csv")
    assert 0.62 < sum(bool(row["account_id"]) for row in rows) / len(rows) < 0.78
    for row in rows[:200]:
        speakers = {line.split(":", 1)[0] for line in row["transcript"].split("\n")}
        assert speakers == {"IVR", "Agent", "Customer"}
    for defect in truth_json["defects"].values():
        means, design = defect["mean_handle_seconds"], defect["design_handle_seconds"]
        assert means["email"] is None and means["social"] is None
        for channel in ("phone", "chat"):
            if defect["counts"][channel] >= 50:  # few calls make a noisy mean
                assert 0.7 <= means[channel] / design[channel] <= 1.3, (defect, channel)
    durations = [
        (datetime.datetime.fromisoformat(row["ended_at"])
         - datetime.datetime.fromisoformat(row["started_at"])).total_seconds()
        for row in rows
    ]  # fmt: skip
    assert 240 <= statistics.mean(durations) <= 900 and min(durations) >= 60


def test_defects_toml_is_the_starting_taxonomy(sample, truth_json):
    taxonomy = tomllib.loads((sample[1] / "defects.toml").read_text())["defect"]
    assert [entry["id"] for entry in taxonomy] == list(truth_json["defects"])
    assert 14 <= len(taxonomy) <= 18
    assert {entry["action"] for entry in taxonomy} == {
        "eliminate", "simplify", "automate", "leverage"
    }  # fmt: skip
    assert {"billing", "shipping", "product", "account", "website/app", "returns/refunds",
            "policy/pricing"} <= {entry["category"] for entry in taxonomy}  # fmt: skip
    for entry in taxonomy:
        assert set(entry) == {"id", "name", "category", "owner", "action", "description",
                              "examples"}  # fmt: skip
        assert 4 <= len(entry["examples"]) <= 6


def test_business_volumes_put_contacts_at_five_to_fifteen_per_hundred_orders(sample):
    rows = read_csv(sample[1] / "business_volumes.csv")
    assert {row["driver"] for row in rows} == {"orders", "shipments", "active_customers"}
    assert len(rows) == 3 * 7 * 16
    orders = sum(int(row["count"]) for row in rows if row["driver"] == "orders")
    assert 5 <= 100 * CONTACTS / orders <= 15


def expected_costs() -> dict[str, float]:
    """Dollars per contact of each defect under the default cost model: share (with its spike)
    x channel mix x (handled minutes x rate, or the flat rate where handle time is unknown)."""
    shares = np.array([defect.share for defect in DEFECTS])
    tilts = np.array([defect.channel_tilt for defect in DEFECTS]) * CHANNEL_MIX
    mix = fit_channel_mix(shares, tilts, CHANNEL_MIX)
    spike = 1 + (SPIKE_FACTOR - 1) / 16
    rate = CostModel().rate
    return {
        defect.id: shares[i]
        * (spike if defect.id == SPIKE_DEFECT_ID else 1)
        * (
            mix[i, 0] * defect.phone_seconds / 60 * rate("phone").per_minute_usd
            + mix[i, 1] * rate("email").flat_usd
            + mix[i, 2] * defect.chat_seconds / 60 * rate("chat").per_minute_usd
            + mix[i, 3] * rate("social").flat_usd
        )
        for i, defect in enumerate(DEFECTS)
    }


def test_catalogue_has_distinct_shares_and_a_clear_top_six_by_cost():
    shares = [defect.share for defect in DEFECTS]
    assert len(set(shares)) == len(shares) and abs(sum(shares) - 1) < 1e-9
    assert min(shares) >= 0.015 and max(shares) <= 0.2
    for defect in DEFECTS:
        assert len(defect.templates) >= 6 and 4 <= len(defect.examples) <= 6
        assert 240 <= defect.phone_seconds <= 900 and 300 <= defect.chat_seconds <= 1200
        assert len(set(defect.templates)) == len(defect.templates)
    assert any(defect.action == "leverage" for defect in DEFECTS)
    costs = expected_costs()
    top = sorted(costs.values(), reverse=True)[:6]
    assert all(a >= 1.12 * b for a, b in zip(top, top[1:], strict=False))
    by_volume = sorted(costs, key=lambda id_: -shares[[d.id for d in DEFECTS].index(id_)])
    assert sorted(costs, key=costs.get, reverse=True)[:6] != by_volume[:6]


def test_realised_costs_rank_as_designed(truth_json):
    rate = CostModel().rate
    realised = {
        defect_id: sum(
            defect["counts"][channel]
            * defect["mean_handle_seconds"][channel]
            / 60
            * rate(channel).per_minute_usd
            for channel in ("phone", "chat")
            if defect["counts"][channel]
        )
        + sum(defect["counts"][channel] * rate(channel).flat_usd for channel in ("email", "social"))
        for defect_id, defect in truth_json["defects"].items()
    }
    costs = expected_costs()
    assert sorted(realised, key=realised.get)[-6:] == sorted(costs, key=costs.get)[-6:]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: luhn_check_digit("7992739871"), "3"),
        (lambda: luhn_check_digit("411111111111111"), "1"),
        (lambda: format_phone("415", 555, 199, 0), "+1 415 555 0199"),
        (lambda: format_phone("415", 555, 199, 1), "(415) 555-0199"),
        (lambda: format_phone("415", 555, 199, 2), "415.555.0199"),
        (lambda: format_iso(1_785_748_522), "2026-08-03T09:15:22Z"),
        (lambda: format_rfc2822(1_785_748_522), "Mon, 03 Aug 2026 09:15:22 +0000"),
        (lambda: format_rfc2822(1_785_748_522, -240), "Mon, 03 Aug 2026 05:15:22 -0400"),
        (lambda: format_asctime(1_785_748_522), "Mon Aug  3 09:15:22 2026"),
        (lambda: format_twitter_time(1_785_748_522), "Mon Aug 03 09:15:22 +0000 2026"),
    ],
)
def test_text_helpers(call, expected):
    assert call() == expected


def test_typos_touch_only_words_and_are_seeded():
    import random

    text = "My order #1234567 for $42.50 never arrived at jo@example.com yesterday"
    first = add_typos(text, random.Random(3))
    assert first == add_typos(text, random.Random(3)) and first != text
    kept = ("#1234567", "$42.50", "jo@example.com")
    assert all(token in first for token in kept)


def test_the_committed_sample_data_is_what_the_generator_writes(tmp_path):
    committed = Path(__file__).resolve().parents[1] / "sample_data"
    write_sample_data(tmp_path, contacts=1_000, seed=7)
    names = sorted(p.name for p in committed.iterdir() if p.suffix != ".md")
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (committed / name).read_bytes() == (tmp_path / name).read_bytes(), name
