"""``dumbcontacts run``: the scheduled job, one idempotent command.

Under one lock (``run_lock``) it runs three steps and logs one line for each:

1. **load** every file in the configured inbox folders; files whose content hash is already
   in ``loads`` are skipped, and each new file commits on its own or not at all;
2. **analyze**: embed and assign the contacts no topic has yet, refitting first when the
   current model is older than ``refit_every_days``; skipped when there is nothing to do;
3. **report**: write the last complete ISO week's report once, when it does not exist yet.

Every write is a transaction, so a run killed at any point leaves a consistent warehouse,
and the next run finishes the work. A file that fails to load is retried on the next run;
the week's report waits for a run in which everything loaded and was analysed. A step
logs a ``DumbContactsError`` in one line; any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from dumbcontacts.analysis.economics.iso_week import last_complete_week
from dumbcontacts.analysis.economics.scope import unassigned
from dumbcontacts.cluster import cluster_client, load_address, load_each, models_on
from dumbcontacts.errors import ConfigError, DumbContactsError, RunBusy
from dumbcontacts.etl.detect import expand_paths
from dumbcontacts.etl.load import LoadResult, plan_sources
from dumbcontacts.etl.schema import contacts, topic_models
from dumbcontacts.etl.warehouse import Warehouse, create_warehouse
from dumbcontacts.run_lock import hold_run_lock
from dumbcontacts.settings import Settings

if TYPE_CHECKING:
    from dumbcontacts.analysis.report.data import ReportSettings

__all__ = [
    "EXIT_BUSY",
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "EXIT_OK",
    "RunSummary",
    "refit_due",
    "report_settings",
    "run_job",
]

EXIT_OK = 0
EXIT_FAILED = 1  # a step failed; the warehouse is consistent and the next run retries
EXIT_CONFIG = 2  # the configuration cannot work (no inbox, a missing folder)
EXIT_BUSY = 75  # another run holds the lock (sysexits' EX_TEMPFAIL: try again later)

Log = Callable[..., None]  # log(line, error=False)
MakeEmbedder = Callable[..., object]  # make_embedder(config, static=False) -> Embedder


@dataclass(frozen=True)
class RunSummary:
    code: int
    files_loaded: int = 0
    contacts_loaded: int = 0
    assigned: int = 0
    no_topic: int = 0  # contacts with a reason alike to no topic of the model
    model_version: int | None = None
    refitted: bool = False
    report: Path | None = None  # the report folder written by this run


def refit_due(created_at: dt.datetime, now: dt.datetime, every_days: int) -> bool:
    """True when a model made at ``created_at`` is at least ``every_days`` old at ``now``."""
    return now - created_at >= dt.timedelta(days=every_days)


def run_job(
    config: Settings,
    make_embedder: MakeEmbedder,
    *,
    now: dt.datetime | None = None,
    log: Log | None = None,
) -> RunSummary:
    """Run the scheduled job once; the summary's ``code`` is the process exit code."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    say = _logger(log or _print)
    if not config.inbox:
        say("config", "no inbox folders configured (set [run] inbox in dumbcontacts.toml)", True)
        return RunSummary(EXIT_CONFIG)
    missing = [str(p) for p in config.inbox if not p.is_dir()]
    if missing:
        say("config", f"inbox folder not found: {', '.join(missing)}", True)
        return RunSummary(EXIT_CONFIG)
    try:
        with hold_run_lock(config.warehouse_url, config.report_dir) as where:
            say("lock", f"holding {where}")
            return _run_steps(config, make_embedder, now, say)
    except RunBusy as error:
        say("lock", str(error), True)
        return RunSummary(EXIT_BUSY)
    except ConfigError as error:  # no fcntl on this system, a lock folder we cannot write
        say("lock", str(error), True)
        return RunSummary(EXIT_CONFIG)
    except DumbContactsError as error:  # PostgreSQL's advisory lock needs the server
        say("lock", str(error), True)
        return RunSummary(EXIT_FAILED)


def _run_steps(config: Settings, make_embedder: MakeEmbedder, now: dt.datetime, say) -> RunSummary:
    try:
        warehouse = create_warehouse(config.warehouse_url)
    except DumbContactsError as error:
        say("open", str(error), True)
        return RunSummary(EXIT_FAILED)
    results, failures = _load_inbox(warehouse, config, now)
    new = [r for r in results if r.status == "loaded"]
    contacts_loaded = sum(r.rows_loaded for r in new if r.channel)
    rejected = sum(r.rows_rejected for r in new)
    seen = sum(r.status == "already loaded" for r in results)
    say(
        "load",
        f"{len(new)} new files ({contacts_loaded:,} contacts, {rejected:,} rejected), "
        f"{seen} already loaded, {len(failures)} failed",
    )
    for failure in failures:
        say("load", failure, True)
    summary = RunSummary(EXIT_FAILED if failures else EXIT_OK, len(new), contacts_loaded)

    try:
        summary = _analyze(warehouse, config, make_embedder, now, say, summary)
    except DumbContactsError as error:
        say("analyze", str(error), True)
        return replace(summary, code=EXIT_FAILED)

    if summary.code != EXIT_OK:
        say("report", "postponed until a run in which every file loads")
        return summary
    try:
        return _report(warehouse, config, now, say, summary)
    except DumbContactsError as error:
        say("report", str(error), True)
        return replace(summary, code=EXIT_FAILED)


def _load_inbox(
    warehouse: Warehouse, config: Settings, now: dt.datetime
) -> tuple[list[LoadResult], list[str]]:
    """Load each inbox file on its own, so one bad file never holds back the others; on
    PostgreSQL with a compute cluster, side by side on its workers."""
    options = {
        "salt": config.salt,
        "keep_transcripts": config.keep_transcripts,
        "window": config.time_window(now),
        "order_ref_pattern": config.order_ref_pattern,
        "brand_names": config.brand_names,
    }
    sources, failures = [], []
    for path in expand_paths(config.inbox):
        try:
            sources += plan_sources([path])
        except DumbContactsError as error:
            failures.append(_naming(path, error))
    results = []
    try:
        with cluster_client(load_address(config, warehouse)) as client:
            for source, outcome in load_each(client, warehouse, config, sources, options):
                if isinstance(outcome, DumbContactsError):
                    failures.append(_naming(source.path, outcome))
                else:
                    results.append(outcome)
    except ConfigError as error:  # the cluster cannot be reached: nothing was loaded
        failures.append(str(error))
    return results, failures


def _naming(path, error: DumbContactsError) -> str:
    message = str(error)
    return message if str(path) in message else f"{path}: {message}"


def _analyze(warehouse, config, make_embedder, now, say, summary: RunSummary) -> RunSummary:
    with warehouse.connect() as conn:
        model = _current_model(conn)
        pending = _unassigned_count(conn, model.model_version if model else None)
    if model is None and pending == 0:
        say("analyze", "no contacts with a reason yet; nothing to analyse")
        return summary
    refit = model is not None and refit_due(model.created_at, now, config.refit_every_days)
    if model is not None and not refit and pending == 0:
        age = (now - model.created_at).days
        say("analyze", f"nothing new to assign (model v{model.model_version}, {age} days old)")
        return replace(summary, model_version=model.model_version)

    from dumbcontacts.analysis.topics.analyze import (
        analyze_contacts,  # torch and BERTopic: only when needed
    )

    static = model is not None and model.embedder.startswith("model2vec:")
    with cluster_client(config.compute_address) as client:
        embedder, predict = models_on(client, make_embedder, config, static=static)
        result = analyze_contacts(
            warehouse,
            embedder,
            refit=refit,
            overrides=config.overrides,
            brand_names=config.brand_names,
            fast=config.run_fast,
            # A static model's own vectors are the fast path's features already.
            fast_static=(
                make_embedder(config, static=True) if config.run_fast and not static else None
            ),
            fast_agreement=config.fast_agreement,
            fast_predict=predict,
            repeat_days=config.repeat_window_days,
        )
    if model is None:
        why = "fitted (the first model)"
    elif refit:
        age = (now - model.created_at).days
        why = (
            f"refitted: v{model.model_version} was {age} days old "
            f"(refit every {config.refit_every_days})"
        )
    else:
        why = "reused"
    say(
        "analyze",
        f"model v{result.model_version} {why}; {result.topics.height} topics "
        f"({result.unmapped.height} unmapped); embedded {result.embedded:,} new texts, "
        f"assigned {result.assigned:,} contacts"
        + (f", {result.no_topic:,} alike to no topic" if result.no_topic else "")
        + (f"; fast path: {result.fast.describe()}" if result.fast else ""),
    )
    return replace(
        summary,
        assigned=result.assigned,
        no_topic=result.no_topic,
        model_version=result.model_version,
        refitted=result.refitted,
    )


def _report(warehouse, config: Settings, now: dt.datetime, say, summary) -> RunSummary:
    from dumbcontacts.analysis.report.data import count_week_contacts
    from dumbcontacts.analysis.report.files import report_exists, write_report

    week = last_complete_week(now.date())
    if report_exists(config.report_dir, week):
        say("report", f"{week} already written in {config.report_dir / week}")
        return summary
    if not count_week_contacts(warehouse, week):
        say("report", f"{week} has no contacts yet; written once they arrive")
        return summary
    written = write_report(warehouse, week, config.report_dir, report_settings(config))
    say("report", f"{week} written to {written.folder} ({len(written.files)} files)")
    return replace(summary, report=written.folder)


def _current_model(conn):
    query = select(topic_models.c.model_version, topic_models.c.created_at, topic_models.c.embedder)
    return conn.execute(query.where(topic_models.c.is_current)).first()


def _unassigned_count(conn, version: int | None) -> int:
    """Contacts with a reason that the current model (if any) has not assigned yet."""
    query = unassigned(select(func.count()).select_from(contacts), version)
    return int(conn.execute(query).scalar())


def report_settings(config: Settings) -> ReportSettings:
    """What the weekly report takes from the settings (the command and the job alike)."""
    from dumbcontacts.analysis.report.data import ReportSettings

    return ReportSettings(
        costs=config.costs, driver=config.cpx_driver, repeat_days=config.repeat_window_days
    )


def _logger(log: Log):
    pid = os.getpid()

    def say(step: str, message: str, error: bool = False) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        prefix = "error: " if error else ""
        log(f"{stamp} [{pid}] {step}: {prefix}{message}", error=error)

    return say


def _print(line: str, error: bool = False) -> None:
    print(line, file=sys.stderr if error else sys.stdout, flush=True)
