"""Seeded sample data: realistic raw exports for all four channels, with their ground truth.

The generator is product code (``dumbcontacts sample-data``); the files beside it are one
committed run of it.
"""

from dumbcontacts.samples.generate import write_sample_data

__all__ = ["write_sample_data"]
