"""Staging rows -> contact rows: type, validate, redact, extract the reason, hash.

Pure: a staging frame goes in, a contacts frame and a rejects frame come out. Every rule runs
column-wise in polars, so a million calls normalise in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial

import polars as pl

from dumbcontacts.etl.bounds import (
    EXCERPT_CHARS,
    MAX_TURNS,
    TRANSCRIPT_CHARS,
    TURN_CHARS,
    cut_series,
)
from dumbcontacts.etl.identity import contact_ids, salted_keys
from dumbcontacts.etl.reasons import first_substantive_expr, name_phrases
from dumbcontacts.etl.redact import redact_expr, redact_series
from dumbcontacts.etl.staging import STAGING_SCHEMA
from dumbcontacts.settings import ORDER_REF_PATTERN, TimeWindow

__all__ = [
    "CONTACT_COLUMNS",
    "MAX_HANDLE_SECONDS",
    "REJECT_SCHEMA",
    "normalize_contacts",
    "parse_durations",
    "parse_timestamps",
]

CONTACT_COLUMNS = [
    "contact_id",
    "channel",
    "source_system",
    "source_id",
    "started_at",
    "ended_at",
    "customer_key",
    "order_ref",
    "queue",
    "agent_key",
    "disposition_code",
    "reason_text",
    "transcript",
    "handle_seconds",
    "language",
]

REJECT_SCHEMA = {"record_no": pl.Int64, "reason": pl.Utf8, "excerpt": pl.Utf8}

# Tried in order; the first that parses wins. Offsets are converted to UTC, naive times are UTC.
# The usual export shape comes first: without an offset to read it parses twice as fast.
# ISO 8601 allows leaving out the seconds ("2026-09-10T10:00Z"), so the last ones do.
_TIMESTAMP_FORMATS = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M%#z",
    "%Y-%m-%d %H:%M",
)

_LIVE_CHANNELS = ("phone", "chat")

# One contact handled for longer than a day is an export error (a 2^31-second call, a clock
# that ran on); a live session spanning longer is a conversation resumed days later, whose
# span says nothing about the time spent on it.
MAX_HANDLE_SECONDS = 24 * 3600


def parse_timestamps(values: pl.Series) -> pl.Series:
    """ISO 8601 text -> naive UTC datetimes; null where the text is not a timestamp.

    Later formats are tried only on the values the earlier ones missed, so the common case
    (every value in one format) costs one pass.
    """
    parsed = values.str.to_datetime(_TIMESTAMP_FORMATS[0], time_zone="UTC", strict=False)
    for fmt in _TIMESTAMP_FORMATS[1:]:
        missing = parsed.is_null() & values.is_not_null()
        if not missing.any():
            break
        retry = values.filter(missing).str.to_datetime(fmt, time_zone="UTC", strict=False)
        parsed = parsed.scatter(missing.arg_true(), retry)
    return parsed.dt.replace_time_zone(None).dt.cast_time_unit("us").alias(values.name)


def parse_durations(values: pl.Series) -> pl.Series:
    """Seconds as text (``"312"``, ``"312.4"``) or clock time (``"5:12"``, ``"1:05:12"``);
    null where the text is not a finite duration (``"nan"``, ``"inf"`` included)."""
    seconds = values.str.strip_chars().cast(pl.Float64, strict=False)
    clock = values.str.contains(":")
    if clock.any():
        parts = values.str.split(":").list.eval(pl.element().cast(pl.Float64, strict=False))
        as_clock = parts.list.eval(
            pl.element() * pl.lit(60.0).pow(pl.len() - 1 - pl.int_range(pl.len()))
        ).list.sum()
        seconds = seconds.zip_with(~clock, as_clock)
    finite = pl.col("s").is_finite()
    return seconds.to_frame("s").select(pl.when(finite).then("s")).to_series().alias(values.name)


def normalize_contacts(
    staging: pl.DataFrame,
    *,
    channel: str,
    salt: str,
    keep_transcripts: bool = False,
    window: TimeWindow | None = None,
    order_ref_pattern: str = ORDER_REF_PATTERN,
    brand_names: Iterable[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (contacts, rejects). Contacts are unique by contact_id, first record wins.

    A time outside ``window`` (default: ``TimeWindow.ending_days_ahead()``) rejects its
    record. The redacted transcript is kept only with ``keep_transcripts``; otherwise null.
    An order reference is kept only when the whole value matches ``order_ref_pattern`` and
    holds no personal data; otherwise it is null (a placeholder is no use as a reference).
    A turn that only names the company (``brand_names``, the source system, a social
    brand account) is no reason. Rejects carry raw excerpts: the load cuts and redacts them
    before storing.
    """
    window = window or TimeWindow.ending_days_ahead()
    frame = _without_nul(staging.select(list(STAGING_SCHEMA)))
    frame = frame.with_columns(
        pl.col("customer_turns").list.head(MAX_TURNS),
        parse_timestamps(frame["started_at"]).alias("started"),
        parse_timestamps(frame["ended_at"]).alias("ended"),
        parse_durations(frame["handle_seconds"]).alias("handle"),
    )
    frame = frame.with_columns(_reject_reason(window).alias("reject_reason"))
    rejects = _rejects(frame.filter(pl.col("reject_reason").is_not_null()))
    good = frame.filter(pl.col("reject_reason").is_null())

    handle = pl.col("handle")
    if channel in _LIVE_CHANNELS:
        # A call or chat is handled while it lasts; an e-mail or social thread's span is
        # mostly waiting, so its handle time stays unknown and costs a flat rate.
        span = (pl.col("ended") - pl.col("started")).dt.total_seconds()
        handle = pl.coalesce(handle, pl.when(span <= MAX_HANDLE_SECONDS).then(span))
    # The slow steps run on a pool while this thread types the small columns: hashing (in
    # DuckDB) and the text work, split in halves. Polars and DuckDB release the GIL, so the
    # threads share the cores.
    with ThreadPoolExecutor(max_workers=5) as pool:
        keys = pool.submit(_keys, good, channel, salt)
        names = _company_names(good, channel, brand_names)
        reasons = _in_halves(pool, partial(_reasons, names=names), good["customer_turns"])
        # Not kept by default: topics need only reason_text, and every stored sentence is
        # one more place personal data can hide (data minimisation).
        transcripts = (
            _in_halves(pool, _redact_transcripts, good["transcript"]) if keep_transcripts else None
        )
        contacts = good.select(
            pl.lit(channel).alias("channel"),
            "source_system",
            "source_id",
            pl.col("started").alias("started_at"),
            pl.col("ended").alias("ended_at"),
            _order_refs(order_ref_pattern),
            _clean_text("queue"),
            _clean_text("disposition_code"),
            handle.round(0).cast(pl.Int32).alias("handle_seconds"),
            _clean_text("language").str.to_lowercase(),
        )
        contacts = contacts.with_columns(
            reasons().alias("reason_text"),
            *keys.result(),
            (transcripts() if transcripts else pl.lit(None, pl.Utf8)).alias("transcript"),
        )
    contacts = contacts.filter(pl.col("contact_id").is_first_distinct())
    return contacts.select(CONTACT_COLUMNS), rejects


def _in_halves(pool: Executor, work: Callable[[pl.Series], pl.Series], values: pl.Series):
    """Run ``work`` on each half of ``values`` on the pool; call the result to join them."""
    half = (values.len() + 1) // 2
    parts = [pool.submit(work, values.slice(0, half)), pool.submit(work, values.slice(half))]
    return lambda: pl.concat([part.result() for part in parts])


def _keys(good: pl.DataFrame, channel: str, salt: str) -> list[pl.Series]:
    return [
        contact_ids(channel, good["source_system"], good["source_id"]),
        salted_keys(good["customer_id"], salt, "customer_key"),
        salted_keys(good["agent_id"], salt, "agent_key"),
    ]


def _without_nul(frame: pl.DataFrame) -> pl.DataFrame:
    """PostgreSQL text cannot hold NUL, DuckDB's can: it goes on both, so both store the same.
    Only the columns holding one are rewritten (a pass that finds nothing allocates nothing)."""
    text = [name for name, kind in frame.schema.items() if kind == pl.Utf8]
    found = frame.select(pl.col(text).str.contains("\x00", literal=True).any()).row(0)
    names = [name for name, has_nul in zip(text, found, strict=True) if has_nul]
    return frame.with_columns(pl.col(names).str.replace_all("\x00", "", literal=True))


def _company_names(good: pl.DataFrame, channel: str, brand_names: Iterable[str]) -> frozenset[str]:
    sources = good["source_system"].drop_nulls().unique().to_list()
    # A social thread's queue is the brand account that answered it; elsewhere it is a team.
    brands = good["queue"].drop_nulls().unique().to_list() if channel == "social" else []
    return name_phrases([*brand_names, *sources, *brands])


def _reasons(turns: pl.Series, names: frozenset[str]) -> pl.Series:
    # Redact first, so no cleaning rule can move PII out of a placeholder's way.
    prepare = partial(_redact, limit=TURN_CHARS)
    reasons = first_substantive_expr(pl.col(turns.name), prepare=prepare, names=names)
    return turns.to_frame().select(reasons).to_series()


def _redact_transcripts(texts: pl.Series) -> pl.Series:
    return _redact(texts, TRANSCRIPT_CHARS)


def _redact(texts: pl.Series, limit: int) -> pl.Series:
    # Cut first, so one absurd message costs no more than a long real one; no NUL, as above.
    return redact_series(cut_series(texts.str.replace_all("\x00", "", literal=True), limit))


def _order_refs(pattern: str) -> pl.Expr:
    refs = _clean_text("order_ref")
    shaped = refs.str.contains(f"^(?:{pattern})$")
    return pl.when(shaped & (redact_expr(refs) == refs)).then(refs).alias("order_ref")


def _clean_text(name: str) -> pl.Expr:
    stripped = pl.col(name).str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped).alias(name)


def _reject_reason(window: TimeWindow) -> pl.Expr:
    """The first rule a record breaks, as ``field: rule``; else null. Never the value: it
    may be personal data, and the excerpt (redacted) is where a value is shown."""

    def bad_time(field: str, parsed: str) -> pl.Expr:
        return pl.col(field).is_not_null() & pl.col(parsed).is_null()

    def implausible(parsed: str) -> pl.Expr:
        return (pl.col(parsed) < window.earliest) | (pl.col(parsed) > window.latest)

    outside = f"outside {window.describe()}"
    return (
        pl.when(pl.col("source_id").is_null() | (pl.col("source_id").str.strip_chars() == ""))
        .then(pl.lit("source_id: missing"))
        .when(pl.col("started_at").is_null())
        .then(pl.lit("started_at: missing"))
        .when(bad_time("started_at", "started"))
        .then(pl.lit("started_at: not a timestamp"))
        .when(implausible("started"))
        .then(pl.lit(f"started_at: {outside}"))
        .when(bad_time("ended_at", "ended"))
        .then(pl.lit("ended_at: not a timestamp"))
        .when(implausible("ended"))
        .then(pl.lit(f"ended_at: {outside}"))
        .when(pl.col("ended") < pl.col("started"))
        .then(pl.lit("ended_at: before started_at"))
        .when(bad_time("handle_seconds", "handle"))
        .then(pl.lit("handle_seconds: not a number of seconds"))
        .when(pl.col("handle") < 0)
        .then(pl.lit("handle_seconds: negative"))
        .when(pl.col("handle") > MAX_HANDLE_SECONDS)
        .then(pl.lit("handle_seconds: more than 24 hours"))
    )


def _rejects(bad: pl.DataFrame) -> pl.DataFrame:
    # The fields the rules look at, each cut short first: one may be a megabyte.
    fields = ("source_id", "started_at", "ended_at", "handle_seconds")
    excerpt = pl.concat_str(
        [pl.col(name).str.head(EXCERPT_CHARS + 1) for name in fields],
        separator=" | ",
        ignore_nulls=True,
    )
    return bad.select(
        "record_no", pl.col("reject_reason").alias("reason"), excerpt.alias("excerpt")
    ).cast(REJECT_SCHEMA)
