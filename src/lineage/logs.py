"""Log set-up: plain text for people, one JSON object per line for log pipelines.

Only the record's own message is written: request headers (API keys) and bodies are never
part of what the collector logs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """A record as `{"time", "level", "logger", "message", "exception"?}`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(*, level: str, log_format: str) -> None:
    """Send every log record (uvicorn's included) to stderr in `log_format`."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
