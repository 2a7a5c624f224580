"""The evaluation panel's data: every labelled set in ``../shared/data`` plus twcs and Comcast.

Each set is read in place and embedded once with MiniLM; the vectors are cached as .npy under
``--cache``, keyed by the set and a digest of its texts, so a changed reader re-embeds.

    HF_HUB_OFFLINE=1 python benchmarks/panel_sets.py   # embed and cache every set
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dumbcontacts.analysis.topics.evaluate import read_labelled

# ../shared/data beside the repository (a worktree sits one level deeper).
DATA = next(
    (
        p / "shared" / "data"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "data").is_dir()
    ),
    Path("../shared/data"),
)
CACHE = Path("/tmp/dc-emb")


@dataclass(frozen=True)
class PanelSet:
    name: str
    texts: list[str]
    # label level ("intent" or "category") -> one label per text; empty for unlabelled sets
    labels: dict[str, list[str]]


# name: (file, text column, {level: label column})
LABELLED = {
    "bitext": (
        "bitext/Bitext_Sample_Customer_Support_Training_Dataset_v1.csv",
        "instruction",
        {"intent": "intent", "category": "category"},
    ),
    "dstc11": ("dstc11/insurance-utterances.jsonl", "utterance", {"intent": "intent"}),
    "banking77": ("banking77/train.csv", "text", {"intent": "category"}),
    "clinc150": ("clinc150/test.csv", "text", {"intent": "intent", "category": "domain"}),
    "cfpb": (
        "cfpb/complaints_dev.csv",
        "Consumer complaint narrative",
        {"intent": "Issue", "category": "Product"},
    ),
}


def read_labelled_set(name: str, data: Path = DATA) -> PanelSet:
    file, text_column, levels = LABELLED[name]
    first = read_labelled(data / file, text_column, next(iter(levels.values())))
    labels = {}
    for level, column in levels.items():
        rows = read_labelled(data / file, text_column, column)
        if len(rows) != len(first):
            raise ValueError(f"{name}: {column} has gaps")
        labels[level] = rows["label"].astype(str).tolist()
    return PanelSet(name, first["text"].astype(str).tolist(), labels)


def read_comcast(data: Path = DATA) -> PanelSet:
    frame = pd.read_csv(data / "comcast/comcast_fcc_complaints.tsv", sep="\t", dtype=str)
    texts = frame["Customer Complaint"].dropna().astype(str).str.strip()
    return PanelSet("comcast", texts[texts != ""].tolist(), {})


def read_twcs(data: Path = DATA) -> PanelSet:
    """The reasons the product itself extracts: ``load`` into a scratch warehouse, read back."""
    import tempfile

    from sqlalchemy import select

    from dumbcontacts.etl.load import load_paths
    from dumbcontacts.etl.schema import contacts
    from dumbcontacts.etl.warehouse import create_warehouse

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = create_warehouse(f"duckdb:///{tmp}/w.duckdb")
        list(load_paths(warehouse, [data / "twcs/twcs_sample.csv"]))
        with warehouse.connect() as conn:
            query = select(contacts.c.reason_text).where(contacts.c.reason_text.is_not(None))
            texts = list(conn.execute(query.order_by(contacts.c.contact_id)).scalars())
        warehouse.engine.dispose()
    return PanelSet("twcs", texts, {})


def read_panel(names: list[str], data: Path = DATA) -> list[PanelSet]:
    readers = {"comcast": read_comcast, "twcs": read_twcs}
    return [readers[n](data) if n in readers else read_labelled_set(n, data) for n in names]


def cached_vectors(panel: PanelSet, cache: Path = CACHE, model_box: list | None = None):
    digest = hashlib.sha1("\n".join(panel.texts).encode()).hexdigest()[:10]
    path = cache / f"{panel.name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    model_box = [] if model_box is None else model_box
    if not model_box:
        from dumbcontacts.analysis.topics.embeddings import load_minilm

        model_box.append(load_minilm())
    vectors = model_box[0].embed(panel.texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float32))
    return vectors


ALL = [*LABELLED, "twcs", "comcast"]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Embed and cache the panel's sets.")
    parser.add_argument("--sets", default=",".join(ALL))
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    box: list = []
    for panel in read_panel(args.sets.split(","), args.data):
        vectors = cached_vectors(panel, args.cache, box)
        print(panel.name, len(panel.texts), vectors.shape, flush=True)
