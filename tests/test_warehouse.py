import datetime as dt
import threading
from pathlib import Path

import duckdb
import polars as pl
import pytest
from sqlalchemy import func, make_url, select

from dumbcontacts.etl.schema import contacts, rejects, settings
from dumbcontacts.etl.warehouse import (
    WarehouseBusy,
    WarehouseMissing,
    create_warehouse,
    insert_new_rows,
    open_warehouse,
    read_setting,
)
from tests.conftest import list_tables
from tests.lock_holder import another_process_holds


def _contacts(*ids: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "contact_id": list(ids),
            "channel": ["phone"] * len(ids),
            "source_system": ["pbx"] * len(ids),
            "source_id": list(ids),
            "started_at": [dt.datetime(2026, 9, 1, 8, 0, 0, 250000)] * len(ids),
            "reason_text": ["", None, 'a "quoted", comma\nnew line'][: len(ids)],
            "handle_seconds": pl.Series([300, None, 5][: len(ids)], dtype=pl.Int32),
            "load_id": ["L1"] * len(ids),
        }
    )


def _count(warehouse, table) -> int:
    with warehouse.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_open_creates_tables_and_a_lasting_salt(warehouse_url):
    first = create_warehouse(warehouse_url)
    with first.connect() as conn:
        salt = read_setting(conn, "salt")
    with open_warehouse(warehouse_url).connect() as conn:
        assert read_setting(conn, "salt") == salt
        assert len(salt) == 32
        assert conn.execute(select(func.count()).select_from(settings)).scalar() == 1


def test_reading_where_there_is_no_warehouse_creates_nothing(warehouse_url):
    # warehouse_url names a DuckDB file not made yet, or an empty PostgreSQL database.
    url = make_url(warehouse_url)
    with pytest.raises(WarehouseMissing) as raised:
        open_warehouse(warehouse_url)
    assert str(raised.value) == (
        f"no warehouse at {url.render_as_string(hide_password=True)} "
        "(`dumbcontacts load` makes one)"
    )
    if url.get_backend_name() == "duckdb":
        assert not Path(url.database).parent.joinpath("warehouse.duckdb").exists()
        assert list(Path(url.database).parent.iterdir()) == []
    else:
        assert list_tables(warehouse_url) == []
    create_warehouse(warehouse_url)
    with open_warehouse(warehouse_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(contacts)).scalar() == 0


def test_a_duckdb_file_without_tables_is_no_warehouse(tmp_path):
    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(WarehouseMissing, match="other.duckdb"):
        open_warehouse(f"duckdb:///{path}")
    assert list_tables(f"duckdb:///{path}") == []


def test_insert_new_rows_skips_existing_keys_and_keeps_values_exact(warehouse):
    with warehouse.begin() as conn:
        assert insert_new_rows(conn, contacts, _contacts("a", "b")) == 2
    with warehouse.begin() as conn:
        assert insert_new_rows(conn, contacts, _contacts("a", "b", "c")) == 1
    with warehouse.connect() as conn:
        rows = conn.execute(
            select(
                contacts.c.contact_id,
                contacts.c.reason_text,
                contacts.c.handle_seconds,
                contacts.c.started_at,
            ).order_by(contacts.c.contact_id)
        ).all()
    # Empty text stays empty, null stays null, quotes and new lines survive the bulk path.
    assert rows == [
        ("a", "", 300, dt.datetime(2026, 9, 1, 8, 0, 0, 250000)),
        ("b", None, None, dt.datetime(2026, 9, 1, 8, 0, 0, 250000)),
        ("c", 'a "quoted", comma\nnew line', 5, dt.datetime(2026, 9, 1, 8, 0, 0, 250000)),
    ]


def test_a_failed_transaction_leaves_nothing(warehouse):
    with pytest.raises(RuntimeError), warehouse.begin() as conn:
        insert_new_rows(conn, contacts, _contacts("a"))
        insert_new_rows(
            conn,
            rejects,
            pl.DataFrame({"load_id": ["L1"], "record_no": [1], "reason": ["x"], "excerpt": [""]}),
        )
        raise RuntimeError("crash before commit")
    assert _count(warehouse, contacts) == 0
    assert _count(warehouse, rejects) == 0


def test_empty_frames_insert_nothing(warehouse):
    with warehouse.begin() as conn:
        assert insert_new_rows(conn, contacts, _contacts().clear()) == 0


def test_duckdb_waits_for_another_process_then_proceeds(tmp_path):
    path = str(tmp_path / "w.duckdb")
    warehouse = create_warehouse(f"duckdb:///{path}")
    with another_process_holds(path, 1.0), warehouse.begin() as conn:
        insert_new_rows(conn, contacts, _contacts("a"))  # blocks until the other lets go
    assert _count(warehouse, contacts) == 1


def test_duckdb_gives_up_with_a_clear_error(tmp_path):
    path = str(tmp_path / "w.duckdb")
    create_warehouse(f"duckdb:///{path}")
    impatient = open_warehouse(f"duckdb:///{path}", lock_timeout_seconds=0.2)
    with (
        another_process_holds(path, 3.0),
        pytest.raises(WarehouseBusy, match="locked by another process"),
        impatient.connect(),
    ):
        pass


def test_threads_of_one_process_open_and_close_connections_at_once(warehouse):
    # A dashboard serves each request on its own thread, each with a short-lived connection.
    failures = []

    def read_many():
        for _ in range(100):
            try:
                with warehouse.connect() as conn:
                    conn.execute(select(func.count()).select_from(contacts)).scalar()
            except Exception as error:  # noqa: BLE001 - any failure is what this test counts
                failures.append(str(error).splitlines()[0])

    threads = [threading.Thread(target=read_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
