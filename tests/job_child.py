"""``dumbcontacts run`` in a child process, with the seeded fake embedder instead of MiniLM.

    python -m tests.job_child 2026-11-23T06:00:00

Reads the configuration as the command does (DUMBCONTACTS_CONFIG and the environment) and
exits with the job's exit code, so tests can run, race and SIGKILL real processes without
loading a sentence model.
"""

from __future__ import annotations

import datetime as dt
import sys

from dumbcontacts.analysis.topics.embeddings import FakeEmbedder
from dumbcontacts.job import run_job
from dumbcontacts.settings import Settings


def make_fake_embedder(config: Settings, static: bool = False, threads: int = 2) -> FakeEmbedder:
    return FakeEmbedder()


def main() -> None:
    now = dt.datetime.fromisoformat(sys.argv[1])
    summary = run_job(Settings.from_environ(), make_fake_embedder, now=now)
    sys.exit(summary.code)


if __name__ == "__main__":
    main()
