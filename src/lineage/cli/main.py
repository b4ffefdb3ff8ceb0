"""Typer app `lineage`. Known errors print one line and exit with a meaningful code."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from lineage.errors import BadRequest, LineageError
from lineage.settings_help import HELP

# every event decodes into many short-lived objects: with the default threshold (700) the
# youngest generation is collected about once per request, which raises ingest's p99
# (benchmarks/README.md, "Garbage collector thresholds")
GC_THRESHOLDS = (50_000, 20, 100)
"""The cyclic garbage collector's thresholds `lineage serve` runs with."""

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from lineage.settings import Settings

app = typer.Typer(
    name="lineage",
    help="OpenLineage collector: lineage graph, impact analysis, ML metadata.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Store maintenance: upgrade, replay, prune.", no_args_is_help=True)
app.add_typer(db_app, name="db")
err = Console(stderr=True, highlight=False)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="LINEAGE_DATABASE_URL",
        help=HELP["database_url"],
    ),
]


def _settings(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    from lineage.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"LINEAGE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise BadRequest(f"invalid setting: {problems}") from None


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(envvar="LINEAGE_HOST", help=HELP["host"]),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(envvar="LINEAGE_PORT", help=HELP["port"]),
    ] = None,
    database_url: DatabaseUrl = None,
    log_level: Annotated[
        str | None,
        typer.Option(envvar="LINEAGE_LOG_LEVEL", help=HELP["log_level"]),
    ] = None,
) -> None:
    """Run the collector (HTTP API on host:port, store at the database URL)."""
    import gc

    import uvicorn

    from lineage.api.app import create_app
    from lineage.api.timeouts import header_timeout_protocol
    from lineage.logs import configure_logging
    from lineage.store.db import redact

    settings = _settings(host=host, port=port, database_url=database_url, log_level=log_level)
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    logging.getLogger("lineage").info(
        "lineage collector on http://%s:%d (store: %s)",
        settings.host,
        settings.port,
        redact(settings.database_url),
    )
    gc.set_threshold(*GC_THRESHOLDS)
    # the writer thread gives up the GIL on every SQLite call and may then wait the whole switch
    # interval (5 ms by default) for the event loop to hand it back. With 0.5 ms, four
    # alternating runs of benchmarks/ingest.py on SQLite gave 336 vs 316 events/s on average
    # and a lower p99 in each pair (78-91 vs 86-98 ms)
    sys.setswitchinterval(0.0005)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's records go through our handler (text or json)
        access_log=False,
        # slow clients are cut off (lineage.api.timeouts; the body's bound is in the app)
        http=header_timeout_protocol(settings.http_header_timeout_s),
        timeout_keep_alive=settings.http_keep_alive_timeout_s,
    )


def store_engine(database_url: str | None, *, existing: bool) -> Engine:
    """The engine of a `db` command's store; `existing`: it must already be a current store.

    A bad URL or a database that does not answer is one LineageError (one line, exit 2 or 3).
    """
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from lineage.cli.backend import open_store
    from lineage.store.db import make_engine

    url = _settings(database_url=database_url).database_url
    if existing:
        open_store(url).dispose()  # read-only checks first: nothing is created on a wrong URL
    try:
        return make_engine(url)
    except (ArgumentError, ValueError, ImportError, NoSuchModuleError) as exc:
        raise BadRequest(
            "--database-url / LINEAGE_DATABASE_URL: a store is sqlite:///FILE or "
            "postgresql+psycopg://..."
        ) from exc


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the store's schema to the newest revision."""
    from lineage.store.db import unavailable_as_503
    from lineage.store.migrate import current_revision, head_revision, upgrade

    engine = store_engine(database_url, existing=False)
    with unavailable_as_503("migrating the store"):
        before = current_revision(engine)
        upgrade(engine)
    err.print(f"schema upgraded: {before or 'empty'} -> {head_revision()}")


@db_app.command("replay")
def db_replay(database_url: DatabaseUrl = None) -> None:
    """Rebuild every derived table from the event log (stop the collector first)."""
    from lineage.cli.output import progress_bar
    from lineage.store.db import unavailable_as_503
    from lineage.store.read import counts
    from lineage.store.replay import replay

    engine = store_engine(database_url, existing=True)
    with unavailable_as_503("replaying the event log"):
        with engine.connect() as conn:
            total = counts(conn)["events"]
        with progress_bar("replaying", total) as advance:
            count = replay(engine, progress=advance)
    err.print(f"replayed {count} events")


SERVER_MODULES = frozenset(
    {
        "alembic",
        "cachetools",
        "fastapi",
        "fastapi_offline",
        "msgspec",
        "networkx",
        "prometheus_client",
        "psycopg",
        "pydantic",
        "pydantic_settings",
        "sqlalchemy",
        "sqlglot",
        "starlette",
        "uvicorn",
        "zstandard",
    }
)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one line on stderr per failure, exit code by error kind.

    `--debug` anywhere on the command line (or LINEAGE_DEBUG=1) shows tracebacks instead.
    """
    import os

    from lineage.cli.common import DEBUG_ENV, EXIT_BUG, EXIT_USAGE, debugging, exit_code, one_line

    # sqlglot warns on stderr before the impact answer names the same DDL problem
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:
        args.remove("--debug")
        os.environ[DEBUG_ENV] = "1"
    command = typer.main.get_command(app)
    try:
        code = command.main(args, prog_name="lineage", standalone_mode=False)
    except typer.TyperException as exc:  # a usage error: bad flag or value, unknown command
        message = exc.format_message()  # empty after `lineage` alone printed the help
        context = getattr(exc, "ctx", None)
        where = f"{context.command_path}: " if context is not None else ""
        code = _fail(f"{where}{' '.join(message.split())}", EXIT_USAGE) if message else EXIT_USAGE
    except typer.Abort:
        code = _fail("interrupted", 130)
    except Exception as exc:
        if debugging():
            raise
        if isinstance(exc, LineageError):
            code = _fail(one_line(exc), exit_code(exc))
        elif isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in (
            SERVER_MODULES
        ):
            code = _fail(
                f"this command needs the collector's dependencies ({exc.name} is missing): "
                "pip install 'lineage[server]'",
                EXIT_USAGE,
            )
        else:
            code = _fail(
                f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())} "
                "(a bug: rerun with --debug for the traceback)",
                EXIT_BUG,
            )
    sys.exit(code or 0)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {message}\n")
    return code


from lineage.cli import (  # noqa: E402, F401  (registers their commands)
    explore,
    history,
    impact,
    incidents,
    ingest,
)
from lineage.cli import prune as _prune  # noqa: E402, F401  (registers `db prune`)
