"""Write a week's report to disk: ``<base>/<week>/report.html``, ``ranking.csv``, one page
per owner in ``owners/``, and optionally ``report.pdf`` printed by headless Chromium.

Each file is written beside its target and renamed over it, and ``report.html`` comes last,
so a report that exists is complete: a run killed half-way leaves no ``report.html`` and the
next run writes the week again. Reproducible: the same warehouse and week give the same
bytes (the PDF excepted; Chromium stamps its creation time into it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dumbcontacts.analysis.report.csv_cells import ranking_csv
from dumbcontacts.analysis.report.data import ReportSettings, gather_report
from dumbcontacts.analysis.report.html import owner_sections, render_owner_page, render_report
from dumbcontacts.errors import ReportError
from dumbcontacts.etl.warehouse import Warehouse

__all__ = ["CHROMIUM", "WrittenReport", "print_pdf", "report_exists", "write_report"]

CHROMIUM = "/usr/bin/chromium"
# Offline and quiet: no sync, no updates, no background fetches; JavaScript gets virtual
# time to draw the charts before printing.
_CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--virtual-time-budget=10000",
)


@dataclass(frozen=True)
class WrittenReport:
    folder: Path
    files: list[Path]  # every file written, report.html last


def report_exists(base_dir: Path, week: str) -> bool:
    return (Path(base_dir) / week / "report.html").is_file()


def write_report(
    warehouse: Warehouse,
    week: str,
    base_dir: Path,
    settings: ReportSettings | None = None,
    *,
    pdf: bool = False,
    chromium: str = CHROMIUM,
) -> WrittenReport:
    """Gather, render and write ``week``'s report under ``base_dir``; InputError for a bad
    week, EmptyWeek for one without contacts, ReportError when a file cannot be written or
    Chromium fails."""
    data = gather_report(warehouse, week, settings)
    folder = Path(base_dir) / week
    owners_dir = folder / "owners"
    try:
        owners_dir.mkdir(parents=True, exist_ok=True)
        for leftover in [*folder.glob(".*.partial"), *owners_dir.glob(".*.partial")]:
            leftover.unlink()  # from a run killed while writing
    except OSError as error:
        raise ReportError(
            f"{folder}: cannot write the report ({error.strerror or error})"
        ) from None
    written = [_write(folder / "ranking.csv", ranking_csv(data.ranking))]
    pages = {}
    for section in owner_sections(data):
        pages[f"{section.slug}.html"] = render_owner_page(data, section)
    for stale in owners_dir.glob("*.html"):
        if stale.name not in pages:  # an owner with no contacts this week any more
            stale.unlink()
    written += [_write(owners_dir / name, page) for name, page in sorted(pages.items())]
    report = render_report(data)
    if pdf:
        staged = _write(folder / ".report-for-pdf.html", report)
        try:
            written.append(print_pdf(staged, folder / "report.pdf", chromium=chromium))
        finally:
            staged.unlink(missing_ok=True)
    written.append(_write(folder / "report.html", report))
    return WrittenReport(folder, written)


def print_pdf(html: Path, pdf: Path, *, chromium: str = CHROMIUM, timeout: float = 180) -> Path:
    """Print an HTML file to PDF with headless Chromium, charts drawn, no network needed."""
    if shutil.which(chromium) is None:
        raise ReportError(f"cannot print a PDF: no Chromium at {chromium}")
    with tempfile.TemporaryDirectory(prefix="dumbcontacts-chromium-") as profile:
        partial = pdf.with_name(f".{pdf.name}.partial")
        command = [
            chromium,
            *_CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            Path(html).resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ReportError(f"Chromium did not print {html} within {timeout:.0f} s") from None
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no PDF"]
            partial.unlink(missing_ok=True)
            raise ReportError(f"Chromium could not print {html}: {detail[0]}")
        os.replace(partial, pdf)
    return pdf


def _write(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8", newline="")
        os.replace(partial, path)
    except OSError as error:  # a full disk, a folder that is not ours
        raise ReportError(f"{path}: cannot write the report ({error.strerror or error})") from None
    return path
