"""The typed answers of the query layer, which are also the API's wire models.

msgspec Structs: the API encodes them as they are (`lineage.api.wire`), the CLI turns them
into plain data with `msgspec.to_builtins`, and `/openapi.json` documents them from the same
definitions (field descriptions included). Python names are snake_case; on the wire they are
camelCase (`rename="camel"`), as every answer of the collector has always been.

Every node of every lineage answer carries the same keys (`NodeFields`), whatever the route.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

NodeIdStr = Annotated[
    str,
    Meta(
        description="Node id: dataset:<namespace>:<name>, job:<namespace>:<name>",
        examples=["dataset:warehouse:public.orders"],
    ),
]
FieldIdStr = Annotated[
    str,
    Meta(
        description="Field id: datasetField:<namespace>:<dataset>:<field>",
        examples=["datasetField:warehouse:public.orders:amount"],
    ),
]
TimeStr = Annotated[str, Meta(description="RFC 3339 time in UTC, with a Z suffix")]
TypeName = Literal["DATASET", "JOB"]
KindName = Literal["dataset", "job", "model"]
NodeType = Annotated[TypeName, Meta(description="Marquez's node type")]
NodeKind = Annotated[
    KindName,
    Meta(description="What the node is: an ML model is a dataset"),
]
Direction = Literal["downstream", "upstream"]


class Answer(Struct, rename="camel", gc=False):
    """Base of every answer: camelCase on the wire, every field always present."""


class NodeFields(Answer):
    """What every answer says about a dataset or job."""

    id: NodeIdStr
    type: NodeType
    kind: NodeKind
    namespace: Annotated[str, Meta(description="The node's namespace")]
    name: Annotated[str, Meta(description="The node's name within its namespace")]
    dropped: Annotated[bool, Meta(description="The dataset was dropped (lifecycleStateChange)")]
    lineage_incomplete: Annotated[
        bool, Meta(description="The job reported that its lineage may be incomplete")
    ]
    parent: Annotated[NodeIdStr | None, Meta(description="The parent job (DAG of a task)")]


class WalkNode(NodeFields):
    """A node of a directed walk, with its distance from the root."""

    depth: Annotated[int, Meta(ge=0, description="Hops from the root")]


class Edge(Answer):
    """A lineage edge: dataset -> job (input) or job -> dataset (output)."""

    from_: Annotated[NodeIdStr, Meta(description="Where the edge starts")] = msgspec.field(
        name="from"
    )
    to: Annotated[NodeIdStr, Meta(description="Where the edge ends")]


class DirectedLineage(Answer):
    """Every node upstream or downstream of a root, and the edges between them."""

    root: Annotated[NodeIdStr, Meta(description="The root, after alias resolution")]
    direction: Direction
    nodes: Annotated[list[WalkNode], Meta(description="Breadth-first order, root first")]
    edges: list[Edge]
    truncated: Annotated[bool, Meta(description="depth or limit cut the walk short")]
    incomplete: Annotated[bool, Meta(description="A job on the way reported incomplete lineage")]
    as_of: Annotated[TimeStr | None, Meta(description="The time asked for, or null for now")]


class LineagePaths(Answer):
    """Shortest lineage paths between two nodes."""

    from_: NodeIdStr = msgspec.field(name="from")
    to: NodeIdStr
    direction: Annotated[
        Direction | None, Meta(description="Which way the paths run; null if none")
    ]
    paths: Annotated[
        list[list[NodeIdStr]], Meta(description="Each path as node ids from `from` to `to`")
    ]


class LatestRun(Answer):
    """The newest run of a job."""

    id: Annotated[str, Meta(description="Run id (UUID)")]
    state: Annotated[str, Meta(description="NEW, RUNNING, COMPLETED, FAILED or ABORTED")]
    started_at: TimeStr | None
    ended_at: TimeStr | None


class MarquezEdge(Answer):
    """An edge of a Marquez-style lineage graph."""

    origin: NodeIdStr
    destination: NodeIdStr


class MarquezField(Answer):
    """A dataset field in Marquez's shape."""

    name: str | None
    type: str | None
    tags: list[str]
    description: str | None


class MarquezRun(Answer):
    """A job's newest run."""

    id: str
    created_at: TimeStr
    updated_at: TimeStr
    nominal_start_time: TimeStr | None
    nominal_end_time: TimeStr | None
    state: str
    started_at: TimeStr | None
    ended_at: TimeStr | None
    duration_ms: int | None


class _LineageData(Answer, tag_field="kind"):
    """What every `/lineage` node's data carries: Marquez's keys (`id` is {namespace, name}
    and `type` Marquez's dataset or job type there) and every other key of `NodeFields`."""

    id: Name
    node_id: NodeIdStr
    name: str
    namespace: str
    created_at: TimeStr
    updated_at: TimeStr
    description: str | None
    tags: Annotated[list[str], Meta(description="Tag names set on the node")]
    facets: Facets
    dropped: bool
    lineage_incomplete: bool
    parent: NodeIdStr | None
    latest_run_state: Annotated[
        str | None, Meta(description="State of the job's newest run; null for datasets")
    ]


class DatasetData(_LineageData, tag="dataset"):
    """A dataset in Marquez's `/lineage` graph (`kind` dataset)."""

    type: Literal["DB_TABLE"]
    physical_name: str
    source_name: Annotated[str | None, Meta(description="dataSource facet's name, or null")]
    fields: list[MarquezField]
    last_modified_at: Annotated[TimeStr | None, Meta(description="Last written by a run")]
    last_lifecycle_state: str | None


class ModelData(DatasetData, tag="model"):
    """An ML model (a dataset of `kind` model) in Marquez's `/lineage` graph."""


class JobData(_LineageData, tag="job"):
    """A job in Marquez's `/lineage` graph (`kind` job)."""

    type: Literal["BATCH", "STREAM"]
    simple_name: str
    parent_job_name: str | None
    inputs: list[Name]
    outputs: list[Name]
    location: str | None
    latest_run: MarquezRun | None


NodeData = DatasetData | ModelData | JobData


class NeighbourhoodEntry(Answer):
    """One node of a Marquez `/lineage` graph."""

    id: NodeIdStr
    type: NodeType
    data: Annotated[NodeData, Meta(description="The full dataset or job, as Marquez has it")]
    in_edges: list[MarquezEdge]
    out_edges: list[MarquezEdge]


class Neighbourhood(Answer):
    """Every node within `depth` hops of the root in either direction (Marquez semantics)."""

    graph: Annotated[list[NeighbourhoodEntry], Meta(description="Nodes sorted by id")]


class InputField(Answer):
    """A field that feeds a column, and how."""

    namespace: str
    dataset: str
    field: str
    transformation_type: Annotated[str, Meta(description="DIRECT or INDIRECT")]
    transformation_subtype: Annotated[
        str | None, Meta(description="IDENTITY, TRANSFORMATION, AGGREGATION, FILTER...")
    ]
    job: Annotated[NodeIdStr, Meta(description="The job whose run reported it")]


class FieldData(Answer):
    """A dataset field in column lineage."""

    namespace: str
    dataset: str
    field: str
    input_fields: list[InputField]


class ColumnNode(Answer):
    """One field of a column-lineage graph."""

    id: FieldIdStr
    type: Literal["DATASET_FIELD"]
    data: FieldData
    in_edges: list[MarquezEdge]
    out_edges: list[MarquezEdge]


class ColumnLineage(Answer):
    """Fields feeding the root's columns (and those they feed, with `withDownstream`)."""

    graph: Annotated[list[ColumnNode], Meta(description="Fields sorted by id")]


class JobRef(Answer):
    """A job by name."""

    namespace: str
    name: str
    node_id: NodeIdStr


class JobTree(Answer):
    """A child job with its newest run and its own children."""

    namespace: str
    name: str
    node_id: NodeIdStr
    latest_run: LatestRun | None
    children: list[JobTree]
    children_truncated: Annotated[
        bool, Meta(description="The hierarchy goes deeper than the answer shows")
    ]


class JobHierarchy(Answer):
    """A job with its child jobs, recursively (DAG -> tasks -> queries)."""

    job: JobRef
    children: list[JobTree]


class SearchHit(Answer):
    """A dataset, job or model whose name or namespace matches the query."""

    type: Literal["DATASET", "JOB", "MODEL"]
    name: str
    namespace: str
    node_id: NodeIdStr
    updated_at: TimeStr | None


class SearchResults(Answer):
    """Search answers: exact matches first, then prefix matches, then the rest."""

    results: list[SearchHit]
    total_count: Annotated[int, Meta(description="Number of results returned")]


# --- entities ----------------------------------------------------------------------------------

Facets = Annotated[
    dict[str, Any], Meta(description="Current facets by name, as the producers sent them")
]


class Page(Answer):
    """Base of every list answer."""

    total_count: Annotated[int, Meta(ge=0, description="How many there are in all pages")]


class Namespace(Answer):
    """A namespace seen in an event (of a job or a dataset)."""

    name: str
    created_at: TimeStr
    updated_at: TimeStr


class Namespaces(Page):
    """Namespaces by name."""

    namespaces: list[Namespace]


class Name(Answer):
    """A dataset or job by namespace and name."""

    namespace: str
    name: str


class SchemaField(Answer):
    """A field of a dataset's schema (nested fields for structs)."""

    name: str | None
    type: str | None
    description: str | None
    fields: list[SchemaField]
    tags: Annotated[list[str], Meta(description="Tag names set on the field")] = []


class Dataset(Answer):
    """A dataset (or an ML model: `kind` says which) with its newest schema and facets."""

    id: Name
    node_id: NodeIdStr
    type: Literal["DATASET"]
    namespace: str
    name: str
    kind: Annotated[str, Meta(description="dataset or model")]
    description: str | None
    is_dropped: bool
    is_deleted: bool
    lifecycle_state: Annotated[str | None, Meta(description="Last lifecycleStateChange")]
    created_at: TimeStr
    updated_at: Annotated[TimeStr, Meta(description="Newest change, version or run output")]
    fields: Annotated[list[SchemaField], Meta(description="The newest recorded schema")]
    facets: Facets
    aliases: Annotated[list[Name], Meta(description="Identities symlinked or renamed to it")]
    producers: Annotated[list[Name], Meta(description="Jobs currently writing it")]
    consumers: Annotated[list[Name], Meta(description="Jobs currently reading it")]
    tags: Annotated[list[str], Meta(description="Tag names set on the dataset")] = []
    source_name: Annotated[
        str | None, Meta(description="The dataSource facet's name (a /sources entry)")
    ] = None


class Datasets(Page):
    """Datasets of a namespace by name."""

    datasets: list[Dataset]


class DatasetVersion(Answer):
    """A schema or data version of a dataset, recorded from a run's output."""

    version: str
    schema_hash: str | None
    fields: list[SchemaField]
    run_id: str | None
    created_at: TimeStr


class DatasetVersions(Page):
    """Versions, newest first."""

    versions: list[DatasetVersion]


class Run(Answer):
    """A run of a job."""

    id: Annotated[str, Meta(description="Run id (UUID)")]
    external_id: Annotated[str | None, Meta(description="The raw id the producer sent")]
    state: str
    job_namespace: str
    job_name: str
    created_at: TimeStr
    updated_at: TimeStr
    started_at: TimeStr | None
    ended_at: TimeStr | None
    duration_ms: int | None
    nominal_start_time: TimeStr | None
    nominal_end_time: TimeStr | None
    parent_run_id: str | None
    root_run_id: str | None
    lineage_incomplete: bool
    error_message: Annotated[Any, Meta(description="The errorMessage run facet")]
    inputs: list[Name]
    outputs: list[Name]
    facets: Facets


class Runs(Page):
    """Runs of a job, newest first."""

    runs: list[Run]


class RunTree(Run):
    """A run with its child runs (task runs of a DAG run, query runs of a task run)."""

    children: list[RunTree] = []
    children_truncated: Annotated[
        bool, Meta(description="The hierarchy goes deeper than the answer shows")
    ] = False


class RunFacets(Answer):
    """The current facets of a run, or of its job."""

    run_id: str
    facets: Facets


class JobType(Answer):
    """The jobType job facet."""

    integration: str | None
    job_type: str | None
    processing_type: str | None


class Job(Answer):
    """A job with its current inputs and outputs, facets and newest run."""

    id: Name
    node_id: NodeIdStr
    type: Literal["JOB"]
    namespace: str
    name: str
    simple_name: Annotated[str, Meta(description="The name without its parent's prefix")]
    parent_job_name: str | None
    parent_job_namespace: str | None
    job_type: JobType | None
    description: str | None
    location: str | None
    sql: str | None
    inputs: list[Name]
    outputs: list[Name]
    lineage_incomplete: bool
    is_deleted: bool
    created_at: TimeStr
    updated_at: Annotated[TimeStr, Meta(description="Newest change or run")]
    latest_run: Run | None
    facets: Facets
    tags: Annotated[list[str], Meta(description="Tag names set on the job")] = []


class Jobs(Page):
    """Jobs of a namespace by name."""

    jobs: list[Job]


class Events(Page):
    """Raw OpenLineage events by eventTime, each exactly as it was received."""

    events: Annotated[list[msgspec.Raw], Meta(description="The events' JSON, byte for byte")]
