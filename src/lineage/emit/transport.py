"""Choosing the openlineage-python client and emitting without ever failing training.

Client resolution, in order:

1. ``LINEAGE_EMIT_DISABLED`` set to ``1``/``true``/``yes`` -> no client, nothing is sent;
2. an explicit ``client=`` is used as is (its transport is the caller's choice);
3. an explicit ``url=`` -> ``OpenLineageClient`` with an ``HttpTransport`` to that URL;
4. otherwise ``OpenLineageClient()`` with the client's usual configuration
   (``OPENLINEAGE_URL``, ``openlineage.yml``, ``OPENLINEAGE__*``, ``OPENLINEAGE_DISABLED``).

In cases 3 and 4 every HTTP transport (alone or inside a composite transport) is *bounded*:
connecting takes at most ``timeout_s`` (default :data:`EMIT_TIMEOUT_S`, or
``LINEAGE_EMIT_TIMEOUT_S``), waiting for the answer at most ``answer_timeout_s`` (default
``timeout_s``), and its retries are at most :data:`EMIT_RETRY` (one retry of a refused
connection, none after a timeout or an error status), so a dead collector costs a run about
one timeout per event instead of the client's own 5 s x 5 retries with back-off. Values the
configuration sets lower are kept. A transport given its own ``adapter`` keeps its retries.

The two bounds differ because a collector answers once it has committed the event: a busy
one answers late, yet stores the event. A send that gave up on its answer after 0.5 s warned
"could not emit" about events the collector had stored; a training run's
sends in the background (:class:`Sending`) wait for it within the run's emit deadline.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import attr
from openlineage.client import OpenLineageClient
from openlineage.client.transport import Transport
from openlineage.client.transport.composite import CompositeTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport

log = logging.getLogger(__name__)

DISABLE_ENV = "LINEAGE_EMIT_DISABLED"
TIMEOUT_ENV = "LINEAGE_EMIT_TIMEOUT_S"
EMIT_TIMEOUT_S = 0.5
EMIT_RETRY: dict[str, Any] = {
    "total": 1,
    "connect": 1,
    "read": 0,
    "status": 0,
    "other": 0,
    "backoff_factor": 0.1,
}
_COUNTS = ("total", "connect", "read", "status", "other", "backoff_factor")


def emit_disabled() -> bool:
    """Whether ``LINEAGE_EMIT_DISABLED`` switches emission off."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def default_timeout_s() -> float:
    """``LINEAGE_EMIT_TIMEOUT_S`` when it is a positive number, else :data:`EMIT_TIMEOUT_S`."""
    try:
        value = float(os.environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return EMIT_TIMEOUT_S
    return value if value > 0 else EMIT_TIMEOUT_S


def bounded_retry(retry: dict[str, Any] | None) -> dict[str, Any]:
    """`retry` (urllib3 ``Retry`` keywords) with each count at most :data:`EMIT_RETRY`'s."""
    out = dict(retry or {})
    for key in _COUNTS:
        mine, theirs = EMIT_RETRY[key], out.get(key)
        out[key] = mine if not isinstance(theirs, int | float) else min(theirs, mine)
    return out


@dataclass(frozen=True, slots=True)
class Bounds:
    """How long an HTTP send may take to connect and then to get its answer (seconds)."""

    connect_s: float
    answer_s: float

    def timeout(self, configured: Any = None) -> tuple[float, float]:
        """requests' ``(connect, read)`` timeout: ours, or the configuration's where lower
        (a number bounds both, as in requests)."""
        if not configured:
            return self.connect_s, self.answer_s
        connect, answer = configured if isinstance(configured, tuple | list) else (configured,) * 2
        return min(float(connect), self.connect_s), min(float(answer), self.answer_s)


def _bounded_config(config: dict[str, Any], bounds: Bounds) -> dict[str, Any]:
    """A transport config dict (as in ``openlineage.yml``) with its HTTP parts bounded."""
    kind = config.get("type")
    if kind == "http":
        return {
            **config,
            "timeout": bounds.timeout(config.get("timeout")),
            "retry": bounded_retry(config.get("retry")),
        }
    if kind == "composite":
        children = config.get("transports") or {}
        if isinstance(children, dict):
            return {
                **config,
                "transports": {
                    name: _bounded_config(child, bounds) if isinstance(child, dict) else child
                    for name, child in children.items()
                },
            }
        return {**config, "transports": [_bounded_config(c, bounds) for c in children]}
    return config


def bounded(transport: Transport, bounds: Bounds) -> Transport:
    """The same transport with its HTTP timeouts and retries bounded (others as they are)."""
    if isinstance(transport, HttpTransport):
        config = attr.evolve(
            transport.config,
            # requests takes (connect, read); the client hands its timeout to requests as is
            timeout=bounds.timeout(transport.config.timeout),  # type: ignore[arg-type]
            retry=bounded_retry(transport.config.retry),
        )
        return HttpTransport(config)
    if isinstance(transport, CompositeTransport):
        children = transport.config.transports
        if isinstance(children, dict):
            capped: Any = {
                name: _bounded_config(child, bounds) if isinstance(child, dict) else child
                for name, child in children.items()
            }
        else:
            capped = [_bounded_config(child, bounds) for child in children]
        return CompositeTransport(attr.evolve(transport.config, transports=capped))
    return transport


def _bounds(timeout_s: float | None, answer_timeout_s: float | None) -> Bounds:
    connect = default_timeout_s() if timeout_s is None else timeout_s
    return Bounds(connect, connect if answer_timeout_s is None else answer_timeout_s)


def http_client(
    url: str, *, timeout_s: float | None = None, answer_timeout_s: float | None = None
) -> OpenLineageClient:
    """A client that POSTs to ``url`` + ``/api/v1/lineage`` with bounded timeouts and
    retries (see the module doc)."""
    timeout = _bounds(timeout_s, answer_timeout_s).timeout()
    config = HttpConfig(url=url, timeout=timeout, retry=bounded_retry(None))  # type: ignore[arg-type]
    return OpenLineageClient(transport=HttpTransport(config))


def resolve_client(
    client: OpenLineageClient | None = None,
    url: str | None = None,
    *,
    timeout_s: float | None = None,
    answer_timeout_s: float | None = None,
) -> OpenLineageClient | None:
    """The client to emit with, or ``None`` when emission is off or cannot be set up.

    ``timeout_s`` bounds connecting, ``answer_timeout_s`` (default ``timeout_s``) the wait
    for the collector's answer."""
    if emit_disabled():
        return None
    if client is not None:
        return client
    bounds = _bounds(timeout_s, answer_timeout_s)
    try:
        if url:
            return http_client(url, timeout_s=bounds.connect_s, answer_timeout_s=bounds.answer_s)
        configured = OpenLineageClient()
        configured.transport = bounded(configured.transport, bounds)
        return configured
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


class Sending:
    """One event being sent in a helper (non-daemon) thread, never raising.

    The thread first waits for `after` (the run's previous event) to end, so a run's events
    reach the collector in order; the interpreter waits for the thread at exit, within the
    transport's own timeout and retry budget.
    """

    def __init__(
        self, client: OpenLineageClient, event: Any, *, after: Sending | None = None
    ) -> None:
        self._event = event
        self._outcome: list[bool] = []
        self._thread = threading.Thread(
            target=self._run, args=(client, after), name="lineage-emit", daemon=False
        )
        self._thread.start()

    def _run(self, client: OpenLineageClient, after: Sending | None) -> None:
        if after is not None:
            after._thread.join()
        _emit_logged(client, self._event, self._outcome)

    def wait(self, deadline_s: float) -> bool | None:
        """``True`` when sent, ``False`` when it failed (a warning was logged), ``None`` when
        it is still being sent after ``deadline_s`` seconds (logged; it goes on meanwhile)."""
        self._thread.join(deadline_s)
        if self._thread.is_alive():
            log.warning(
                "lineage: %s still being sent after %.1fs; training continues",
                _describe(self._event),
                deadline_s,
            )
            return None
        return self._outcome[0]


def safe_emit(client: OpenLineageClient | None, event: Any) -> bool:
    """Emit one event inline without ever raising: ``True`` when sent, ``False`` when it
    failed (a warning is logged) or there is no client."""
    if client is None:
        return False
    outcome: list[bool] = []
    _emit_logged(client, event, outcome)
    return outcome[0]
