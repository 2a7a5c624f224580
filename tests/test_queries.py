import datetime as dt

import polars as pl

import dumbcontacts.etl
from tests.conftest import TEST_SALT

CALLS = (
    b"call_id,started_at,ended_at,transcript\n"
    b"C1,2026-09-01T08:00:00Z,2026-09-01T08:05:00Z,Customer: my bill is wrong again\n"
    b"C2,2026-09-02T08:00:00Z,2026-09-02T08:01:00Z,Customer: where is my parcel please\n"
    b"C3,2026-09-03T08:00:00Z,2026-09-03T08:02:00Z,Customer: cannot log in to my account\n"
)


def test_read_contacts_filters_in_the_warehouse(warehouse, tmp_path):
    (tmp_path / "calls.csv").write_bytes(CALLS)
    list(dumbcontacts.etl.load_paths(warehouse, [tmp_path / "calls.csv"], salt=TEST_SALT))
    frame = dumbcontacts.etl.read_contacts(
        warehouse, since=dt.date(2026, 9, 2), until=dt.date(2026, 9, 3), channel="phone"
    )
    assert frame["source_id"].tolist() == ["C2"]
    assert frame.loc[0, "handle_seconds"] == 60
    newest = dumbcontacts.etl.read_contacts(
        warehouse, columns=["source_id"], limit=2, as_polars=True
    )
    assert isinstance(newest, pl.DataFrame)
    assert newest["source_id"].to_list() == ["C3", "C2"]
    assert dumbcontacts.etl.count_contacts(warehouse) == {"phone": 3}
