"""The route of a contact names modules that exist, in the order of the layers."""

import importlib

import pytest

from dumbcontacts.pipeline import STAGES

_LAYER = {"etl": 0, "analysis": 1, "dashboard": 2}


@pytest.mark.parametrize("stage", STAGES, ids=[s.name for s in STAGES])
def test_every_stage_names_an_importable_module(stage):
    assert importlib.import_module(stage.module).__name__ == stage.module


def test_stages_run_down_the_layers_before_the_readers_of_figures():
    layers = [_LAYER[s.module.split(".")[1]] for s in STAGES if s.name not in ("show", "report")]
    assert layers == sorted(layers)
