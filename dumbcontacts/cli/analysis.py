"""``analyze`` and ``evaluate``: the topic-model commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dumbcontacts.cli.edges import create_configured_warehouse, find_configured_warehouse
from dumbcontacts.cluster import cluster_client, describe_cluster, models_on
from dumbcontacts.errors import ConfigError
from dumbcontacts.settings import EMBEDDING_BACKENDS, Settings

__all__ = ["analyze", "evaluate", "load_embedder"]


def load_embedder(
    config: Settings, *, static: bool = False, backend: str | None = None, threads: int = 2
):
    """The configured sentence model run by ``backend`` (default: the configured backend) on
    ``threads`` CPU threads, or with ``static`` the static model distilled from it."""
    # Imported here: torch takes seconds to load, and only these commands need it.
    from dumbcontacts.analysis.topics.embeddings import (
        SentenceTransformerEmbedder,
        load_minilm,
        load_static_minilm,
    )

    if static:
        return load_static_minilm(config.model_cache)
    if (backend or config.embedding_backend) == "onnx-int8":
        if config.embedding_model:
            raise ConfigError(
                "the onnx-int8 backend runs the packaged all-MiniLM-L6-v2 only: "
                f"unset embedding_model ({config.embedding_model}) or use the torch backend"
            )
        from dumbcontacts.analysis.topics.onnx_embeddings import load_onnx_minilm

        return load_onnx_minilm(config.model_cache, threads=threads)
    if config.embedding_model:
        return SentenceTransformerEmbedder(config.embedding_model, threads=threads)
    return load_minilm(threads=threads)


def backend_option(command):
    return click.option(
        "--backend",
        type=click.Choice(EMBEDDING_BACKENDS),
        help="How the sentence model runs: torch (fp32, on a GPU when there is one) or "
        "onnx-int8 (int8 on the CPU, ~0.99 cosine to torch)  [default: the configured "
        "embedding_backend, torch unless set]",
    )(command)


def _check_static_backend(static: bool, backend: str | None) -> None:
    if static and backend:
        raise click.UsageError(
            "--static and --backend exclude each other: the static model has one"
        )


@click.command()
@click.option("--refit", is_flag=True, help="Fit a new model version even if one exists.")
@click.option(
    "--fit-sample",
    default=50_000,
    show_default=True,
    help="Contacts the model is fitted on; the rest are assigned to it.",
)
@click.option(
    "--threshold",
    default=0.5,
    show_default=True,
    help="Least similarity for a topic to map to a defect; below it the topic stays unmapped.",
)
@click.option(
    "--seed-threshold",
    default=0.35,
    show_default=True,
    help="Least similarity for a contact to join a known defect's topic before clustering.",
)
@click.option(
    "--fast",
    is_flag=True,
    help="Assign new contacts with a text classifier trained on the model, embedding only "
    "those it is unsure of (for large volumes).",
)
@click.option(
    "--static", is_flag=True, help="Embed with a static model (~200x faster, rougher topics)."
)
@backend_option
@click.option(
    "--overrides",
    "overrides_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Analyst overrides (TOML) [default: the configured overrides file, "
    "overrides.toml here unless set; none while it does not exist]",
)
@click.pass_obj
def analyze(
    config: Settings,
    refit: bool,
    fit_sample: int,
    threshold: float,
    seed_threshold: float,
    fast: bool,
    static: bool,
    backend: str | None,
    overrides_file: Path | None,
) -> None:
    """Embed new reasons, fit or reuse the topic model, assign contacts, map topics to defects."""
    from tqdm import tqdm

    from dumbcontacts.analysis.economics.health import topic_share_warning
    from dumbcontacts.analysis.topics.analyze import analyze_contacts

    _check_static_backend(static, backend)
    if overrides_file is not None and not overrides_file.is_file():  # a typo, not "none yet"
        raise ConfigError(f"{overrides_file}: cannot read overrides: no such file")
    warehouse = create_configured_warehouse(config)
    with (
        cluster_client(config.compute_address) as client,
        tqdm(unit="text", desc="embedding", disable=None) as bar,
    ):
        if client is not None:
            click.echo(describe_cluster(client))
        embedder, predict = models_on(client, load_embedder, config, static=static, backend=backend)
        result = analyze_contacts(
            warehouse,
            embedder,
            refit=refit,
            fit_sample=fit_sample,
            map_threshold=threshold,
            seed_threshold=seed_threshold,
            fast=fast,
            # With --static the sentence model is the static one already: nothing to add.
            fast_static=load_embedder(config, static=True) if fast and not static else None,
            fast_agreement=config.fast_agreement,
            fast_predict=predict,
            progress=bar.update,
            overrides=overrides_file or config.overrides,
            brand_names=config.brand_names,
            repeat_days=config.repeat_window_days,
        )
    how = "fitted" if result.refitted else "reused"
    topics = result.topics
    click.echo(
        f"model v{result.model_version} ({how}): {topics.height} topics; "
        f"embedded {result.embedded:,} new texts; assigned {result.assigned:,} contacts"
    )
    if result.company_names:
        names = ", ".join(sorted(result.company_names))
        click.echo(f"reasons read without the company name most contacts say: {names}")
    if result.fast is not None:
        click.echo(f"fast path: {result.fast.describe()}")
    click.echo(f"\n{'topic':<6} {'contacts':>8}  {'defect':<28} {'conf':>5}  keywords")
    for row in topics.iter_rows(named=True):
        defect = row["defect_id"] or "(unmapped)"
        defect += f" ={row['merged_into']}" if row["merged_into"] else ""
        click.echo(
            f"{row['topic_key']:<6} {row['contacts']:>8,}  {defect:<28} "
            f"{row['mapping_confidence']:>5.2f}  {row['keywords'][:60]}"
        )
    for override in result.applied:
        click.echo(f"override applied: {override.describe()}")
    for override in result.unmatched:
        click.echo(
            f"override not applied, no such topic in v{result.model_version}: {override.describe()}"
        )
    total = result.without_reason + result.no_topic + int(topics["contacts"].sum())
    without_topic = (
        (result.without_reason, "contact has no reason", "contacts have no reason",
         "only greetings, thanks or the company's name"),
        (result.no_topic, "contact is alike to no topic", "contacts are alike to no topic",
         "none until a refit finds theirs"),
    )  # fmt: skip
    for n, one, many, why in without_topic:
        if n:
            click.echo(f"{n:,} {one if n == 1 else many} ({n / total:.1%}; {why})")
    assigned = topics["contacts"].sum()
    warning = topic_share_warning(topics["contacts"].max() / assigned if assigned else None)
    if warning:
        click.echo(f"\nwarning: {warning}")
    unmapped = result.unmapped
    if unmapped.height:
        share = unmapped["contacts"].sum() / max(topics["contacts"].sum(), 1)
        click.echo(
            f"\n{unmapped.height} unmapped topics ({share:.1%} of contacts): candidate new "
            "defects; map them with an override or extend the taxonomy"
        )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--text-column", required=True, help="Column with the contact text.")
@click.option("--label-column", required=True, help="Column with the true reason label.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--static", is_flag=True, help="Embed with the static model.")
@backend_option
@click.pass_obj
def evaluate(config: Settings, file: Path, text_column, label_column, fmt, static, backend) -> None:
    """Score the topic model on a labelled CSV/JSONL: NMI, ARI, topics, outlier share."""
    from tqdm import tqdm

    from dumbcontacts.analysis.topics.embedding_cache import embed_with_cache
    from dumbcontacts.analysis.topics.evaluate import evaluate_file

    _check_static_backend(static, backend)
    # Scoring needs no warehouse; where there is one, its embedding cache makes re-runs fast.
    cache = find_configured_warehouse(config)
    with cluster_client(config.compute_address) as client:
        if client is not None:
            click.echo(describe_cluster(client), err=True)  # stdout may be JSON
        embedder, _ = models_on(client, load_embedder, config, static=static, backend=backend)

        def embed(texts: list[str]):
            with tqdm(total=len(texts), unit="text", desc="embedding", disable=None) as bar:
                if cache is None:
                    return embedder.embed(texts, bar.update)
                return embed_with_cache(cache, embedder, texts, bar.update)

        scores = evaluate_file(file, text_column, label_column, embed)
    if fmt == "json":
        click.echo(json.dumps(scores))
        return
    for key, value in scores.items():
        click.echo(f"{key:<14} {value:.3f}" if isinstance(value, float) else f"{key:<14} {value}")
