"""Configuration, read once at the edge (the CLI, the dashboard server) and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Config"]


@dataclass(frozen=True)
class Config:
    # SQLAlchemy URL; None means the embedded DuckDB file in the working directory.
    warehouse_url: str | None = None
    # Secret for hashing customer and agent identifiers; None means the warehouse's own.
    salt: str | None = None
    # A sentence-transformers model folder or name; None means the packaged all-MiniLM-L6-v2.
    embedding_model: str | None = None
    # Where derived models (the distilled static embedder) are kept between runs.
    model_cache: Path = Path.home() / ".cache" / "dumbcontacts"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Config:
        environ = os.environ if environ is None else environ
        return cls(
            warehouse_url=environ.get("DUMBCONTACTS_WAREHOUSE") or None,
            salt=environ.get("DUMBCONTACTS_SALT") or None,
            embedding_model=environ.get("DUMBCONTACTS_EMBEDDING_MODEL") or None,
            model_cache=Path(environ.get("DUMBCONTACTS_MODEL_CACHE") or cls.model_cache),
        )
