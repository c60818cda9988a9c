"""`certpost issue --csv FILE --type CODE`: issue a batch of certificates from a spreadsheet export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from delivery.config import Settings
from delivery.domain.csv_rows import check_header, columns_for

__all__ = ["issue_csv"]


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")  # Excel writes a BOM in front of UTF-8 CSV
    except UnicodeDecodeError:
        return data.decode("gb18030")  # Chinese Excel's default "CSV" encoding


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str | None]]]:
    for cells in reader:
        if any((value or "").strip() for value in cells.values()):
            yield reader.line_num, {k.strip(): v for k, v in cells.items() if k is not None}


async def issue_csv(settings: Settings, path: Path, type_code: str, console: Console | None = None) -> int:
    """0 when every row was issued, 1 when some failed, 2 when the file itself cannot be used."""
    from delivery.app import open_services
    from delivery.services.issuing import RowOutcome, issue_rows
    from delivery.storage.database import database

    console = console or Console()
    try:
        text = _read(path)
    except (OSError, UnicodeDecodeError) as e:
        console.print(f"[red]cannot read {path}: {e}[/red]")
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with database(settings.database_url), open_services(settings) as services:
        kind = services.certificates.types.get(type_code)
        if kind is None:
            known = ", ".join(sorted(services.certificates.types))
            console.print(f"[red]unknown certificate type {type_code!r}; known: {known}[/red]")
            return 2
        reader = csv.DictReader(io.StringIO(text))
        problems = check_header(reader.fieldnames, kind)
        if problems:
            console.print(f"[red]{path}: {'; '.join(problems)}[/red]")
            console.print("columns for this type: " + ",".join(columns_for(kind)))
            return 2
        rows = list(_rows(reader))
        with Progress(
            TextColumn("issuing {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task(kind.name, total=len(rows))

            def advance(_outcome: RowOutcome) -> None:
                progress.advance(task)

            outcomes = await issue_rows(services.certificates, kind, services.couriers.keys(), rows, advance)
    failed = [o for o in outcomes if o.error]
    console.print(f"issued {len(outcomes) - len(failed)} of {len(outcomes)} certificates ({kind.name})")
    for outcome in failed:
        console.print(f"  row {outcome.row}: {outcome.error}", markup=False, highlight=False)
    return 1 if failed else 0
