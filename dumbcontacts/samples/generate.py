"""Seeded sample data: realistic raw exports for all four channels, plus their ground truth.

``write_sample_data`` plans every contact up front (``fixture_plan``: day, time, defect,
channel, customer, repeat, handle time), then streams them in time order through the
per-channel renderers of ``fixture_channels``. The same seed and arguments give
byte-identical files.

Files written (formats in the README, "Data formats"): calls.csv, emails.mbox, chats.jsonl,
twcs.csv, business_volumes.csv, defects.toml, ground_truth.csv, ground_truth.json.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dumbcontacts.errors import InputError
from dumbcontacts.samples.channels import (
    CALL_HEADER,
    TWCS_HEADER,
    Contact,
    render_brand_thread,
    render_call,
    render_chat,
    render_email_thread,
    render_orphan_reply,
    render_tweets,
)
from dumbcontacts.samples.defects import CHANNELS, DEFECTS, SPIKE_DEFECT_ID
from dumbcontacts.samples.plan import (
    CHANNEL_MIX,
    CONTACTS_PER_ORDER,
    CUSTOMERS_PER_CONTACT,
    ORDER_WEEKDAYS,
    SHIPMENT_WEEKDAYS,
    SPIKE_FACTOR,
    ContactPlan,
    FixEvent,
    plan_contacts,
    spike_week,
)
from dumbcontacts.samples.text import PiiLedger, make_customer

__all__ = [
    "SAMPLE_START",
    "SAMPLE_WEEKS",
    "SampleSummary",
    "write_business_volumes",
    "write_defects_toml",
    "write_sample_data",
]

SAMPLE_START, SAMPLE_WEEKS = datetime.date(2026, 8, 3), 16  # a Monday, and 16 whole weeks


@dataclass(frozen=True)
class SampleSummary:
    directory: Path
    paths: dict[str, Path]
    contacts_per_channel: dict[str, int]
    contacts: int
    repeats: int
    email_messages: int
    tweets: int
    spike_defect_id: str
    spike_week: str
    fix: FixEvent | None = None


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_defects_toml(path: Path) -> None:
    """The starting taxonomy, without the generator-only fields."""
    lines = ["# Starting defect taxonomy written by `dumbcontacts sample-data`.", ""]
    for defect in DEFECTS:
        examples = ", ".join(_toml_string(example) for example in defect.examples)
        lines += [
            "[[defect]]",
            f"id = {_toml_string(defect.id)}",
            f"name = {_toml_string(defect.name)}",
            f"category = {_toml_string(defect.category)}",
            f"owner = {_toml_string(defect.owner)}",
            f"action = {_toml_string(defect.action)}",
            f"description = {_toml_string(defect.description)}",
            f"examples = [{examples}]",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_business_volumes(
    path: Path, contacts: int, seed: int, start: datetime.date, weeks: int
) -> None:
    """Daily orders, shipments and active customers, sized so contacts are ~9 per 100 orders."""
    rng = np.random.default_rng([seed, 1])
    n_days = 7 * weeks
    dates = [start + datetime.timedelta(days=i) for i in range(n_days)]
    weekday = np.array([day.weekday() for day in dates])
    growth = 1 + 0.1 * np.arange(n_days) / n_days
    orders_weight = ORDER_WEEKDAYS[weekday] * growth * rng.lognormal(0, 0.03, n_days)
    orders = np.maximum((contacts / CONTACTS_PER_ORDER) * orders_weight / orders_weight.sum(), 1)
    shipped_from = np.concatenate([orders[:1], orders[:-1]])  # ships the day after ordering
    shipments = shipped_from * 0.97 * SHIPMENT_WEEKDAYS[weekday] / SHIPMENT_WEEKDAYS.mean()
    pool = max(contacts * CUSTOMERS_PER_CONTACT, 10)
    active = pool * 0.5 * growth * rng.lognormal(0, 0.01, n_days)
    with path.open("w", encoding="utf-8", newline="") as fp:
        writer = csv.writer(fp, lineterminator="\n")
        writer.writerow(("day", "driver", "count"))
        for i, day in enumerate(dates):
            iso = day.isoformat()
            writer.writerow((iso, "orders", int(round(orders[i]))))
            writer.writerow((iso, "shipments", int(round(shipments[i]))))
            writer.writerow((iso, "active_customers", int(round(active[i]))))


def write_sample_data(
    directory: str | Path,
    contacts: int = 20_000,
    seed: int = 7,
    start: datetime.date = SAMPLE_START,
    weeks: int = SAMPLE_WEEKS,
    progress: Callable[[int], None] | None = None,
    channels: Sequence[str] = CHANNELS,
    fix: FixEvent | None = None,
) -> SampleSummary:
    """Write every sample file into ``directory``; ``progress(n)`` hears of each batch of
    contacts as it is written. ``channels`` limits the mix (e.g. calls only, for a load test);
    ``fix`` scales one defect's contacts from a date on (ground_truth.json records it)."""
    if contacts < 1:
        raise InputError(f"contacts must be at least 1, got {contacts}")
    if weeks < 1:
        raise InputError(f"weeks must be at least 1, got {weeks}")
    end = start + datetime.timedelta(days=7 * weeks - 1)
    if fix is not None:
        _check_fix(fix, start, end)
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file of that name, or a folder that is not ours
        raise InputError(f"{directory}: cannot write sample data ({error.strerror})") from None
    names = {
        "phone": "calls.csv",
        "email": "emails.mbox",
        "chat": "chats.jsonl",
        "social": "twcs.csv",
        "business_volumes": "business_volumes.csv",
        "defects": "defects.toml",
        "ground_truth_csv": "ground_truth.csv",
        "ground_truth_json": "ground_truth.json",
    }
    paths = {key: directory / name for key, name in names.items()}
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown or not channels:
        raise InputError(f"channels must be some of {', '.join(CHANNELS)}, got {unknown}")
    mix = CHANNEL_MIX * np.isin(CHANNELS, list(channels))
    plan = plan_contacts(contacts, seed, start, weeks, mix / mix.sum(), fix=fix)
    rng = random.Random(f"dumbcontacts-{seed}")
    ledger = PiiLedger()
    salt = seed * 1_000_003 % 10_000_019
    pool = max(contacts * CUSTOMERS_PER_CONTACT, 10)
    tweet_ids = itertools.count(1_000_000 + seed % 1000 * 1000)
    numbers = [0, 0, 0, 0]
    handle_sums = np.zeros((len(DEFECTS), len(CHANNELS)))
    counts = np.zeros((len(DEFECTS), len(CHANNELS)), dtype=np.int64)
    email_messages = tweets = 0
    columns = zip(
        plan.ts.tolist(), plan.defect.tolist(), plan.channel.tolist(), plan.customer.tolist(),
        plan.is_repeat.tolist(), plan.handle_seconds.tolist(), plan.order_no.tolist(),
        plan.show_order.tolist(), plan.agent.tolist(), strict=True,
    )  # fmt: skip

    def open_text(key: str):
        return paths[key].open("w", encoding="utf-8", newline="", buffering=1 << 20)

    with (
        open_text("phone") as calls_fp,
        open_text("email") as mbox_fp,
        open_text("chat") as chats_fp,
        open_text("social") as twcs_fp,
        open_text("ground_truth_csv") as truth_fp,
    ):
        calls = csv.writer(calls_fp, lineterminator="\n")
        calls.writerow(CALL_HEADER)
        twcs = csv.writer(twcs_fp, lineterminator="\n")
        twcs.writerow(TWCS_HEADER)
        truth = csv.writer(truth_fp, lineterminator="\n")
        truth.writerow(
            ("channel", "source_id", "defect_id", "customer", "is_repeat", "handle_seconds")
        )
        pending = 0
        for ts, defect, channel, customer_no, repeat, handle, order_no, show, agent in columns:
            numbers[channel] += 1
            customer = make_customer(customer_no, salt)
            contact = Contact(numbers[channel], DEFECTS[defect], customer, ts, handle, repeat,
                              order_no, show, agent)  # fmt: skip
            if channel == 0:
                row = render_call(contact, rng, ledger)
                calls.writerow(row)
                source_id = row[0]
            elif channel == 1:
                text, source_id, messages = render_email_thread(contact, rng, ledger)
                mbox_fp.write(text)
                email_messages += messages
            elif channel == 2:
                line = render_chat(contact, rng, ledger)
                chats_fp.write(line)
                source_id = f"CH{contact.number:08d}"
            else:
                rows, source_id = render_tweets(contact, rng, ledger, tweet_ids)
                # Threads that are not contacts: brand announcements and cut-off replies.
                if numbers[3] == 1 or rng.random() < 0.01:
                    other = make_customer(int(rng.random() * pool), salt)
                    rows += render_brand_thread(ts + 1800, other, rng, tweet_ids)
                if rng.random() < 0.005:
                    other = make_customer(int(rng.random() * pool), salt)
                    rows += render_orphan_reply(ts + 900, other, rng, tweet_ids)
                twcs.writerows(rows)
                tweets += len(rows)
            truth.writerow((CHANNELS[channel], source_id, DEFECTS[defect].id, customer.account_id,
                            "true" if repeat else "false", handle or ""))  # fmt: skip
            handle_sums[defect, channel] += handle
            counts[defect, channel] += 1
            pending += 1
            if progress is not None and pending == 1000:
                progress(pending)
                pending = 0
        if progress is not None and pending:
            progress(pending)

    write_business_volumes(paths["business_volumes"], contacts, seed, start, weeks)
    write_defects_toml(paths["defects"])
    week = spike_week(start, weeks)
    truth_json = _ground_truth(contacts, seed, start, end, week, plan, counts, handle_sums)
    if fix is not None:  # only when asked: a sample without a fix stays byte for byte the same
        truth_json["fix"] = {"defect_id": fix.defect_id, "date": fix.date.isoformat(),
                             "factor": fix.factor}  # fmt: skip
    truth_json["pii"] = ledger.as_lists()
    paths["ground_truth_json"].write_text(json.dumps(truth_json, indent=1) + "\n", "utf-8")
    return SampleSummary(
        directory=directory,
        paths=paths,
        contacts_per_channel={name: int(counts[:, i].sum()) for i, name in enumerate(CHANNELS)},
        contacts=contacts,
        repeats=int(plan.is_repeat.sum()),
        email_messages=email_messages,
        tweets=tweets,
        spike_defect_id=SPIKE_DEFECT_ID,
        spike_week=week,
        fix=fix,
    )


def _check_fix(fix: FixEvent, start: datetime.date, end: datetime.date) -> None:
    known = [defect.id for defect in DEFECTS]
    if fix.defect_id not in known:
        raise InputError(f"unknown defect {fix.defect_id!r} to fix: one of {', '.join(known)}")
    if not start < fix.date <= end:
        raise InputError(
            f"fix date {fix.date} must be after the first day {start} and at most the last {end}"
        )
    if not fix.factor >= 0:  # NaN too
        raise InputError(f"fix factor must not be negative, got {fix.factor}")


def _ground_truth(
    contacts: int, seed: int, start: datetime.date, end: datetime.date, week: str,
    plan: ContactPlan, counts: np.ndarray, handle_sums: np.ndarray,
) -> dict:  # fmt: skip
    """Everything ground_truth.json says except the PII lists."""
    defects = {}
    for i, defect in enumerate(DEFECTS):
        means = {}
        for j, channel in enumerate(CHANNELS):
            known = channel in ("phone", "chat") and counts[i, j]
            means[channel] = round(float(handle_sums[i, j] / counts[i, j]), 1) if known else None
        defects[defect.id] = {
            "name": defect.name,
            "category": defect.category,
            "owner": defect.owner,
            "action": defect.action,
            "share": round(float(counts[i].sum()) / contacts, 5),
            "design_share": defect.share,
            "count": int(counts[i].sum()),
            "counts": {channel: int(counts[i, j]) for j, channel in enumerate(CHANNELS)},
            "mean_handle_seconds": means,
            "design_handle_seconds": {"phone": defect.phone_seconds, "chat": defect.chat_seconds},
        }
    return {
        "seed": seed,
        "contacts": contacts,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "weeks": (end - start).days // 7 + 1,
        "channels": {name: int(counts[:, i].sum()) for i, name in enumerate(CHANNELS)},
        "repeat_share": round(float(plan.is_repeat.mean()), 5),
        "spike": {"defect_id": SPIKE_DEFECT_ID, "iso_week": week, "factor": SPIKE_FACTOR},
        "defects": defects,
    }
