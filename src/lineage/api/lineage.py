"""Lineage routes: our directed upstream / downstream / path / hierarchy queries and
Marquez's `/lineage` and `/column-lineage`. Each names its node by `nodeId` or by
`namespace` + `name`; the answers come from `lineage.query` and are encoded as they are."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from lineage import ids
from lineage.api.deps import ConnDep, EngineDep, GraphDep
from lineage.api.paths import restore
from lineage.api.wire import StructResponse, typed
from lineage.graph import LineageGraph
from lineage.query import lineage as q
from lineage.query import names, params
from lineage.query import tags as tagging
from lineage.query import types as t
from lineage.store.db import unavailable_as_503

router = APIRouter(tags=["lineage"])

NodeIdQuery = Annotated[
    str | None,
    Query(
        alias="nodeId",
        description="dataset:<ns>:<name> or job:<ns>:<name> (or give namespace and name)",
    ),
]
NamespaceQuery = Annotated[
    str | None, Query(description="The node's namespace (with name, instead of nodeId)")
]
NameQuery = Annotated[
    str | None, Query(description="The node's name (with namespace, instead of nodeId)")
]
TypeQuery = Annotated[
    Literal["DATASET", "JOB", "dataset", "job"] | None,
    Query(description="With namespace + name: which kind of node (default: dataset, then job)"),
]
Depth = Annotated[int | None, Query(ge=0, le=10_000, description="Hops; default unlimited.")]
TagQuery = Annotated[
    str | None,
    Query(description="KEY or KEY:VALUE: keep the root and the nodes carrying that tag"),
]
MarquezDepth = Annotated[int, Query(ge=0, le=100, description="Hops in either direction")]

_WALK_EXAMPLE = {
    "root": "dataset:warehouse:raw.orders",
    "direction": "downstream",
    "nodes": [
        {
            "id": "dataset:warehouse:raw.orders",
            "type": "DATASET",
            "kind": "dataset",
            "namespace": "warehouse",
            "name": "raw.orders",
            "dropped": False,
            "lineageIncomplete": False,
            "parent": None,
            "depth": 0,
            "tags": [{"key": "pii", "value": "true", "source": "USER"}],
        },
        {
            "id": "job:airflow:etl.load_orders",
            "type": "JOB",
            "kind": "job",
            "namespace": "airflow",
            "name": "etl.load_orders",
            "dropped": False,
            "lineageIncomplete": False,
            "parent": "job:airflow:etl",
            "depth": 1,
            "tags": [],
        },
    ],
    "edges": [{"from": "dataset:warehouse:raw.orders", "to": "job:airflow:etl.load_orders"}],
    "truncated": False,
    "incomplete": False,
    "asOf": None,
}


def root_of(
    graph: LineageGraph,
    node_id: str | None,
    namespace: str | None,
    name: str | None,
    type_: str | None = None,
) -> int:
    """The node a lineage route is asked about."""
    return names.resolve(graph, node_id, namespace, name, type_)


# --- directed queries --------------------------------------------------------------------------


def _directed_route(downstream: bool) -> object:
    def route(
        graph: GraphDep,
        engine: EngineDep,
        node_id: NodeIdQuery = None,
        namespace: NamespaceQuery = None,
        name: NameQuery = None,
        type: TypeQuery = None,
        depth: Depth = None,
        as_of: Annotated[
            str | None, Query(description="RFC 3339 time: lineage as it was then.")
        ] = None,
        kinds: Annotated[
            str | None, Query(description="Comma list of dataset, job, model: nodes kept.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1_000_000, description="Most nodes")] = 100_000,
        tag: TagQuery = None,
    ) -> StructResponse:
        wanted = params.kinds(kinds)
        at = params.time(as_of, "as_of")
        tagged = tagging.parse(tag)
        root = root_of(graph, node_id, namespace, name, type)
        if at is None:
            answer = q.directed(
                graph, root, downstream=downstream, depth=depth, kinds=wanted, limit=limit
            )
        with unavailable_as_503("reading lineage history"), engine.connect() as conn:
            if at is not None:
                answer = q.directed_as_of(
                    graph, conn, root, downstream=downstream, depth=depth, kinds=wanted, at=at
                )
            tagging.walk(conn, answer, tagged)
        return StructResponse(answer)

    route.__doc__ = (
        f"Every node {'downstream' if downstream else 'upstream'} of a node, breadth first, "
        "with the edges between them; `as_of` answers from the edge history."
    )
    return route


for _downstream, _word in ((True, "Downstream"), (False, "Upstream")):
    router.add_api_route(
        f"/lineage/{_word.lower()}",
        _directed_route(_downstream),  # type: ignore[arg-type]
        methods=["GET"],
        summary=f"{_word} closure",
        **typed(t.DirectedLineage, 400, 404, example=_WALK_EXAMPLE),
    )


@router.get(
    "/lineage/path", summary="Lineage paths between two nodes", **typed(t.LineagePaths, 400, 404)
)
def lineage_path(
    graph: GraphDep,
    source: Annotated[str, Query(alias="from", description="Node id where paths start")],
    target: Annotated[str, Query(alias="to", description="Node id where paths end")],
    limit: Annotated[int, Query(ge=1, le=100, description="Most paths")] = 10,
) -> StructResponse:
    """Shortest downstream paths from `from` to `to` (tries the reverse direction too)."""
    a, b = names.resolve(graph, source, field="from"), names.resolve(graph, target, field="to")
    return StructResponse(q.paths(graph, a, b, limit=limit))


# --- Marquez-compatible ------------------------------------------------------------------------


@router.get(
    "/lineage",
    summary="Marquez-style lineage neighbourhood",
    **typed(t.Neighbourhood, 400, 404),
)
def lineage(
    graph: GraphDep,
    conn: ConnDep,
    node_id: NodeIdQuery = None,
    namespace: NamespaceQuery = None,
    name: NameQuery = None,
    type: TypeQuery = None,
    depth: MarquezDepth = 20,
) -> StructResponse:
    """Every node within `depth` hops in either direction, with in/out edges (Marquez shape)."""
    root = root_of(graph, node_id, namespace, name, type)
    return StructResponse(q.neighbourhood(graph, conn, root, depth=depth))


@router.get(
    "/column-lineage", summary="Marquez-style column lineage", **typed(t.ColumnLineage, 400, 404)
)
def column_lineage(
    graph: GraphDep,
    node_id: Annotated[
        str | None,
        Query(
            alias="nodeId",
            description="dataset:<ns>:<name> or datasetField:<ns>:<name>:<field>",
        ),
    ] = None,
    namespace: NamespaceQuery = None,
    name: Annotated[str | None, Query(description="The dataset's name (with namespace)")] = None,
    field: Annotated[str | None, Query(description="One field of that dataset")] = None,
    depth: MarquezDepth = 20,
    withDownstream: Annotated[bool, Query(description="Also the fields they feed")] = False,
) -> StructResponse:
    """Fields feeding a dataset's (or one field's) columns, and optionally those they feed."""
    if node_id is None and namespace is not None and name is not None:
        node_id = (
            ids.format_id("dataset", namespace, name)
            if field is None
            else ids.format_id("datasetField", namespace, name, field)
        )
    elif node_id is None:
        names.resolve(graph, None, namespace, name)  # the 400 naming what is missing
    roots = names.resolve_field(graph, str(node_id))
    return StructResponse(
        q.column_lineage(graph, roots, depth=depth, with_downstream=withDownstream)
    )


# --- job hierarchy -----------------------------------------------------------------------------


@router.get(
    "/jobs/{namespace}/{job:path}/children",
    summary="The DAG / task / query hierarchy",
    **typed(t.JobHierarchy, 404),
)
def job_children(graph: GraphDep, conn: ConnDep, namespace: str, job: str) -> StructResponse:
    """Child jobs (recursively, up to 100 levels) with the latest run of each."""
    namespace, job = restore(namespace), restore(job)
    root = graph.find(("job", namespace, job))
    if root is None:
        raise names.not_found(
            graph, f"node {ids.format_id('job', namespace, job)!r}", job, field="job"
        )
    return StructResponse(q.job_hierarchy(graph, conn, root))
