import datetime as dt
import io

from dumbcontacts.etl.readers.volumes import read_volumes
from dumbcontacts.etl.staging import Reject


def test_volumes_load_good_rows_and_reject_bad_ones():
    data = (
        b"day,driver,count\n2026-09-01,Orders,1200\n2026-09-02,orders,abc\n"
        b"not-a-day,orders,5\n2026-09-03,,7\n"
    )
    items = list(read_volumes(io.BytesIO(data)))
    rejects = [(i.record_no, i.reason) for i in items if isinstance(i, Reject)]
    assert rejects == [(2, "bad count: 'abc'"), (3, "bad day: 'not-a-day'"), (4, "missing driver")]
    (frame,) = [i for i in items if not isinstance(i, Reject)]
    assert frame.rows() == [(1, dt.date(2026, 9, 1), "orders", 1200)]
