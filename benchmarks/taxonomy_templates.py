"""How distinct the starter taxonomies' defects are to the sentence model.

    HF_HUB_OFFLINE=1 python benchmarks/taxonomy_templates.py [--template NAME] [--static DIR]

Topics map to the defect whose name or example phrase is most like them, so each example
phrase should be more like its own defect's other phrases than any other defect's. For every
shipped template (``analysis.topics.phrase_check``) this prints the share of examples whose
nearest other phrase is of their own defect, the median margin of the own defect's best
similarity over the best other one's, and the examples nearer another defect.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dumbcontacts.analysis.topics.embeddings import load_minilm, load_static_minilm  # noqa: E402
from dumbcontacts.analysis.topics.phrase_check import check_phrases  # noqa: E402
from dumbcontacts.etl.readers.taxonomy import read_taxonomy  # noqa: E402
from dumbcontacts.etl.templates import TAXONOMIES, list_templates  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", help="only this template")
    parser.add_argument("--static", type=Path, help="model cache folder: use the static model")
    args = parser.parse_args()
    embedder = load_static_minilm(args.static) if args.static else load_minilm()
    print(f"model {embedder.name}")
    print(f"{'template':<10} {'defects':>7} {'examples':>8} {'own defect':>10} {'margin':>7}")
    misses = []
    for template in list_templates(TAXONOMIES):
        if args.template not in (None, template.name):
            continue
        defects = read_taxonomy(io.BytesIO(template.read_bytes()))
        started = time.perf_counter()
        check = check_phrases(defects, embedder.embed)
        print(
            f"{template.name:<10} {len(defects):>7} {check.examples:>8} {check.own_share:>10.1%}"
            f" {check.median_margin:>7.3f}   ({time.perf_counter() - started:.1f} s)"
        )
        misses += [(template.name, *miss) for miss in check.misses]
    print(f"\n{len(misses)} examples nearer another defect:")
    for name, owner, text, rival in misses:
        print(f"  {name}/{owner}: '{text}' -> {rival}")


if __name__ == "__main__":
    main()
