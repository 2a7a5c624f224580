"""How distinct a taxonomy's defects are to an embedder, judged by their example phrases.

A topic maps to the defect whose name or example phrase is most like it (``mapping``), so
each example should be more like its own defect's other phrases than any other defect's.
``check_phrases`` leaves each example out in turn and finds the defect of its nearest
remaining phrase: the share that land on their own defect, the margins, and the misses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dumbcontacts.etl.readers.taxonomy import Defect

__all__ = ["PhraseCheck", "check_phrases"]


@dataclass(frozen=True)
class PhraseCheck:
    examples: int
    own_share: float  # examples whose nearest other phrase is of their own defect
    median_margin: float  # own defect's best cosine minus the best other defect's
    misses: list[tuple[str, str, str]]  # (defect id, example, the defect it is nearer)


def check_phrases(
    defects: Sequence[Defect], embed: Callable[[list[str]], np.ndarray]
) -> PhraseCheck:
    """Leave-one-out nearest phrase over every defect's name and examples."""
    owners, texts, is_example = [], [], []
    for defect in defects:
        for text, example in [(defect.name, False), *((e, True) for e in defect.examples)]:
            owners.append(defect.id)
            texts.append(text)
            is_example.append(example)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    owners_array = np.array(owners)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)  # each phrase is left out of its own comparison
    margins, misses = [], []
    for row in np.flatnonzero(is_example):
        own = owners_array == owners[row]
        best_own, others = similarity[row][own].max(), similarity[row][~own]
        margins.append(best_own - others.max())
        if margins[-1] <= 0:
            misses.append((owners[row], texts[row], str(owners_array[~own][others.argmax()])))
    if not margins:
        return PhraseCheck(0, 0.0, 0.0, [])
    hits = sum(m > 0 for m in margins)
    return PhraseCheck(len(margins), hits / len(margins), float(np.median(margins)), misses)
