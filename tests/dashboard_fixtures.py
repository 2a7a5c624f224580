"""Warehouses for the dashboard tests: the committed sample data, analysed with seeded fake
embeddings, plus probe rows whose figures the tests know exactly.

Probe rows, all in the sample's last week:
- defect ``probe/markup #1`` (an id that needs percent-encoding in a URL, a name a
  spreadsheet would run, owner "@Security") with one chat contact whose reason is HTML and a
  script, to prove all three are shown and exported as text;
- unmapped topic ``T9998`` with ``UNMAPPED_PROBE_CONTACTS`` phone contacts, for triage.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import func, insert, select

from dumbcontacts.analysis.economics.scope import current_model_version
from dumbcontacts.analysis.topics.analyze import analyze_contacts
from dumbcontacts.analysis.topics.embeddings import FakeEmbedder
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topics
from dumbcontacts.etl.warehouse import Warehouse, create_warehouse
from tests.conftest import TEST_SALT

__all__ = [
    "MARKUP_DEFECT",
    "MARKUP_NAME",
    "MARKUP_REASON",
    "SAMPLE",
    "UNMAPPED_PROBE",
    "UNMAPPED_PROBE_CONTACTS",
    "add_probe_rows",
    "build_sample_warehouse",
    "copy_warehouse",
]

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
MARKUP_DEFECT = "probe/markup #1"
MARKUP_NAME = '=HYPERLINK("http://example.invalid","click me")'
MARKUP_REASON = '<script>window.__probe_xss = 1;</script><b>bold</b> & <i>"quoted"</i> text'
UNMAPPED_PROBE = "T9998"
UNMAPPED_PROBE_CONTACTS = 5


def build_sample_warehouse(path: Path) -> str:
    """Load and analyse the sample data into a DuckDB file at ``path``; add the probe rows."""
    url = f"duckdb:///{path}"
    warehouse = create_warehouse(url)
    list(load_paths(warehouse, [SAMPLE], salt=TEST_SALT))
    analyze_contacts(warehouse, FakeEmbedder(16, 0))
    add_probe_rows(warehouse)
    return url


def copy_warehouse(source: Path, target: Path) -> str:
    """A private copy of a DuckDB warehouse file, for a test that writes."""
    shutil.copyfile(source, target)
    wal = Path(f"{source}.wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}.wal"))
    return f"duckdb:///{target}"


def add_probe_rows(warehouse: Warehouse) -> None:
    with warehouse.begin() as conn:
        version = current_model_version(conn)
        last = conn.execute(select(func.max(contacts.c.started_at))).scalar()
        next_id = conn.execute(
            select(func.max(topics.c.topic_id)).where(topics.c.model_version == version)
        ).scalar()
        conn.execute(
            insert(defects).values(
                defect_id=MARKUP_DEFECT, name=MARKUP_NAME, category="website/app",
                owner="@Security", action="eliminate", description="probe", examples="[]",
                load_id="probe",
            )
        )  # fmt: skip
        probes = [(next_id + 1, "T9999", MARKUP_DEFECT, "markup probe"),
                  (next_id + 2, UNMAPPED_PROBE, None, "probe unmapped")]  # fmt: skip
        conn.execute(
            insert(topics),
            [
                {"model_version": version, "topic_id": topic_id, "topic_key": key,
                 "label": label, "keywords": "probe, words", "size": 1, "defect_id": defect,
                 "mapping_confidence": 0.9 if defect else 0.1,
                 "mapped_by": "similarity" if defect else None, "auto_label": label,
                 "auto_defect_id": defect, "auto_confidence": 0.9 if defect else 0.1,
                 "centroid": b"\0" * 64}
                for topic_id, key, defect, label in probes
            ],
        )  # fmt: skip
        rows = [("probe-markup-1", "chat", MARKUP_REASON, next_id + 1)]
        rows += [
            (f"probe-unmapped-{i}", "phone", f"probe unmapped reason {i}", next_id + 2)
            for i in range(UNMAPPED_PROBE_CONTACTS)
        ]
        conn.execute(
            insert(contacts),
            [
                {"contact_id": cid, "channel": channel, "source_system": "probe",
                 "source_id": cid, "started_at": last - dt.timedelta(hours=1 + i),
                 "customer_key": f"probe-{cid}", "handle_seconds": 300,
                 "reason_text": reason, "load_id": "probe"}
                for i, (cid, channel, reason, _) in enumerate(rows)
            ],
        )  # fmt: skip
        conn.execute(
            insert(contact_topics),
            [
                {"contact_id": cid, "model_version": version, "topic_id": topic, "probability": 1.0}
                for cid, _, _, topic in rows
            ],
        )
