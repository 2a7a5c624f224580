"""Shared fixtures: a fresh warehouse on each engine.

PostgreSQL tests run when DUMBCONTACTS_TEST_POSTGRES names a server (``make test`` starts
one); CI sets DUMBCONTACTS_REQUIRE_POSTGRES so a missing server fails instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from dumbcontacts.etl.warehouse import Warehouse, create_warehouse

# The public data sets beside the repository; a checkout elsewhere names them in the variable.
SHARED_DATA = Path(
    os.environ.get("DUMBCONTACTS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared/data")
)
POSTGRES_URL = os.environ.get("DUMBCONTACTS_TEST_POSTGRES")
TEST_SALT = "test-salt"


def _engine(url: str, **options) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), **options)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A database of this test run's own on the configured server, dropped at the end, so
    two runs at once (a developer's and CI's) never drop each other's tables."""
    if not POSTGRES_URL:
        if os.environ.get("DUMBCONTACTS_REQUIRE_POSTGRES"):
            pytest.fail("DUMBCONTACTS_TEST_POSTGRES is not set but PostgreSQL is required")
        pytest.skip("no PostgreSQL server (set DUMBCONTACTS_TEST_POSTGRES or run make test)")
    name = f"dumbcontacts_test_{os.getpid()}"
    admin = _engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield str(sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def list_tables(url: str) -> list[str]:
    """The tables in ``url``'s database, read without the product's code."""
    engine = _engine(url)
    query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    with engine.connect() as conn:
        names = sorted(conn.exec_driver_sql(query).scalars())
    engine.dispose()
    return names


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request, tmp_path) -> str:
    """A URL of an empty warehouse, once per engine."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def warehouse(warehouse_url) -> Warehouse:
    return create_warehouse(warehouse_url)


@pytest.fixture(params=["counted", "stored"])
def economics(warehouse, request) -> Warehouse:
    """tests/economics_fixture.py's warehouse, on each engine, with repeats linked by the
    query's own window and each contact counted, and read from the links and daily counts
    ``analyze`` stores."""
    from tests.economics_fixture import build_economics_warehouse

    build_economics_warehouse(warehouse, store=request.param == "stored")
    return warehouse


@pytest.fixture
def duckdb_warehouse(tmp_path) -> Warehouse:
    return create_warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


@pytest.fixture(scope="session")
def sample_warehouse_file(tmp_path_factory) -> Path:
    """The sample data loaded and analysed with fake embeddings, plus the dashboard tests'
    probe rows (tests/dashboard_fixtures.py). Shared: copy it before writing to it."""
    from tests.dashboard_fixtures import build_sample_warehouse

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    build_sample_warehouse(path)
    return path


@pytest.fixture(scope="session")
def onnx_model_cache(tmp_path_factory) -> Path:
    """A model cache holding the int8 ONNX export of the packaged MiniLM, made once (~15 s)."""
    from dumbcontacts.analysis.topics.onnx_embeddings import load_onnx_minilm

    cache = tmp_path_factory.mktemp("model-cache")
    load_onnx_minilm(cache)
    return cache
