"""Options, collector address, API key and error handling shared by the commands.

Exit codes (the README's table says the same):
0 success; 1 findings (impact at or above `--fail-on`, events `ingest` could not store);
2 usage error (bad flag, unreadable file, unknown node); 3 collector or database unavailable;
4 API key missing or refused; 5 unexpected error (a bug: `--debug` shows the traceback).
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from lineage.cli.backend import DEFAULT_TIMEOUT_S
from lineage.errors import BadRequest, LineageError, NodeNotFound

if TYPE_CHECKING:
    from lineage.cli.backend import Backend

EXIT_FINDINGS, EXIT_USAGE, EXIT_UNAVAILABLE, EXIT_AUTH, EXIT_BUG = 1, 2, 3, 4, 5
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5000
DEBUG_ENV = "LINEAGE_DEBUG"

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="LINEAGE_URL",
        help="Collector URL (default http://LINEAGE_HOST:LINEAGE_PORT, 127.0.0.1:5000).",
        show_default=False,
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="LINEAGE_API_KEY",
        help="API key sent as a Bearer token.",
        show_default=False,
    ),
]
ApiKeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-key-file",
        envvar="LINEAGE_API_KEY_FILE",
        help="File holding the API key (the collector's keys file format; the first key).",
        show_default=False,
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout", envvar="LINEAGE_TIMEOUT_S", help="Seconds to wait for the collector.", min=0.1
    ),
]
DatabaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Work offline, read-only on this database (needs lineage[server]).",
        show_default=False,
    ),
]


# a query command's options saying where its questions go: (annotation, default) by name
CONNECTION_OPTIONS: dict[str, tuple[Any, Any]] = {
    "url": (UrlOpt, None),
    "api_key": (ApiKeyOpt, None),
    "api_key_file": (ApiKeyFileOpt, None),
    "timeout": (TimeoutOpt, DEFAULT_TIMEOUT_S),
    "database_url": (DatabaseUrlOpt, None),
}
OpenBackend = Callable[[], "Backend"]


def with_connection(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with the options of `CONNECTION_OPTIONS` after its own, in every command's
    help in the same order; `command` takes `open_backend`, which opens the backend those
    options name (its errors are LineageErrors: call it inside `guarded`)."""
    own = inspect.signature(command, eval_str=True)
    parameters = [p for name, p in own.parameters.items() if name != "open_backend"]
    parameters += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, (kind, default) in CONNECTION_OPTIONS.items()
    ]

    @functools.wraps(command)
    def wrapper(**params: Any) -> None:
        url, key, key_file, timeout, database_url = map(params.pop, CONNECTION_OPTIONS)
        opener = functools.partial(
            connect, url, database_url, timeout_s=timeout, key=key, key_file=key_file
        )
        command(**params, open_backend=opener)

    # Typer reads a command's options from its signature and annotations
    wrapper.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def collector_url(url: str | None) -> str:
    """`--url` / `LINEAGE_URL`, else the address `lineage serve` listens on by default."""
    if url:
        return url
    host = os.environ.get("LINEAGE_HOST") or DEFAULT_HOST
    if host in ("0.0.0.0", "::"):  # listening everywhere: this machine answers on loopback
        host = DEFAULT_HOST
    port = os.environ.get("LINEAGE_PORT") or str(DEFAULT_PORT)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def api_key(key: str | None, key_file: Path | None) -> str | None:
    """The key to send: `--api-key`, else the first entry of `--api-key-file`."""
    if key:
        return key.strip()
    if key_file is None:
        return None
    from lineage.api_keys import parse_key_entries

    try:
        keys = parse_key_entries(key_file.read_text(), source="--api-key-file")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read --api-key-file {key_file}: {_reason(exc)}") from exc
    if not keys:
        raise BadRequest(f"--api-key-file {key_file} holds no key", field="--api-key-file")
    return keys[0].secret.decode()


def connect(
    url: str | None,
    database_url: str | None,
    *,
    timeout_s: float,
    key: str | None = None,
    key_file: Path | None = None,
) -> Backend:
    """The backend a query command asked for: offline on `database_url`, else the collector."""
    from lineage.cli.backend import open_backend

    if database_url:
        return open_backend(None, database_url)
    return open_backend(
        collector_url(url), None, timeout_s=timeout_s, api_key=api_key(key, key_file)
    )


def read_text(path: Path, what: str = "") -> str:
    """A file's text, or a BadRequest naming the file and the reason."""
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadRequest(f"cannot read {what + ' ' if what else ''}{path}: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not a text file"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[1:].islower() else exc.strerror
    return str(exc)


def one_of(value: str, choices: Iterable[str], option: str) -> str:
    """`value` when it is one of `choices`, else a BadRequest naming `option`."""
    allowed = list(choices)
    if value not in allowed:
        raise BadRequest(f"{option} is one of {', '.join(allowed)}, got {value!r}", field=option)
    return value


def exit_on_findings(fail_on: str, found: Mapping[str, bool]) -> NoReturn:
    """Exit 1 (findings) when `found` says something was found at the `--fail-on` level,
    else 0; `never` never fails (CI reads the exit code)."""
    raise typer.Exit(EXIT_FINDINGS if fail_on != "never" and found[fail_on] else 0)


def exit_code(exc: LineageError) -> int:
    """The documented exit code of a known error."""
    if exc.status in (401, 403):
        return EXIT_AUTH
    return EXIT_UNAVAILABLE if exc.status >= 500 else EXIT_USAGE


def debugging() -> bool:
    """True under `--debug` (or LINEAGE_DEBUG=1): errors keep their traceback."""
    return os.environ.get(DEBUG_ENV) == "1"


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then exit with `code`."""
    import sys

    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    raise typer.Exit(code)


def one_line(exc: LineageError) -> str:
    """The message of a known error on one line, with a 404's suggestions."""
    message = exc.message
    if isinstance(exc, NodeNotFound) and exc.suggestions and "closest" not in message:
        message += f"; closest: {', '.join(exc.suggestions)}"
    return " ".join(message.split())


@contextmanager
def guarded() -> Iterator[None]:
    """Known errors become one line on stderr and their exit code (see the module doc)."""
    try:
        yield
    except LineageError as exc:
        if debugging():
            raise
        fail(one_line(exc), exit_code(exc))
