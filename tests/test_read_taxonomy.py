import io
import re
from pathlib import Path

import pytest

from dumbcontacts.errors import ConfigError
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
        ("defect = [1]", "defect 1: must be a [[defect]] table"),
        ("[[defect]]\n" + GOOD.replace("'A'", "5"), "defect 1 (a): id, name, category, owner, "),
        ("[[defect]]\n" + GOOD + "examples = 'x'", "defect 1 (a): examples must be a list"),
    ],
)
def test_taxonomy_mistakes_are_named(text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        read_taxonomy(io.BytesIO(text.encode()))
