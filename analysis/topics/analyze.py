"""``analyze``: embed new reasons, fit or reuse the topic model, assign, map topics to defects.

The first run (or ``refit=True``) fits a new model version on a bounded, seeded sample of
contacts and assigns every contact to it. Later runs only embed and assign contacts that
have no topic under the current version, so re-running with nothing new embeds nothing and
changes nothing, and give topics left without a defect another chance against the taxonomy
as it is now (``dumbcontacts.analysis.topics.mapping``). A refit matches its topics to the previous
version's, so a topic that still means the same thing keeps its key, and with it its defect
and its history.

Topics store the model's own mapping (``auto_*``); every run then applies the analyst's
overrides file (``Settings.overrides``, the one the triage page saves to) and stores the
effective label and defect, so editing it takes effect on the next run, with or without a
refit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Connection, case, func, select, update

from dumbcontacts.analysis.economics.links import store_links
from dumbcontacts.analysis.economics.scope import unassigned
from dumbcontacts.analysis.economics.topic_days import forget_topic_days, store_topic_days
from dumbcontacts.analysis.topics.embedding_cache import (
    embed_reasons,
    hash_text,
    model_company_names,
    model_min_similarity,
    read_cached_vectors,
)
from dumbcontacts.analysis.topics.embeddings import Embedder
from dumbcontacts.analysis.topics.fast_assign import assign_fast, predict_fast
from dumbcontacts.analysis.topics.fast_margin import (
    FastOutcome,
    calibrate_fast_assigner,
    check_target,
)
from dumbcontacts.analysis.topics.fit import TopicFit, TopicSettings, assign_topics, fit_topics
from dumbcontacts.analysis.topics.guided import fit_guided
from dumbcontacts.analysis.topics.keywords import company_names, keyword_stop_words
from dumbcontacts.analysis.topics.languages import detect_languages
from dumbcontacts.analysis.topics.mapping import (
    defect_phrase_vectors,
    map_fitted_topics,
    map_unmapped_topics,
    match_by_members,
    match_topics,
    not_a_defect_vectors,
    topic_summary,
)
from dumbcontacts.analysis.topics.names import name_topics
from dumbcontacts.analysis.topics.overrides import (
    Override,
    check_defects,
    read_overrides_file,
    store_overrides,
)
from dumbcontacts.analysis.topics.prepare import prepare_reason
from dumbcontacts.errors import ModelError
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topic_models, topics
from dumbcontacts.etl.warehouse import Warehouse, insert_new_rows
from dumbcontacts.settings import FAST_AGREEMENT, Settings

__all__ = ["AnalyzeResult", "analyze_contacts"]

_VECTOR = np.dtype("<f4")
_UPDATE_CHUNK = 10_000  # contact ids per UPDATE: PostgreSQL takes at most 65,535 parameters


@dataclass(frozen=True)
class AnalyzeResult:
    model_version: int
    refitted: bool
    embedded: int  # distinct texts the model had to embed (cache misses)
    assigned: int  # contacts given a topic in this run
    topics: pl.DataFrame  # topic_key, label, contacts, defect_id, mapping_confidence, keywords,
    # mapped_by, merged_into
    overrides: tuple[Override, ...] = ()  # read from the overrides file
    unmatched: tuple[Override, ...] = ()  # overrides naming a key this version does not have
    without_reason: int = 0  # contacts no customer message gives a reason for: no topic
    fast: FastOutcome | None = None  # how the fast path assigned, when it did
    company_names: frozenset[str] = frozenset()  # the model read reasons without them
    no_topic: int = 0  # contacts with a reason alike to no topic: none until a refit

    @property
    def unmapped(self) -> pl.DataFrame:
        return self.topics.filter(pl.col("defect_id").is_null())

    @property
    def applied(self) -> tuple[Override, ...]:
        return tuple(o for o in self.overrides if o not in self.unmatched)


class _CountingEmbedder:
    """Passes calls through and counts the texts the model really embedded."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.name, self.dimension, self.count = embedder.name, embedder.dimension, 0

    def embed(self, texts, progress=None):
        self.count += len(texts)
        return self._embedder.embed(texts, progress)


def analyze_contacts(
    warehouse: Warehouse,
    embedder: Embedder,
    *,
    settings: TopicSettings | None = None,
    refit: bool = False,
    fit_sample: int = 50_000,
    map_threshold: float = 0.5,
    seed_threshold: float | None = 0.35,
    fast: bool = False,
    fast_static: Embedder | None = None,  # static vectors for --fast (load_static_minilm)
    fast_agreement: float = FAST_AGREEMENT,
    fast_predict: Callable | None = None,  # predict_fast elsewhere (cluster.predict_on_cluster)
    progress: Callable[[int], None] | None = None,
    overrides: Path | str | None = None,
    brand_names: Iterable[str] = (),
    repeat_days: int | None = None,
) -> AnalyzeResult:
    """Analyse the contacts no topic has yet (all of them with ``refit``); see the module.

    ``overrides`` is the analyst's overrides file; None means the configured one
    (``Settings.overrides``), so a run from a notebook keeps the triage page's decisions.
    Raises ModelError when there is nothing to fit or the embedder is not the model's,
    ConfigError for a broken overrides file. ``brand_names`` (the configured ones) are
    never a topic's keyword. The daily counts per topic are stored for ``repeat_days``
    (None: the configured repeat window), the window the figures use. With ``fast``, new
    contacts are assigned by a text model whose fall-back margin is calibrated to agree
    with the sentence model on ``fast_agreement`` of texts it has not seen
    (``dumbcontacts.analysis.topics.fast_margin``).
    """
    settings = settings or TopicSettings()
    if fast:
        check_target(fast_agreement)
    configured = Settings.from_environ() if overrides is None or repeat_days is None else None
    decisions = read_overrides_file(configured.overrides if overrides is None else overrides)
    repeat_days = configured.repeat_window_days if repeat_days is None else repeat_days
    counting = _CountingEmbedder(embedder)
    with warehouse.begin() as conn:
        current, fitted_with = _current_version(conn)
        known = set(conn.execute(select(defects.c.defect_id)).scalars())
    check_defects(decisions, known)  # before any fitting, so a typo costs nothing
    if current is not None and not refit and fitted_with != embedder.name:
        # Vectors of two models live in different spaces: assigning across them is noise.
        raise ModelError(
            f"the current model v{current} was fitted with {fitted_with}; "
            f"analyze with that embedder, or --refit to fit one with {embedder.name}"
        )
    refitted = current is None or refit
    fitted = 0
    if refitted:
        version, fitted, names = _fit_new_version(
            warehouse,
            counting,
            current,
            settings,
            fit_sample=fit_sample,
            map_threshold=map_threshold,
            seed_threshold=seed_threshold,
            progress=progress,
            brand_names=tuple(brand_names),
        )
    else:
        version = current
        with warehouse.connect() as conn:
            names = model_company_names(conn, version)  # how this version reads reasons
        map_unmapped_topics(warehouse, counting, version, map_threshold, names)
    fast_with = (
        _FastWith(fast_agreement, fast_static, fast_predict or predict_fast) if fast else None
    )
    assigned, no_topic, outcome = _assign_unassigned(
        warehouse, counting, version, names, progress, fast_with
    )
    with warehouse.begin() as conn:
        unmatched = store_overrides(conn, version, decisions, known)
        store_links(conn)  # so metrics need not link repeats themselves
        store_topic_days(conn, version, repeat_days=repeat_days)  # nor count every contact
        summary = topic_summary(conn, version)
        without_reason = conn.execute(
            select(func.count()).where(contacts.c.reason_text.is_(None))
        ).scalar_one()
    return AnalyzeResult(
        version, refitted, counting.count, fitted + assigned, summary, tuple(decisions),
        tuple(unmatched), without_reason, outcome, names, no_topic,
    )  # fmt: skip


def _current_version(conn: Connection) -> tuple[int | None, str | None]:
    """The current model version and the embedder it was fitted with."""
    query = select(topic_models.c.model_version, topic_models.c.embedder)
    row = conn.execute(query.where(topic_models.c.is_current)).first()
    return (row.model_version, row.embedder) if row else (None, None)


def _reasons(conn: Connection, version: int | None = None) -> pl.DataFrame:
    """Contacts with a reason, and the brand account that answered a social one; with
    ``version``, only those it has not assigned yet."""
    brand = case((contacts.c.channel == "social", contacts.c.queue), else_=None)
    columns = (contacts.c.contact_id, contacts.c.reason_text, brand.label("brand"))
    columns += (contacts.c.language,)
    rows = conn.execute(unassigned(select(*columns), version).order_by(contacts.c.contact_id))
    schema = dict.fromkeys(["contact_id", "reason_text", "brand", "language"], pl.Utf8)
    return pl.DataFrame(rows.all(), schema=schema, orient="row")


def _with_languages(reasons: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``reasons`` with each language the source did not give detected, and the detected
    ones (contact_id, detected) to store with the fit, so a run that fails stores nothing.

    Detected here, on the distinct reasons of the fit sample, rather than at load: lingua
    reads some hundreds of texts a second, a load a hundred thousand contacts.
    """
    missing = reasons.filter(pl.col("language").is_null())
    distinct = missing["reason_text"].unique(maintain_order=True)
    found = pl.DataFrame(
        {"reason_text": distinct, "detected": detect_languages(distinct.to_list())},
        schema={"reason_text": pl.Utf8, "detected": pl.Utf8},
    )
    detected = missing.join(found, on="reason_text").filter(pl.col("detected").is_not_null())
    reasons = reasons.join(found, on="reason_text", how="left", maintain_order="left").select(
        pl.exclude("language", "detected"),
        pl.coalesce("language", "detected").alias("language"),
    )
    return reasons, detected.select("contact_id", "detected")


def _store_languages(conn: Connection, detected: pl.DataFrame) -> None:
    for (language,), rows in detected.group_by("detected"):
        ids = rows["contact_id"].to_list()
        for start in range(0, len(ids), _UPDATE_CHUNK):
            chunk = ids[start : start + _UPDATE_CHUNK]
            conn.execute(
                update(contacts).where(contacts.c.contact_id.in_(chunk)).values(language=language)
            )


def _fit_new_version(
    warehouse,
    embedder,
    previous,
    settings,
    *,
    fit_sample,
    map_threshold,
    seed_threshold,
    progress,
    brand_names,
):
    with warehouse.connect() as conn:
        reasons = _reasons(conn)
        taxonomy = conn.execute(select(defects)).mappings().all()
        old = _read_topics(conn, previous) if previous is not None else None
        old_keys = _old_keys(conn, previous) if previous is not None else {}
    if reasons.is_empty():
        raise ModelError("no contacts with a reason to analyse; load some first")
    if reasons.height > fit_sample:
        rows = np.random.default_rng(settings.seed).choice(reasons.height, fit_sample, False)
        reasons = reasons[np.sort(rows)]
    reasons, detected = _with_languages(reasons)
    texts = reasons["reason_text"].to_list()
    languages = reasons["language"].to_list()
    company = company_names(texts, languages)
    vectors = embed_reasons(warehouse, embedder, texts, progress, company)
    brands = keyword_stop_words(texts, sources=reasons["brand"].to_list(), extra=brand_names)
    settings = dataclasses.replace(
        settings, stop_words=settings.stop_words | brands | company, company_names=company
    )
    groups = defect_phrase_vectors(warehouse, embedder, taxonomy)
    if groups and seed_threshold is not None:
        fit, seeded = fit_guided(
            texts, vectors, groups, threshold=seed_threshold, settings=settings,
            languages=languages,
        )  # fmt: skip
    else:
        fit = fit_topics(texts, vectors, settings, languages)
        seeded = np.full(len(fit.topics), -1)
    inherited = match_by_members([old_keys.get(c) for c in reasons["contact_id"]], fit.topic_ids)
    names = name_topics(texts, vectors, fit.topic_ids, fit.centroids, fit.centroid_ids)
    table = _describe(fit, old, inherited)
    table = table.with_columns(
        label=pl.Series([n or label for n, label in zip(names, table["label"], strict=True)])
    )
    defect_ids, confidence = map_fitted_topics(
        fit, vectors, seeded, groups, taxonomy, map_threshold,
        not_a_defect_vectors(warehouse, embedder),
    )  # fmt: skip
    # A topic seeded from a defect has no found category: it takes its defect's.
    defect_category = {row["defect_id"]: row["category"] for row in taxonomy}
    table = table.with_columns(
        pl.Series("defect_id", defect_ids, pl.Utf8),
        pl.Series("mapping_confidence", confidence, pl.Float64),
        category=pl.coalesce(
            "category", pl.Series([defect_category.get(d) for d in defect_ids], dtype=pl.Utf8)
        ),
    )  # the model's own mapping; store_overrides copies it to auto_* and applies overrides
    version = (previous or 0) + 1
    with warehouse.begin() as conn:
        _store_languages(conn, detected)
        conn.execute(update(topic_models).values(is_current=False))
        conn.execute(
            topic_models.insert().values(
                model_version=version,
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                embedder=embedder.name,
                n_docs=len(texts),
                n_topics=table.height,
                outlier_share=float(np.mean(fit.topic_ids == -1)),
                settings=json.dumps(dataclasses.asdict(settings), default=sorted),
                is_current=True,
            )
        )
        insert_new_rows(conn, topics, table.with_columns(pl.lit(version).alias("model_version")))
        # The sample keeps the labels it was fitted with; everyone else is assigned later.
        fitted = insert_new_rows(conn, contact_topics, _fitted_rows(fit, vectors, reasons, version))
    return version, fitted, company


def _fitted_rows(fit: TopicFit, vectors, reasons: pl.DataFrame, version: int) -> pl.DataFrame:
    clustered = fit.topic_ids >= 0
    row_of = {topic_id: row for row, topic_id in enumerate(fit.centroid_ids.tolist())}
    own = np.array([row_of[t] for t in fit.topic_ids[clustered].tolist()], dtype=int)
    unit = vectors[clustered] / np.linalg.norm(vectors[clustered], axis=1, keepdims=True)
    similarity = np.einsum("ij,ij->i", unit, fit.centroids[own])
    return _assignment_rows(
        reasons["contact_id"].filter(clustered), version, fit.topic_ids[clustered], similarity
    )


def _assignment_rows(contact_ids: pl.Series, version: int, topic_ids, probability) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "contact_id": contact_ids,
            "model_version": pl.Series([version] * len(contact_ids), dtype=pl.Int32),
            "topic_id": pl.Series(topic_ids, dtype=pl.Int32),
            "probability": pl.Series(np.clip(probability, 0.0, 1.0), dtype=pl.Float64),
        }
    )


def _describe(fit: TopicFit, old: pl.DataFrame | None, inherited: dict[int, str]) -> pl.DataFrame:
    """The fit's topics with stable keys: a topic holding most of an old topic's contacts
    (``inherited``) keeps its key; else one whose centroid continues an old one does."""
    keys = [inherited.get(t["topic_id"]) for t in fit.topics]
    category_of = {c["category_id"]: c["label"] for c in fit.categories}
    next_number = 1
    if old is not None and not old.is_empty():
        next_number = max(int(k[1:]) for k in old["topic_key"]) + 1
    # Topics of another embedder cannot be compared; they get new keys.
    if next_number > 1 and len(old["vector"][0]) == fit.centroids.shape[1]:
        free = [i for i, key in enumerate(old["topic_key"]) if key not in set(keys)]
        open_rows = [i for i, key in enumerate(keys) if key is None]
        if free and open_rows:
            matches = match_topics(
                fit.centroids[open_rows], np.stack([old["vector"][i] for i in free])
            )
            for row, match in zip(open_rows, matches.tolist(), strict=True):
                if match >= 0:
                    keys[row] = old["topic_key"][free[match]]
    for index, key in enumerate(keys):
        if key is None:
            keys[index] = f"T{next_number:04d}"
            next_number += 1
    return pl.DataFrame(
        {
            "topic_id": [t["topic_id"] for t in fit.topics],
            "topic_key": keys,
            "label": [t["label"] for t in fit.topics],
            "keywords": [", ".join(t["keywords"]) for t in fit.topics],
            "language": pl.Series([t.get("language") for t in fit.topics], dtype=pl.Utf8),
            "category": pl.Series(
                [category_of.get(t.get("category_id")) for t in fit.topics], dtype=pl.Utf8
            ),
            "size": [t["size"] for t in fit.topics],
            "centroid": pl.Series(
                [c.astype(_VECTOR).tobytes() for c in fit.centroids], dtype=pl.Binary
            ),
        }
    )


def _old_keys(conn: Connection, version: int) -> dict[str, str]:
    """Each contact's topic key in model ``version``."""
    query = (
        select(contact_topics.c.contact_id, topics.c.topic_key)
        .join(
            topics,
            (topics.c.model_version == contact_topics.c.model_version)
            & (topics.c.topic_id == contact_topics.c.topic_id),
        )
        .where(contact_topics.c.model_version == version)
    )
    return dict(conn.execute(query).all())


def _read_topics(conn: Connection, version: int) -> pl.DataFrame:
    query = select(topics.c.topic_id, topics.c.topic_key, topics.c.centroid).where(
        topics.c.model_version == version
    )
    rows = conn.execute(query.order_by(topics.c.topic_id)).all()
    return pl.DataFrame(
        {
            "topic_id": [r.topic_id for r in rows],
            "topic_key": [r.topic_key for r in rows],
            "vector": [np.frombuffer(bytes(r.centroid), _VECTOR) for r in rows],
        },
        schema_overrides={"vector": pl.Object},
    )


@dataclass(frozen=True)
class _FastWith:
    """How ``fast=True`` assigns: the agreement its margin is calibrated for, and its static
    features."""

    agreement: float
    static: Embedder | None
    predict: Callable  # predict_fast, in this process or not


def _assign_unassigned(
    warehouse, embedder, version, names: frozenset[str], progress, fast: _FastWith | None
) -> tuple[int, int, FastOutcome | None]:
    """Contacts assigned, contacts alike to no topic (left without one, so a refit can find
    theirs), and what the fast path did (None when it did not run)."""
    with warehouse.connect() as conn:
        todo = _reasons(conn, version)
        model = _read_topics(conn, version)
        min_similarity = model_min_similarity(conn, version)
    if todo.is_empty():
        return 0, 0, None
    texts = todo["reason_text"].to_list()
    topic_list = [{"topic_id": t} for t in model["topic_id"].to_list()]
    fit = TopicFit(np.zeros(0, dtype=int), topic_list, np.stack(model["vector"].to_list()))

    def embed(some: list[str]) -> np.ndarray:
        return embed_reasons(warehouse, embedder, some, progress, names)

    training, outcome = None, None
    if fast is not None:
        with warehouse.connect() as conn:
            training = _embedded_reasons(conn, version, embedder, names)
    if training is None:
        topic_ids, probability = assign_topics(fit, embed(texts), min_similarity)
    else:
        # A model trained on the sentence model's own centroid similarities decides where it
        # is sure; only the rest pay for the sentence model.
        assigner, margin = calibrate_fast_assigner(
            *training, fit, fast.agreement, static=fast.static
        )
        topic_ids, probability, fell_back = assign_fast(
            assigner, texts, embed, fit, margin.margin, fast.predict, min_similarity
        )
        outcome = FastOutcome(margin, fast.agreement, len(texts), fell_back)
    found = topic_ids >= 0
    rows = _assignment_rows(
        todo["contact_id"].filter(found), version, topic_ids[found], probability[found]
    )
    with warehouse.begin() as conn:
        forget_topic_days(conn)  # stored before these contacts had a topic
        return insert_new_rows(conn, contact_topics, rows), int((~found).sum()), outcome


def _embedded_reasons(
    conn: Connection, version: int, embedder: Embedder, names: frozenset[str]
) -> tuple[list[str], np.ndarray] | None:
    """Distinct reasons a version has a topic for and whose vectors are cached: training data.

    These are the fit sample and earlier fall-backs; None when there are none.
    """
    query = (
        select(contacts.c.reason_text)
        .distinct()
        .join(contact_topics, contact_topics.c.contact_id == contacts.c.contact_id)
        .where(contact_topics.c.model_version == version)
        .order_by(contacts.c.reason_text)
    )
    texts = list(conn.execute(query).scalars())
    hashes = [hash_text(prepare_reason(t, names=names)) for t in texts]
    positions, vectors = read_cached_vectors(conn, embedder.name, hashes, embedder.dimension)
    if len(positions) == 0:
        return None
    order = np.argsort(positions)  # the database's order is not stable; the model should be
    return [texts[i] for i in positions[order].tolist()], np.array(vectors[order])
