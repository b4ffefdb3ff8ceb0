"""Query parameters shared by the API and the CLI, checked once: a bad value is a 400
naming the parameter."""

from __future__ import annotations

from datetime import datetime

from lineage.errors import BadRequest, InvalidEvent
from lineage.events import parse_time

KINDS = ("dataset", "job", "model")


def kinds(text: str | None, *, field: str = "kinds") -> frozenset[str] | None:
    """A comma list of node kinds; None (every kind) when absent or empty."""
    if text is None or not text.strip():
        return None
    wanted = {k.strip().lower() for k in text.split(",") if k.strip()}
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise BadRequest(
            f"{field}: unknown kind {unknown[0]!r}; use a comma list of {', '.join(KINDS)}",
            field=field,
        )
    return frozenset(wanted)


def time(value: str | None, field: str) -> datetime | None:
    """An RFC 3339 time in UTC; a 400 naming `field` when it is not one or cannot be held
    in UTC (year 1 with a positive offset, year 9999 with a negative one)."""
    if value is None:
        return None
    try:
        return parse_time(value, field, required=True)
    except InvalidEvent as exc:
        raise BadRequest(exc.message, field=field) from exc
    except OverflowError as exc:
        raise BadRequest(
            f"{field} {value!r} is out of range once converted to UTC", field=field
        ) from exc
