"""Give every task a fresh hook-lineage collector when tasks share one process.

In a deployed Airflow each task instance runs in its own process, so the hook-lineage collector
(a process-wide singleton that records the SQL a hook ran) starts empty for every task.
``airflow dags test`` runs all tasks of a DAG run in ONE process and never empties it, so the
OpenLineage provider would report the SQL of earlier tasks again as child query jobs of later
tasks: false lineage. This plugin's listener empties the collector when a task starts, which
restores the one-task-one-process behaviour. It is harmless in a deployment.
"""

from __future__ import annotations

import logging

from airflow.plugins_manager import AirflowPlugin
from airflow.providers.common.compat.sdk import hookimpl

log = logging.getLogger(__name__)


def reset_hook_lineage_collector() -> None:
    """Empty the process-wide hook-lineage collector, if one was created."""
    from airflow.sdk import lineage

    if lineage.get_hook_lineage_collector.cache_info().currsize == 0:
        return  # not created yet: nothing was collected
    collector = lineage.get_hook_lineage_collector()
    # Re-running the constructor empties every record the collector keeps, whatever they are.
    type(collector).__init__(collector)
    log.debug("hook lineage collector reset")


class TaskIsolationListener:
    """Listener resetting the collector before a task's code runs."""

    @hookimpl(tryfirst=True)
    def on_task_instance_running(self, previous_state, task_instance):
        """Runs first (before the OpenLineage listener builds START), right before ``execute``."""
        reset_hook_lineage_collector()


class LineageTaskIsolationPlugin(AirflowPlugin):
    """Registers :class:`TaskIsolationListener`."""

    name = "lineage_task_isolation"
    listeners = [TaskIsolationListener()]
