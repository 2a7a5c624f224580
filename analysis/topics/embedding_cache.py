"""Remember every vector ever computed, keyed by (model name, sha256 of the text).

Embedding is the slowest step (MiniLM: ~35 minutes per 100k contacts on 2 cores), so each
distinct text is embedded once per model and never again. Lookups go in bulk: DuckDB joins
an Arrow table of the wanted hashes, PostgreSQL gets one ``= ANY(array)`` query. New vectors
are committed a chunk at a time, so an interrupted run keeps what it had finished, and no
connection is held while the model works (DuckDB locks its file against other processes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection

import numpy as np
import polars as pl
import pyarrow as pa
from sqlalchemy import Connection, select

from dumbcontacts.analysis.topics.embeddings import Embedder, Progress
from dumbcontacts.analysis.topics.prepare import prepare_reason
from dumbcontacts.errors import ModelError
from dumbcontacts.etl.schema import embeddings, topic_models
from dumbcontacts.etl.warehouse import Warehouse, insert_new_rows

__all__ = [
    "embed_reasons",
    "embed_with_cache",
    "hash_text",
    "model_company_names",
    "model_min_similarity",
    "read_cached_vectors",
]

_VECTOR_DTYPE = np.dtype("<f4")


def hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_with_cache(
    warehouse: Warehouse,
    embedder: Embedder,
    texts: list[str],
    progress: Progress | None = None,
    *,
    chunk_size: int = 4096,
) -> np.ndarray:
    """Vectors for ``texts`` in input order, embedding only distinct texts never seen before.

    ``progress(n)`` calls add up to ``len(texts)``: cached texts are reported at once, new
    ones as the embedder finishes them. New vectors are committed every ``chunk_size``
    distinct texts.
    """
    slot_of: dict[str, int] = {}
    # slots[i] is the distinct-text row of texts[i]; identical texts share one row.
    slots = np.fromiter(
        (slot_of.setdefault(hash_text(t), len(slot_of)) for t in texts),
        np.int64,
        len(texts),
    )
    hashes = list(slot_of)
    with warehouse.begin() as conn:
        found, vectors = read_cached_vectors(conn, embedder.name, hashes, embedder.dimension)
    distinct = np.zeros((len(hashes), embedder.dimension), dtype=np.float32)
    distinct[found] = vectors
    known = np.zeros(len(hashes), dtype=bool)
    known[found] = True
    missing = np.flatnonzero(~known)
    # How many input positions each distinct text stands for, to report duplicates too.
    uses = np.bincount(slots, minlength=len(hashes))
    if progress is not None and len(texts):
        progress(len(texts) - int(uses[missing].sum()))
    _, first_at = np.unique(slots, return_index=True)  # a position in texts of each slot
    for start in range(0, len(missing), chunk_size):
        chunk = missing[start : start + chunk_size]
        vectors = embedder.embed([texts[i] for i in first_at[chunk].tolist()], progress)
        if vectors.shape != (len(chunk), embedder.dimension):
            raise ValueError(
                f"{embedder.name} returned {vectors.shape}, "
                f"expected {(len(chunk), embedder.dimension)}"
            )
        distinct[chunk] = vectors
        _store_vectors(warehouse, embedder, [hashes[slot] for slot in chunk], distinct[chunk])
        if progress is not None and (extra := int(uses[chunk].sum()) - len(chunk)):
            progress(extra)
    # Without duplicates, slots is 0..n-1 (rows follow first appearance): skip the gather.
    return distinct if len(hashes) == len(texts) else distinct[slots]


def embed_reasons(
    warehouse: Warehouse,
    embedder: Embedder,
    texts: list[str],
    progress: Progress | None = None,
    names: Collection[str] = (),
) -> np.ndarray:
    """Vectors of reasons as the sentence model should see them (``prepare_reason``, without
    the company's ``names``)."""
    prepared = [prepare_reason(t, names=names) for t in texts]
    return embed_with_cache(warehouse, embedder, prepared, progress)


def model_company_names(conn: Connection, version: int) -> frozenset[str]:
    """The company names a model version's reasons were read without (none before they
    were learnt)."""
    return frozenset(_model_settings(conn, version).get("company_names", ()))


def model_min_similarity(conn: Connection, version: int) -> float | None:
    """How alike to a topic a contact must be to join it under a model version (None: any,
    as versions fitted before the rule)."""
    return _model_settings(conn, version).get("outlier_similarity")


def _model_settings(conn: Connection, version: int) -> dict:
    stored = conn.execute(
        select(topic_models.c.settings).where(topic_models.c.model_version == version)
    ).scalar_one_or_none()
    return json.loads(stored or "{}")


def read_cached_vectors(
    conn: Connection, model: str, hashes: list[str], dimension: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(positions, vectors)``: which of ``hashes`` are stored for ``model``, and their rows.

    ``vectors[k]`` belongs to ``hashes[positions[k]]``; the order is the database's, and
    ``vectors`` is a read-only float32 view of the fetched bytes (copy it to change it).
    """
    if not hashes:
        return np.zeros(0, dtype=np.int64), np.zeros((0, dimension), dtype=np.float32)
    if conn.dialect.name == "duckdb":
        positions, blobs, dims = _lookup_duckdb(conn, model, hashes)
    elif conn.dialect.name == "postgresql":
        positions, blobs, dims = _lookup_postgres(conn, model, hashes)
    else:
        raise ValueError(f"unsupported warehouse engine: {conn.dialect.name}")
    if len(positions) and not (np.asarray(dims) == dimension).all():
        # One name for two models (a configured model replaced in place): their vectors differ.
        raise ModelError(f"cached vectors for {model!r} are not {dimension}-dimensional")
    vectors = np.frombuffer(blobs, dtype=_VECTOR_DTYPE).reshape(len(positions), dimension)
    return np.asarray(positions, dtype=np.int64), vectors


def _lookup_duckdb(conn: Connection, model: str, hashes: list[str]):
    raw = conn.connection.driver_connection
    # A registered Arrow table turns 100k lookups into one hash join instead of 100k params.
    wanted = pa.table({"position": pa.array(range(len(hashes)), pa.int64()), "text_hash": hashes})
    raw.register("wanted_hashes", wanted)
    try:
        table = raw.execute(
            "SELECT w.position, e.vector, e.dimension FROM embeddings e "
            "JOIN wanted_hashes w ON e.text_hash = w.text_hash WHERE e.model = ?",
            [model],
        ).to_arrow_table()
    finally:
        raw.unregister("wanted_hashes")
    chunks = [_blob_bytes(chunk) for chunk in table["vector"].chunks]
    # One chunk (the usual case) is used in place: 100k vectors are 150 MB not to copy.
    blobs = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return table["position"].to_numpy(), blobs, table["dimension"].to_numpy()


def _blob_bytes(chunk: pa.Array) -> memoryview:
    """The blobs of an Arrow binary array back to back, without a Python object per row.

    Every blob has the same length, so the array's data buffer already is the matrix.
    """
    width = np.dtype(np.int64 if pa.types.is_large_binary(chunk.type) else np.int32)
    _, offsets_buffer, data = chunk.buffers()
    if data is None or not len(chunk):
        return memoryview(b"")
    offsets = np.frombuffer(
        offsets_buffer, dtype=width, count=len(chunk) + 1, offset=chunk.offset * width.itemsize
    )
    return memoryview(data)[offsets[0] : offsets[-1]]


def _lookup_postgres(conn: Connection, model: str, hashes: list[str]):
    raw = conn.connection.driver_connection
    position_of = {text_hash: i for i, text_hash in enumerate(hashes)}
    # One query with an array parameter; binary results skip bytea's hex text (4x faster).
    with raw.cursor(binary=True) as cur:
        cur.execute(
            "SELECT text_hash, vector, dimension FROM embeddings "
            "WHERE model = %s AND text_hash = ANY(%s)",
            [model, hashes],
        )
        rows = cur.fetchall()
    positions = [position_of[text_hash] for text_hash, _, _ in rows]
    return positions, b"".join(blob for _, blob, _ in rows), [dim for _, _, dim in rows]


def _store_vectors(
    warehouse: Warehouse, embedder: Embedder, hashes: list[str], vectors: np.ndarray
) -> None:
    blobs = [row.tobytes() for row in vectors.astype(_VECTOR_DTYPE)]
    with warehouse.begin() as conn:
        frame = pl.DataFrame(
            {
                "model": [embedder.name] * len(hashes),
                "text_hash": hashes,
                "dimension": [embedder.dimension] * len(hashes),
                "vector": pl.Series(blobs, dtype=pl.Binary),
            }
        )
        insert_new_rows(conn, embeddings, frame)
