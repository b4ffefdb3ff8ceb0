"""Choosing the openlineage-python client and emitting without ever failing training.

Client resolution, in order:

1. ``LINEAGE_EMIT_DISABLED`` set to ``1``/``true``/``yes`` -> no client, nothing is sent;
2. an explicit ``client=`` is used as is;
3. an explicit ``url=`` -> ``OpenLineageClient`` with an ``HttpTransport`` to that URL, a short
   timeout and few retries (so an unreachable collector costs seconds, not minutes);
4. otherwise ``OpenLineageClient()`` with the client's usual configuration
   (``OPENLINEAGE_URL``, ``openlineage.yml``, ``OPENLINEAGE__*``, ``OPENLINEAGE_DISABLED``).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.transport.http import HttpConfig, HttpTransport

log = logging.getLogger(__name__)

DISABLE_ENV = "LINEAGE_EMIT_DISABLED"
URL_TIMEOUT_S = 5.0
URL_RETRY: dict[str, Any] = {
    "total": 2,
    "read": 1,
    "connect": 2,
    "backoff_factor": 0.2,
    "status_forcelist": [500, 502, 503, 504],
    "allowed_methods": ["HEAD", "POST"],
}


def emit_disabled() -> bool:
    """Whether ``LINEAGE_EMIT_DISABLED`` switches emission off."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def http_client(url: str, *, timeout_s: float = URL_TIMEOUT_S) -> OpenLineageClient:
    """A client that POSTs to ``url`` + ``/api/v1/lineage`` with bounded retries."""
    config = HttpConfig(url=url, timeout=timeout_s, retry=dict(URL_RETRY))
    return OpenLineageClient(transport=HttpTransport(config))


def resolve_client(
    client: OpenLineageClient | None = None,
    url: str | None = None,
    *,
    timeout_s: float = URL_TIMEOUT_S,
) -> OpenLineageClient | None:
    """The client to emit with, or ``None`` when emission is off or cannot be set up."""
    if emit_disabled():
        return None
    if client is not None:
        return client
    try:
        return http_client(url, timeout_s=timeout_s) if url else OpenLineageClient()
    except Exception as exc:
        log.warning("lineage emission disabled: could not configure the client: %s", exc)
        return None


def _describe(event: Any) -> str:
    kind = getattr(getattr(event, "eventType", None), "value", "?")
    return f"{kind} event for {getattr(getattr(event, 'job', None), 'name', '?')}"


def _emit_logged(client: OpenLineageClient, event: Any, outcome: list[bool]) -> None:
    try:
        client.emit(event)
    except Exception as exc:
        log.warning("lineage: could not emit %s: %s", _describe(event), exc)
        outcome.append(False)
    else:
        outcome.append(True)


def safe_emit(
    client: OpenLineageClient | None, event: Any, *, deadline_s: float | None = None
) -> bool | None:
    """Emit one event without ever raising.

    Returns ``True`` when sent, ``False`` when it failed (a warning is logged) and ``None`` when
    it is still being sent after ``deadline_s`` seconds: the send then goes on in a background
    (non-daemon) thread, so training continues and the interpreter still waits for it at exit,
    within the transport's own timeout and retry budget. ``deadline_s=None`` sends inline.
    """
    if client is None:
        return False
    outcome: list[bool] = []
    if deadline_s is None:
        _emit_logged(client, event, outcome)
        return outcome[0]
    sender = threading.Thread(
        target=_emit_logged, args=(client, event, outcome), name="lineage-emit", daemon=False
    )
    sender.start()
    sender.join(deadline_s)
    if sender.is_alive():
        log.warning(
            "lineage: %s still being sent after %.1fs; training continues",
            _describe(event),
            deadline_s,
        )
        return None
    return outcome[0]
