import io
import re
from pathlib import Path

import pytest

from dumbcontacts.etl.readers.taxonomy import read_taxonomy

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "defects.toml"


def test_the_sample_taxonomy_reads():
    with SAMPLE.open("rb") as fp:
        defects = read_taxonomy(fp)
    assert len(defects) == 16
    assert {d.action for d in defects} == {"eliminate", "simplify", "automate", "leverage"}
    assert all(d.examples for d in defects)


GOOD = "id='a'\nname='A'\ncategory='billing'\nowner='Payments'\naction='eliminate'\n"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[defect]]\n" + GOOD.replace("action='eliminate'", "action='ignore'"), "action must be"),
        ("[[defect]]\n" + GOOD.replace("billing", "fun"), "category must be"),
        ("[[defect]]\n" + GOOD.replace("owner='Payments'\n", ""), "defect 1 (a): missing owner"),
        ("[[defect]]\n" + GOOD + "[[defect]]\n" + GOOD, "defect 2 (a): id used twice"),
        ("title = 'x'", "no [[defect]] tables"),
        ("[[defect", "not valid TOML"),
        ("[[defect]]\n" + GOOD.replace("'a'", "5"), "defect 1 (no id): id must be text in quotes"),
        ("[[defect]]\n" + GOOD.replace("'A'", "['A']"), "defect 1 (a): name must be text"),
        ("[[defect]]\n" + GOOD + "description = 1\n", "defect 1 (a): description must be text"),
        ("[[defect]]\n" + GOOD + "examples = 'one string'\n", "examples must be a list of"),
        ("[[defect]]\n" + GOOD + "examples = ['ok', 2]\n", "examples must be a list of"),
        ("defect = 'x'", "each defect must be a [[defect]] table"),
        ("defect = [1, 2]", "each defect must be a [[defect]] table"),
    ],
)
def test_taxonomy_mistakes_are_named(text, message):
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        read_taxonomy(io.BytesIO(text.encode()))
    assert "\n" not in str(caught.value)
