"""Options and error handling shared by the query commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console

from lineage.errors import LineageError, NodeNotFound

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", envvar="LINEAGE_URL", help="Collector URL (default 127.0.0.1:5000)."),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", envvar="LINEAGE_TIMEOUT_S", help="Seconds to wait for the collector.", min=0.1
    ),
]
DatabaseUrlOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="Work offline, straight on this database."),
]


@contextmanager
def guarded() -> Iterator[None]:
    """Known errors become one line on stderr and exit 2 (usage) or 3 (unavailable)."""
    try:
        yield
    except LineageError as exc:
        message = exc.message
        if isinstance(exc, NodeNotFound) and exc.suggestions and "closest" not in message:
            message += f"; closest: {', '.join(exc.suggestions)}"
        Console(stderr=True, soft_wrap=True).print(
            f"error: {message}", markup=False, highlight=False
        )
        raise typer.Exit(3 if exc.status == 503 else 2) from None
