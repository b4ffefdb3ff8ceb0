"""A generated lineage estate for the graph benchmark: many layered Airflow-like DAGs of ~1,000
nodes each, plus a few hub tables (written by their own loader jobs) that many DAGs read.

Per DAG: one landing table, `LAYERS` layers of `WIDTH` task jobs, each task writing one table
and reading two tables of the layer before (the first layer reads the landing table and a hub).
The downstream closure of a landing table is its whole DAG (~1,000 nodes); hubs sit upstream.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

LAYERS, WIDTH, HUBS = 9, 55, 20
DS_NS, JOB_NS = "postgres://warehouse.internal:5432", "airflow://prod"
NODES_PER_DAG = 2 + 2 * LAYERS * WIDTH  # landing table, DAG job, tasks, their tables


@dataclass(frozen=True)
class Estate:
    """Sizes of the estate; dataset and job ids are dense ints from 1, as in the store."""

    dags: int

    @property
    def datasets(self) -> int:
        return HUBS + self.dags * (1 + LAYERS * WIDTH)

    @property
    def jobs(self) -> int:
        return HUBS + self.dags * (1 + LAYERS * WIDTH)

    def landing(self, dag: int) -> int:
        """Dataset id of a DAG's landing table (the query roots)."""
        return HUBS + dag * (1 + LAYERS * WIDTH) + 1

    def table(self, dag: int, layer: int, task: int) -> int:
        """Dataset id written by task `task` of layer `layer` (0-based)."""
        return self.landing(dag) + 1 + layer * WIDTH + task

    def dag_job(self, dag: int) -> int:
        """Job id of the DAG itself (the tasks' parent)."""
        return HUBS + dag * (1 + LAYERS * WIDTH) + 1

    def task(self, dag: int, layer: int, task: int) -> int:
        """Job id of one task."""
        return self.dag_job(dag) + 1 + layer * WIDTH + task


def for_nodes(nodes: int) -> Estate:
    """The estate with about `nodes` nodes."""
    return Estate(dags=max(1, round((nodes - 2 * HUBS) / NODES_PER_DAG)))


def datasets(estate: Estate) -> Iterator[tuple[int, str]]:
    """(id, name) of every dataset, in id order."""
    for hub in range(HUBS):
        yield hub + 1, f"shared.dim_hub_{hub}"
    for dag in range(estate.dags):
        yield estate.landing(dag), f"landing.dag_{dag}_raw"
        for layer in range(LAYERS):
            for task in range(WIDTH):
                yield estate.table(dag, layer, task), f"dag_{dag}.l{layer}_t{task}"


def jobs(estate: Estate) -> Iterator[tuple[int, str, int | None]]:
    """(id, name, parent job id) of every job, in id order."""
    for hub in range(HUBS):
        yield hub + 1, f"hub_loader.load_{hub}", None
    for dag in range(estate.dags):
        dag_job = estate.dag_job(dag)
        yield dag_job, f"dag_{dag}", None
        for layer in range(LAYERS):
            for task in range(WIDTH):
                yield estate.task(dag, layer, task), f"dag_{dag}.l{layer}_t{task}", dag_job


def edges(estate: Estate, seed: int = 7) -> Iterator[tuple[int, int, str]]:
    """(job id, dataset id, 'in' | 'out') of every current lineage edge."""
    rng = random.Random(seed)
    for hub in range(HUBS):
        yield hub + 1, hub + 1, "out"
    for dag in range(estate.dags):
        for layer in range(LAYERS):
            for task in range(WIDTH):
                job = estate.task(dag, layer, task)
                if layer == 0:
                    reads = {estate.landing(dag), 1 + (dag + task) % HUBS}
                else:
                    other = rng.randrange(WIDTH)
                    reads = {
                        estate.table(dag, layer - 1, task),
                        estate.table(dag, layer - 1, other),
                    }
                for dataset in sorted(reads):
                    yield job, dataset, "in"
                yield job, estate.table(dag, layer, task), "out"
