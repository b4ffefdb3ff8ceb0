"""``training_run``: a context manager (and decorator) that reports one training run.

START is emitted on enter; on exit COMPLETE (all facets) or, when the block raised, FAIL with an
``errorMessage`` facet (``KeyboardInterrupt`` gives ABORT). The user's exception always
propagates. Emission problems are logged as warnings and never reach the training code. Only
global rank 0 emits (see :func:`lineage.emit.probes.is_emitting_rank`).
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, Unpack, overload

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import error_message_run, job_type_job, parent_run
from openlineage.client.uuid import generate_new_uuid

from lineage.emit import datasets, probes
from lineage.emit.datasets import ModelNaming
from lineage.emit.facets import (
    PRODUCER,
    MLflowRunFacet,
    MLHyperparametersRunFacet,
    MLMetricsRunFacet,
)
from lineage.emit.params import as_param_mapping, config_hash, flatten_params
from lineage.emit.parent import RunRef, parent_facet
from lineage.emit.series import MAX_POINTS, MetricSeries
from lineage.emit.transport import Sending, default_timeout_s, resolve_client, safe_emit

log = logging.getLogger(__name__)

MAX_STACK_TRACE_CHARS = 64_000
EMIT_DEADLINE_S = 15.0
_current: contextvars.ContextVar[TrainingRun | None] = contextvars.ContextVar(
    "lineage_training_run", default=None
)

DatasetLike = InputDataset | OutputDataset | tuple[str, str]
D = TypeVar("D", InputDataset, OutputDataset)


def current_run() -> TrainingRun | None:
    """The innermost active :class:`TrainingRun` in this context, if any."""
    return _current.get()


def _as_dataset(item: DatasetLike, kind: type[D]) -> D:
    """`item` as a dataset of `kind` (InputDataset or OutputDataset): as it is, or made of a
    ``(namespace, name)`` tuple."""
    if isinstance(item, kind):
        return item
    if isinstance(item, tuple):
        return kind(namespace=item[0], name=item[1])
    role = "input" if kind is InputDataset else "output"
    msg = f"not an {role} dataset: {item!r}"
    raise TypeError(msg)


def _upsert(items: list[Any], new: Any) -> None:
    """Replace the dataset with the same (namespace, name), else append."""
    for index, old in enumerate(items):
        if (old.namespace, old.name) == (new.namespace, new.name):
            items[index] = new
            return
    items.append(new)


F = TypeVar("F", bound=Callable[..., Any])


def _fail_soft(method: F) -> F:
    """Recording must not break training: log a warning instead of raising."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            log.warning("lineage: %s failed and was skipped: %s", method.__name__, exc)
            return None

    return wrapper  # type: ignore[return-value]


def _error_facet(exc: BaseException) -> error_message_run.ErrorMessageRunFacet:
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if len(trace) > MAX_STACK_TRACE_CHARS:
        trace = "...\n" + trace[-MAX_STACK_TRACE_CHARS:]
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return error_message_run.ErrorMessageRunFacet(
        message=message, programmingLanguage="python", stackTrace=trace, producer=PRODUCER
    )


class TrainingRun:
    """One training run: collects parameters, metrics, datasets and the model, then reports.

    Args:
        name: job name; ``namespace`` defaults to ``$OPENLINEAGE_NAMESPACE`` or ``"default"``.
        inputs / outputs: ``InputDataset`` / ``OutputDataset`` (see :mod:`lineage.emit.datasets`)
            or ``(namespace, name)`` tuples.
        params: initial hyperparameters (mapping, OmegaConf config, dataclass or attrs object).
        parent / root_parent: ``"<namespace>/<job>/<runId>"`` of the launching run and of the
            root run; default to ``$OPENLINEAGE_PARENT_ID`` / ``$OPENLINEAGE_ROOT_PARENT_ID``.
        client / url: where events go (see :mod:`lineage.emit.transport`); ``timeout_s`` bounds
            the time the transport (``url=``, ``OPENLINEAGE_URL`` or ``openlineage.yml``)
            takes to connect (default ``$LINEAGE_EMIT_TIMEOUT_S`` or 0.5 s), and to get the
            collector's answer when events are sent inline; in the background a send waits
            for its answer up to half ``emit_deadline_s`` (START and the final event fit in
            it).
        entry_point: reported script (default ``sys.argv[0]``); ``device``: overrides detection.
        emit_deadline_s: how long the end of the run waits for its events to be sent before
            carrying on (the sends finish in the background); START is sent while training
            runs. ``None`` sends each event inline, waiting for the transport.
        series_points: most points sent per metric (default 1,000, at least 4); a longer series
            is downsampled keeping its first, last, min and max (:mod:`lineage.emit.series`).
    """

    def __init__(
        self,
        name: str,
        *,
        namespace: str | None = None,
        inputs: Iterable[DatasetLike] = (),
        outputs: Iterable[DatasetLike] = (),
        params: Any = None,
        parent: str | RunRef | parent_run.ParentRunFacet | None = None,
        root_parent: str | RunRef | None = None,
        client: OpenLineageClient | None = None,
        url: str | None = None,
        entry_point: str | None = None,
        device: str | None = None,
        timeout_s: float | None = None,
        emit_deadline_s: float | None = EMIT_DEADLINE_S,
        series_points: int = MAX_POINTS,
    ) -> None:
        self.name = name
        self.namespace = namespace or os.environ.get("OPENLINEAGE_NAMESPACE") or "default"
        self.run_id = str(generate_new_uuid())
        self.inputs: list[InputDataset] = []
        self.outputs: list[OutputDataset] = []
        for item in inputs:
            _upsert(self.inputs, _as_dataset(item, InputDataset))
        for item in outputs:
            _upsert(self.outputs, _as_dataset(item, OutputDataset))
        self.params: dict[str, Any] = {}
        self.metrics: dict[str, Any] = {}
        self.series: dict[str, MetricSeries] = {}
        self.device = device
        self.state: str | None = None
        self._entry_point = entry_point
        self._parent_arg = parent
        self._root_arg = root_parent
        self._client_arg = client
        self._url = url
        self._timeout_s = default_timeout_s() if timeout_s is None else timeout_s
        self._emit_deadline_s = emit_deadline_s
        self._series_points = max(4, series_points)
        self._client: OpenLineageClient | None = None
        self._start_sending: Sending | None = None
        self._mlflow: MLflowRunFacet | None = None
        self._static_facets: dict[str, Any] = {}
        self._token: contextvars.Token[TrainingRun | None] | None = None
        self.emitting = False
        if params is not None:
            self.log_params(params)

    # ----------------------------------------------------------------- recording
    @_fail_soft
    def log_params(self, config: Any = None, /, **params: Any) -> None:
        """Merge parameters: a (nested) mapping, an OmegaConf config, a dataclass, or kwargs."""
        if config is not None:
            self.params.update(flatten_params(as_param_mapping(config)))
        if params:
            self.params.update(flatten_params(params))
        self._probe_mlflow()

    @_fail_soft
    def log_config(self, cfg: Any) -> None:
        """Record a Hydra/OmegaConf config (resolved) as the hyperparameters."""
        self.log_params(cfg)

    @_fail_soft
    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        """Record one value; the last value is the final metric, all are summarised."""
        series = self.series.setdefault(name, MetricSeries(self._series_points))
        series.add(value, step)
        self.metrics[name] = series.last
        self._probe_mlflow()

    @_fail_soft
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record several metrics at one step."""
        for name, value in metrics.items():
            self.log_metric(name, value, step=step)

    def add_input(self, dataset: DatasetLike) -> None:
        """Declare (or replace) an input dataset; see :mod:`lineage.emit.datasets`."""
        _upsert(self.inputs, _as_dataset(dataset, InputDataset))

    def add_output(self, dataset: DatasetLike) -> None:
        """Declare (or replace) an output dataset."""
        _upsert(self.outputs, _as_dataset(dataset, OutputDataset))

    @_fail_soft
    def log_model(
        self,
        uri: str | os.PathLike[str],
        *,
        framework: str,
        flavor: str | None = None,
        **naming: Unpack[ModelNaming],
    ) -> OutputDataset | None:
        """Record the model artifact (hashing a local file) as an output dataset; naming
        keywords as :class:`~lineage.emit.datasets.ModelNaming`.

        Returns the output dataset, or ``None`` when it could not be recorded (logged).
        """
        model = datasets.model_dataset(uri, framework=framework, flavor=flavor, **naming)
        _upsert(self.outputs, model)
        self._probe_mlflow()
        return model

    def set_device(self, device: str) -> None:
        """Override the detected device (e.g. ``"cuda:0"``)."""
        self.device = device

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Decide whether this process emits, then send START."""
        self.state = "RUNNING"
        self.emitting = probes.is_emitting_rank()
        if not self.emitting:
            log.debug("lineage: rank %s does not emit", probes.global_rank())
            return
        # a send in the background waits for the collector's answer (given after its commit:
        # late when it is busy) as long as START then the final event fit in the deadline
        answer_s = None
        if self._emit_deadline_s is not None:
            answer_s = max(self._timeout_s, self._emit_deadline_s / 2)
        self._client = resolve_client(
            self._client_arg, self._url, timeout_s=self._timeout_s, answer_timeout_s=answer_s
        )
        if self._client is None:
            self.emitting = False
            return
        try:
            self._collect_static_facets()
        except Exception as exc:
            log.warning("lineage: could not collect run facets: %s", exc)
        self._send(RunState.START)

    def complete(self) -> None:
        """Send COMPLETE with every facet."""
        self._finish(RunState.COMPLETE, None)

    def fail(self, exc: BaseException) -> None:
        """Send FAIL (ABORT for ``KeyboardInterrupt``) with an ``errorMessage`` facet."""
        kind = RunState.ABORT if isinstance(exc, KeyboardInterrupt) else RunState.FAIL
        self._finish(kind, exc)

    def __enter__(self) -> TrainingRun:
        self._token = _current.set(self)
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc is None or (isinstance(exc, SystemExit) and exc.code in (0, None)):
                self.complete()
            else:
                self.fail(exc)
        finally:
            if self._token is not None:
                _current.reset(self._token)
                self._token = None

    # ----------------------------------------------------------------- internals
    def _collect_static_facets(self) -> None:
        parent = parent_facet(self._parent_arg, self._root_arg)
        if parent is not None:
            self._static_facets["parent"] = parent
        self._static_facets["ml_codeVersion"] = probes.code_version(self._entry_point)
        self._probe_mlflow()

    def _probe_mlflow(self) -> None:
        if not self.emitting:
            return
        found = probes.active_mlflow_run(self._mlflow)
        if found is not None:
            self._mlflow = found

    def _finish(self, kind: RunState, exc: BaseException | None) -> None:
        self.state = {"COMPLETE": "COMPLETED", "FAIL": "FAILED", "ABORT": "ABORTED"}[kind.value]
        if not self.emitting:
            return
        self._probe_mlflow()
        sent = self._send(kind, error=None if exc is None else _error_facet(exc))
        if sent is not None and self._client is not None and self._client_arg is None:
            try:
                self._client.close(timeout=self._timeout_s)
            except Exception as close_exc:
                log.debug("lineage: closing the client failed: %s", close_exc)

    def run_facets(self) -> dict[str, Any]:
        """The run facets as they would be sent now."""
        facets: dict[str, Any] = dict(self._static_facets)
        facets["ml_environment"] = probes.environment(self.device)
        if self.params:
            facets["ml_hyperparameters"] = MLHyperparametersRunFacet(
                parameters=dict(self.params),
                configHash=config_hash(self.params),
                producer=PRODUCER,
            )
        if self.metrics:
            facets["ml_metrics"] = MLMetricsRunFacet(
                metrics=dict(self.metrics),
                series={name: s.summary() for name, s in self.series.items()},
                producer=PRODUCER,
            )
        if self._mlflow is not None:
            facets["ml_mlflow"] = self._mlflow
        return facets

    def build_event(self, kind: RunState, error: Any = None) -> RunEvent:
        """The OpenLineage ``RunEvent`` for ``kind`` with the current state of the run."""
        run_facets = self.run_facets()
        if error is not None:
            run_facets["errorMessage"] = error
        job_type = job_type_job.JobTypeJobFacet(
            processingType="BATCH", integration="LINEAGE_ML", jobType="TRAINING", producer=PRODUCER
        )
        return RunEvent(
            eventType=kind,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=self.run_id, facets=run_facets),
            job=Job(namespace=self.namespace, name=self.name, facets={"jobType": job_type}),
            inputs=list(self.inputs),
            outputs=list(self.outputs),
            producer=PRODUCER,
        )

    def _send(self, kind: RunState, error: Any = None) -> bool | None:
        """Send START in the background (training does not wait for the collector's durable
        write) and a final event after it, waiting at most the emit deadline for both."""
        try:
            event = self.build_event(kind, error)
        except Exception as exc:
            log.warning("lineage: could not build the %s event: %s", kind.value, exc)
            return False
        if self._client is None or self._emit_deadline_s is None:
            return safe_emit(self._client, event)
        sending = Sending(self._client, event, after=self._start_sending)
        if kind == RunState.START:
            self._start_sending = sending
            return None
        return sending.wait(self._emit_deadline_s)


def training_run(name: str, **kwargs: Any) -> TrainingRun:
    """Context manager for one training run; keyword arguments as :class:`TrainingRun`.

    >>> with training_run("churn-model", namespace="ml") as run:  # doctest: +SKIP
    ...     run.log_params({"model": {"C": 1.0}})
    ...     run.log_metric("auc", 0.91, step=3)
    """
    return TrainingRun(name, **kwargs)


P = ParamSpec("P")
R = TypeVar("R")


@overload
def track_training(name: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def track_training(
    name: str | None = None, /, **kwargs: Any
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def track_training(name: Any = None, /, **kwargs: Any) -> Any:
    """Decorator form: each call of the function is one training run.

    ``@track_training`` names the job after the function's qualified name;
    ``@track_training("churn-model", namespace="ml", inputs=[...])`` names it explicitly.
    Inside the function, :func:`current_run` returns the run.
    """

    def decorate(fn: Callable[P, R], job_name: str | None) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **fn_kwargs: P.kwargs) -> R:
            with TrainingRun(job_name or fn.__qualname__, **kwargs):
                return fn(*args, **fn_kwargs)

        return wrapper

    if callable(name):
        return decorate(name, None)
    return lambda fn: decorate(fn, name)
