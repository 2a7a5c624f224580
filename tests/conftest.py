"""Shared fixtures: a fresh warehouse on each engine.

PostgreSQL tests run when DUMBCONTACTS_TEST_POSTGRES names a server (``make test`` starts
one); CI sets DUMBCONTACTS_REQUIRE_POSTGRES so a missing server fails instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.warehouse import Warehouse, open_warehouse

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POSTGRES_URL = os.environ.get("DUMBCONTACTS_TEST_POSTGRES")
TEST_SALT = "test-salt"


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path) -> str:
    """A URL of an empty warehouse, once per engine."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    if not POSTGRES_URL:
        if os.environ.get("DUMBCONTACTS_REQUIRE_POSTGRES"):
            pytest.fail("DUMBCONTACTS_TEST_POSTGRES is not set but PostgreSQL is required")
        pytest.skip("no PostgreSQL server (set DUMBCONTACTS_TEST_POSTGRES or run make test)")
    _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def warehouse(warehouse_url) -> Warehouse:
    return open_warehouse(warehouse_url)


@pytest.fixture
def duckdb_warehouse(tmp_path) -> Warehouse:
    return open_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
