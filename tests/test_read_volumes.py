import datetime as dt
import io

from dumbcontacts.etl.readers.volumes import read_volumes
from dumbcontacts.etl.staging import Reject
from dumbcontacts.settings import TimeWindow

WINDOW = TimeWindow.ending_days_ahead(dt.date(1990, 1, 1), 2, now=dt.datetime(2026, 12, 6))


def test_volumes_load_good_rows_and_reject_bad_ones():
    data = (
        b"day,driver,count\n2026-09-01,Orders,1200\n2026-09-02,orders,abc\n"
        b"not-a-day,orders,5\n2026-09-03,,7\n0001-01-01,orders,1\n2206-09-01,orders,1\n"
        b"2026-12-08,orders,3\n2026-12-09,orders,3\n2026-09-04,orders,-1\n"
    )
    items = list(read_volumes(io.BytesIO(data), window=WINDOW))
    rejects = [(i.record_no, i.reason) for i in items if isinstance(i, Reject)]
    outside = "day: outside 1990-01-01 to 2026-12-08"
    assert rejects == [
        (2, "count: not a whole number >= 0"),
        (3, "day: not a date (YYYY-MM-DD)"),
        (4, "driver: missing"),
        (5, outside),
        (6, outside),
        (8, outside),
        (9, "count: not a whole number >= 0"),
    ]
    (frame,) = [i for i in items if not isinstance(i, Reject)]
    assert frame.rows() == [
        (1, dt.date(2026, 9, 1), "orders", 1200),
        (7, dt.date(2026, 12, 8), "orders", 3),
    ]
