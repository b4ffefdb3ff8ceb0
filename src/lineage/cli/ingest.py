"""`lineage ingest`: send files of events to the batch endpoint and say what became of each.

Files may hold a JSON array, one JSON object or NDJSON, gzipped or not; a directory stands for
the event files inside it (`.json`, `.ndjson`, `.jsonl`, each optionally `.gz`). Every event
keeps where it came from (`path:line` for NDJSON, `path[i]` in an array), so a failure names
the event by its index in the whole input, its place in the file and the collector's reason.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from lineage.cli.backend import DEFAULT_TIMEOUT_S, HttpBackend
from lineage.cli.common import (
    EXIT_FINDINGS,
    ApiKeyFileOpt,
    ApiKeyOpt,
    TimeoutOpt,
    UrlOpt,
    api_key,
    collector_url,
    guarded,
)
from lineage.cli.main import app
from lineage.cli.output import progress_bar
from lineage.errors import BadRequest, LineageError

EVENT_SUFFIXES = (".json", ".ndjson", ".jsonl")
DUPLICATES_HEADER = "lineage-duplicates"


@dataclass(slots=True)
class Loaded:
    """Events read from the input, where each came from, and lines that were not JSON."""

    events: list[Any] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)


@dataclass(slots=True)
class Tally:
    """What the collector did with the events sent."""

    stored: int = 0
    duplicates: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (index, reason)


def event_files(path: Path) -> list[Path]:
    """`path` itself, or the event files under a directory (sorted, recursive)."""
    if not path.exists():
        raise BadRequest(f"no such file or directory: {path}")
    if not path.is_dir():
        return [path]
    found = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.name.removesuffix(".gz").endswith(EVENT_SUFFIXES)
    )
    if not found:
        raise BadRequest(f"no event files ({', '.join(EVENT_SUFFIXES)}, .gz) in {path}")
    return found


def load(paths: list[Path]) -> Loaded:
    """Every event of every file, in order; unreadable files are a BadRequest."""
    loaded = Loaded()
    for path in (f for p in paths for f in event_files(p)):
        for origin, event, problem in _parse(path, _text(path)):
            if problem is not None:
                loaded.unreadable.append((origin, problem))
            else:
                loaded.events.append(event)
                loaded.origins.append(origin)
    return loaded


def _text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # gzip, whatever the file is called
            raw = gzip.decompress(raw)
        return raw.decode("utf-8-sig")
    except OSError as exc:  # gzip.BadGzipFile and EOFError are OSError / caught below
        raise BadRequest(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (EOFError, UnicodeDecodeError) as exc:
        kind = "a truncated gzip file" if isinstance(exc, EOFError) else "not UTF-8 text"
        raise BadRequest(f"cannot read events from {path}: {kind}") from exc


def _parse(path: Path, text: str) -> Iterator[tuple[str, Any, str | None]]:
    """(origin, event, None) per event, or (origin, None, reason) for a line that is not JSON."""
    stripped = text.lstrip()
    if not stripped:
        raise BadRequest(f"no events in {path}: the file is empty")
    if stripped[0] not in "[{":
        raise BadRequest(f"cannot read events from {path}: not JSON or NDJSON")
    try:
        whole = json.loads(text)
    except ValueError as exc:
        if stripped[0] == "[":
            raise BadRequest(f"cannot read events from {path}: {_json_reason(exc)}") from exc
        whole = None  # several objects: NDJSON, read line by line below
    if isinstance(whole, list):
        yield from ((f"{path}[{i}]", event, None) for i, event in enumerate(whole))
        return
    if whole is not None:
        yield f"{path}:1", whole, None
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield f"{path}:{number}", json.loads(line), None
            except ValueError as exc:
                yield f"{path}:{number}", None, f"not JSON: {_json_reason(exc)}"


def _json_reason(exc: ValueError) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


def send(
    backend: HttpBackend, events: list[Any], chunk: int, progress: Callable[[int], None]
) -> Tally:
    """Post `events` in batches of `chunk`; what the collector answered, by global index.

    `progress` is told how many events were sent so far after each batch."""
    tally = Tally()
    for start in range(0, len(events), chunk):
        part = events[start : start + chunk]
        try:
            answer, headers = backend.call_with_headers("POST", "/api/v1/lineage/batch", json=part)
        except LineageError as exc:
            if start:  # say how far it got: the events before are stored
                exc.message += f" (the first {start} of {len(events)} events were sent)"
            raise
        failed = answer["failed_events"] if answer else []
        tally.failed += [(start + f["index"], f["reason"]) for f in failed]
        duplicates = int(headers.get(DUPLICATES_HEADER) or 0)
        tally.duplicates += duplicates
        tally.stored += len(part) - len(failed) - duplicates
        progress(start + len(part))
    return tally


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Event files or directories of them.")],
    chunk: Annotated[int, typer.Option(help="Events per batch request.", min=1)] = 500,
    url: UrlOpt = None,
    key: ApiKeyOpt = None,
    key_file: ApiKeyFileOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
) -> None:
    """Send events (JSON, NDJSON, gzip, directories) to the collector's batch endpoint.

    Prints each event that failed with its index and the collector's reason; exits 1 if any did.
    """
    with guarded():
        loaded = load(paths)
        backend = HttpBackend(collector_url(url), timeout_s=timeout, api_key=api_key(key, key_file))
        big = len(loaded.events) > chunk
        with progress_bar("sending", len(loaded.events), wanted=big) as progress:
            tally = send(backend, loaded.events, chunk, progress)
    out = sys.stdout
    for origin, reason in loaded.unreadable:
        out.write(f"failed: {origin}: {reason}\n")
    for index, reason in tally.failed:
        out.write(f"failed: event {index} ({loaded.origins[index]}): {reason}\n")
    failed = len(tally.failed) + len(loaded.unreadable)
    out.write(
        f"read {len(loaded.events) + len(loaded.unreadable)} events: {tally.stored} stored, "
        f"{tally.duplicates} duplicates, {failed} failed\n"
    )
    raise typer.Exit(EXIT_FINDINGS if failed else 0)
