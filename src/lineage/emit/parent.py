"""The ``parent`` run facet: link a training run to the orchestrator task that launched it.

A parent is written as one string ``"<namespace>/<job name>/<run id>"`` -- the form the Airflow
OpenLineage provider's ``lineage_parent_id`` / ``lineage_root_parent_id`` macros render and
dbt-ol reads from ``OPENLINEAGE_PARENT_ID``. The run id is the last segment and the job name the
one before it; whatever precedes them is the namespace (which may itself contain ``/``).

Environment variables read when no explicit ``parent=`` is given:

* ``OPENLINEAGE_PARENT_ID`` -- the direct parent (e.g. the Airflow task run);
* ``OPENLINEAGE_ROOT_PARENT_ID`` -- the root of the hierarchy (e.g. the Airflow DAG run).
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import NamedTuple

from openlineage.client.facet_v2 import parent_run

from lineage.emit.facets import PRODUCER

log = logging.getLogger(__name__)

PARENT_ENV = "OPENLINEAGE_PARENT_ID"
ROOT_PARENT_ENV = "OPENLINEAGE_ROOT_PARENT_ID"


class RunRef(NamedTuple):
    """A reference to another job's run."""

    namespace: str
    name: str
    run_id: str


def parse_run_ref(value: str) -> RunRef:
    """Parse ``"<namespace>/<job>/<runId>"``; raises ``ValueError`` when malformed."""
    parts = value.strip().rsplit("/", 2)
    if len(parts) != 3 or not all(parts):
        msg = f"expected '<namespace>/<job>/<runId>', got {value!r}"
        raise ValueError(msg)
    namespace, name, run_id = parts
    uuid.UUID(run_id)  # raises ValueError for a malformed run id
    return RunRef(namespace, name, run_id)


def _coerce(value: str | RunRef | None, source: str) -> RunRef | None:
    if value is None or isinstance(value, RunRef):
        return value
    try:
        return parse_run_ref(value)
    except ValueError as exc:
        log.warning("ignoring %s: %s", source, exc)
        return None


def parent_facet(
    parent: str | RunRef | parent_run.ParentRunFacet | None = None,
    root: str | RunRef | None = None,
) -> parent_run.ParentRunFacet | None:
    """Build the ``parent`` facet from explicit values, else from the environment.

    A malformed value is logged and ignored; it never raises.
    """
    if isinstance(parent, parent_run.ParentRunFacet):
        return parent
    direct = _coerce(parent, "parent=") if parent is not None else None
    if direct is None and parent is None:
        direct = _coerce(os.environ.get(PARENT_ENV) or None, PARENT_ENV)
    if direct is None:
        return None
    top = _coerce(root, "root=") if root is not None else None
    if top is None and root is None:
        top = _coerce(os.environ.get(ROOT_PARENT_ENV) or None, ROOT_PARENT_ENV)
    return parent_run.ParentRunFacet(
        run=parent_run.Run(runId=direct.run_id),
        job=parent_run.Job(namespace=direct.namespace, name=direct.name),
        root=(
            parent_run.Root(
                run=parent_run.RootRun(runId=top.run_id),
                job=parent_run.RootJob(namespace=top.namespace, name=top.name),
            )
            if top is not None
            else None
        ),
        producer=PRODUCER,
    )
