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


class Tag(Answer):
    """A tag on a node: set by a `tags` facet (its source, e.g. USER, DBT) or the API."""

    key: Annotated[str, Meta(description="The tag's key (a Marquez tag's name)")]
    value: Annotated[str | None, Meta(description="The tag's value, if it has one")]
    source: Annotated[
        str | None, Meta(description="Who set it: API, USER, INTEGRATION, DBT..., or null")
    ]


Tags = Annotated[
    list[Tag], Meta(description="The node's own tags (not inherited along lineage), by key")
]


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
    tags: Tags = []


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
    nodes: Annotated[list[WalkNode], Meta(description="Nearest first (by depth, then id)")]
    edges: Annotated[list[Edge], Meta(description="By the ids of `from`, then `to`")]
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
    tag_details: Tags
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
    tags: Tags = []


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
    ordinal_position: Annotated[
        int | None, Meta(description="Its position in the schema (1-indexed), if sent")
    ] = None


class Catalog(Answer):
    """The catalog a dataset is registered in (the `catalog` facet)."""

    framework: Annotated[str | None, Meta(description="iceberg, hive, unity...")]
    type: str | None
    name: str | None
    metadata_uri: str | None
    warehouse_uri: str | None
    source: str | None


class DatasetType(Answer):
    """What kind of dataset it is (the `datasetType` facet)."""

    dataset_type: Annotated[str | None, Meta(description="TABLE, VIEW, STREAM, MODEL...")]
    sub_type: str | None


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
    tag_details: Tags = []
    source_name: Annotated[
        str | None, Meta(description="The dataSource facet's name (a /sources entry)")
    ] = None
    quality: Annotated[
        QualitySummary | None, Meta(description="Data quality, when any result was sent")
    ] = None
    catalog: Annotated[Catalog | None, Meta(description="The catalog facet")] = None
    dataset_type: Annotated[DatasetType | None, Meta(description="The datasetType facet")] = None


QualityStatus = Literal["passing", "warning", "failing"]


class QualityResult(Answer):
    """One data-quality result: an assertion on a dataset or a test of a run."""

    origin: Annotated[
        Literal["assertion", "test"],
        Meta(description="dataQualityAssertions (on a dataset) or the test run facet"),
    ]
    test: Annotated[str | None, Meta(description="The test's name, if sent")]
    assertion: Annotated[str | None, Meta(description="What is checked: not_null, unique...")]
    column: Annotated[str | None, Meta(description="The column checked; null: the dataset")]
    success: Annotated[bool | None, Meta(description="Passed; null for a skipped test")]
    severity: Annotated[str | None, Meta(description="error, warn or what the producer sent")]
    expected: str | None
    actual: str | None
    description: str | None
    dataset: Annotated[Name | None, Meta(description="The dataset checked (null for a test)")]
    version: Annotated[
        str | None, Meta(description="The dataset version checked (sent or newest by then)")
    ]
    run_id: Annotated[str | None, Meta(description="The run that reported it")]
    checked_at: Annotated[TimeStr, Meta(description="The eventTime that reported it")]


class QualityMetrics(Answer):
    """A dataQualityMetrics facet: what one run measured of a dataset."""

    version: str | None
    run_id: str | None
    measured_at: TimeStr
    row_count: int | None
    bytes: int | None
    file_count: int | None
    column_metrics: Annotated[
        dict[str, Any], Meta(description="Per column: nullCount, distinctCount, min, max...")
    ]


class QualitySummary(Answer):
    """A dataset's data quality now: the newest result of each of its assertions."""

    status: Annotated[
        QualityStatus,
        Meta(
            description="failing: an assertion of severity error (or none given) failed in "
            "the latest results; warning: only lower-severity ones failed; else passing"
        ),
    ]
    checked_at: Annotated[
        TimeStr, Meta(description="The eventTime of the newest result or metrics")
    ]
    assertions: Annotated[
        list[QualityResult], Meta(description="The newest result of each assertion")
    ]
    metrics: Annotated[QualityMetrics | None, Meta(description="The newest metrics")]


class QualityHistory(Page):
    """A dataset's data quality: the summary and every result, newest first."""

    dataset: Name
    summary: QualitySummary | None
    results: list[QualityResult]
    metrics: Annotated[list[QualityMetrics], Meta(description="Newest first, same page")]


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


class ProcessingEngine(Answer):
    """What ran the job (the `processing_engine` facet)."""

    name: Annotated[str | None, Meta(description="Spark, Airflow, dbt...")]
    version: str | None
    openlineage_adapter_version: str | None


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
    tags: Tags = []
    quality: Annotated[
        list[QualityResult], Meta(description="The data-quality results this run reported")
    ] = []
    processing_engine: Annotated[
        ProcessingEngine | None, Meta(description="The processing_engine facet")
    ] = None
    environment_variables: Annotated[
        list[str],
        Meta(description="Names of the environmentVariables facet; values never shown"),
    ] = []
    parameters: Annotated[
        dict[str, str | None], Meta(description="The executionParameters facet, key -> value")
    ] = {}


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


class JobDependency(Answer):
    """A current job-to-job edge at this job: `upstream` comes before `downstream`."""

    upstream: NodeIdStr
    downstream: NodeIdStr
    upstream_run_id: Annotated[str | None, Meta(description="The upstream run, if named")]
    downstream_run_id: Annotated[str | None, Meta(description="The downstream run, if named")]
    dependency_type: Annotated[
        str | None, Meta(description="jobDependencies' dependency_type: DIRECT_INVOCATION...")
    ]
    sequence_trigger_rule: Annotated[
        str | None, Meta(description="FINISH_TO_START, FINISH_TO_FINISH, START_TO_START")
    ]
    status_trigger_rule: Annotated[
        str | None, Meta(description="EXECUTE_EVERY_TIME, EXECUTE_ON_SUCCESS...")
    ]
    trigger_rule: Annotated[
        str | None, Meta(description="The downstream run's trigger_rule: ALL_SUCCESS...")
    ]
    via: Annotated[
        NodeIdStr | None,
        Meta(description="The temporary dataset that is the only link, for such an edge"),
    ]


class SourceCodeLocation(Answer):
    """Where the job's code lives (the `sourceCodeLocation` facet)."""

    type: Annotated[str | None, Meta(description="git, ...")]
    url: str | None
    repo_url: str | None
    path: str | None
    version: str | None
    tag: str | None
    branch: str | None
    pull_request_number: str | None


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
    tag_details: Tags = []
    dependencies: Annotated[
        list[JobDependency],
        Meta(description="Job-to-job lineage: the jobs this one follows or triggers"),
    ] = []
    source_code_location: Annotated[
        SourceCodeLocation | None, Meta(description="The sourceCodeLocation facet")
    ] = None


class Jobs(Page):
    """Jobs of a namespace by name."""

    jobs: list[Job]


class Events(Page):
    """Raw OpenLineage events by eventTime, each exactly as it was received."""

    events: Annotated[list[msgspec.Raw], Meta(description="The events' JSON, byte for byte")]


# --- ML models ---------------------------------------------------------------------------------

ParamValue = Annotated[Any, Meta(description="A hyperparameter's value, as the run logged it")]


class ModelVersion(Answer):
    """A version of a model: the model artifact one training run wrote."""

    version: Annotated[str | None, Meta(description="The version the run gave it")]
    run_id: Annotated[str, Meta(description="The training run that wrote it")]
    run_state: Annotated[str, Meta(description="State of that run")]
    uri: Annotated[str | None, Meta(description="Where the artifact was written")]
    sha256: str | None
    size_bytes: Annotated[int, Meta(ge=0)] | None
    framework: Annotated[str | None, Meta(examples=["sklearn"])]
    flavor: str | None
    registered_name: Annotated[str | None, Meta(description="Name in a model registry")]
    created_at: TimeStr


class RunOutcome(Answer):
    """The newest training run of a model, whatever its outcome."""

    id: str
    state: str
    error_message: Annotated[str | None, Meta(description="The errorMessage facet's message")]


class ModelSummary(Answer):
    """A model as the list shows it."""

    namespace: str
    name: str
    node_id: NodeIdStr
    version_count: Annotated[int, Meta(ge=0)]
    latest_version: Annotated[
        ModelVersion | None, Meta(description="Newest version whose run did not fail or abort")
    ]
    metrics: Annotated[
        dict[str, float | None], Meta(description="Final metrics of the latest version's run")
    ]
    last_training_run: RunOutcome | None


class TrainedRun(Answer):
    """The training run of a model version, with its parameters and final metrics."""

    id: str
    state: str
    job_namespace: str
    job_name: str
    started_at: TimeStr | None
    ended_at: TimeStr | None
    hyperparameters: Annotated[dict[str, ParamValue], Meta(description="Dotted key -> value")]
    metrics: Annotated[dict[str, float | None], Meta(description="Metric name -> final value")]


class TrainedVersion(Answer):
    """A model version trained on a dataset, directly or through intermediate datasets."""

    namespace: str
    name: str
    node_id: NodeIdStr
    version: str | None
    uri: str | None
    framework: str | None
    created_at: TimeStr
    hops: Annotated[
        int, Meta(ge=0, description="Fewest intermediate datasets between dataset and run")
    ]
    training_run: TrainedRun


class ModelList(Answer, omit_defaults=True, kw_only=True):
    """Models with their latest version (`models`), or, when asked with `dataset`, the model
    versions trained on that dataset (`dataset` and `modelVersions`)."""

    dataset: Annotated[
        NodeIdStr | msgspec.UnsetType, Meta(description="The dataset asked for, if any")
    ] = msgspec.UNSET
    models: Annotated[
        list[ModelSummary] | msgspec.UnsetType, Meta(description="Without `dataset`: by name")
    ] = msgspec.UNSET
    model_versions: Annotated[
        list[TrainedVersion] | msgspec.UnsetType,
        Meta(description="With `dataset`: newest first"),
    ] = msgspec.UNSET
    total_count: Annotated[int, Meta(ge=0, description="How many there are in all pages")]


class SeriesPoint(Struct, gc=False):
    """One logged point of a metric."""

    step: int
    value: float | None


class SeriesSummary(Answer):
    """What a run's series of one metric adds up to."""

    count: Annotated[int, Meta(ge=0)]
    min: float | None
    max: float | None
    first: float | None
    last: float | None
    last_step: int | None


class MetricValue(Answer):
    """A metric's final value and the summary of its series (null when it logged none)."""

    value: float | None
    series: SeriesSummary | None


class CodeVersion(Answer):
    """The code a training run ran (the ML code-version facet)."""

    git_commit: str | None
    git_branch: str | None
    dirty: bool | None
    repo_url: str | None
    entry_point: str | None


class MlflowRun(Answer):
    """The MLflow run a training run mirrors."""

    run_id: str | None
    experiment_id: str | None
    experiment_name: str | None
    tracking_uri: str | None


class TrainingInput(Answer):
    """A dataset a training run read, with its role."""

    namespace: str
    name: str
    node_id: NodeIdStr
    role: Annotated[str | None, Meta(examples=["train", "validation"])]
    dataset_version: str | None
    row_count: Annotated[int, Meta(ge=0)] | None


class TrainingRun(Answer):
    """A run's training metadata: parameters, metrics and series, code, environment, inputs."""

    id: str
    state: str
    job_namespace: str
    job_name: str
    started_at: TimeStr | None
    ended_at: TimeStr | None
    error_message: str | None
    config_hash: Annotated[str | None, Meta(description="Hash of the run's configuration")]
    hyperparameters: Annotated[dict[str, ParamValue], Meta(description="Dotted key -> value")]
    metrics: Annotated[dict[str, MetricValue], Meta(description="Names sorted")]
    series: Annotated[
        dict[str, list[SeriesPoint]], Meta(description="Metric name -> its points, as logged")
    ]
    code_version: CodeVersion | None
    environment: Annotated[
        dict[str, Any] | None, Meta(description="The ML environment facet, as sent")
    ]
    mlflow: MlflowRun | None
    inputs: list[TrainingInput]


class ModelUpstream(Answer):
    """Everything upstream of a model in the current graph."""

    nodes: Annotated[list[WalkNode], Meta(description="By depth, then id")]
    edges: Annotated[list[Edge], Meta(description="By from, then to")]
    truncated: bool


class Model(Answer):
    """A model with its versions, the run that trained its latest version and its upstream."""

    namespace: str
    name: str
    node_id: NodeIdStr
    versions: Annotated[list[ModelVersion], Meta(description="Newest first")]
    latest_version: ModelVersion | None
    training_run: Annotated[TrainingRun | None, Meta(description="The run of the latest version")]
    last_training_run: RunOutcome | None
    upstream: ModelUpstream


class RunRef(Answer):
    """A training run compared."""

    id: str
    job_namespace: str
    job_name: str
    state: str
    config_hash: str | None


class ParamChange(Struct, gc=False):
    """A hyperparameter in both runs, with different values."""

    a: ParamValue
    b: ParamValue


class ParamDiff(Answer):
    """Hyperparameters of run b against run a."""

    added: Annotated[dict[str, ParamValue], Meta(description="Only in b")]
    removed: Annotated[dict[str, ParamValue], Meta(description="Only in a")]
    changed: dict[str, ParamChange]
    unchanged_count: Annotated[int, Meta(ge=0)]


class MetricChange(Struct, gc=False):
    """A final metric value in both runs; `delta` = b - a (null if either is null)."""

    a: float | None
    b: float | None
    delta: float | None


class MetricDiff(Answer):
    """Final metric values of run b against run a."""

    added: Annotated[dict[str, float | None], Meta(description="Only in b")]
    removed: Annotated[dict[str, float | None], Meta(description="Only in a")]
    common: dict[str, MetricChange]


class SeriesPair(Struct, gc=False):
    """One metric's points in each run."""

    a: list[SeriesPoint]
    b: list[SeriesPoint]


class RunComparison(Answer):
    """Two training runs side by side: configuration, final metrics and series."""

    a: RunRef
    b: RunRef
    same_config: Annotated[bool, Meta(description="Both runs have the same configHash")]
    hyperparameters: ParamDiff
    metrics: MetricDiff
    series: Annotated[dict[str, SeriesPair], Meta(description="Metric name -> both series")]


class RunSeries(Answer):
    """Each metric of a training run: final value and logged points, names sorted."""

    run_id: str
    job_namespace: str
    job_name: str
    state: str
    metrics: dict[str, MetricValue]
    series: Annotated[dict[str, list[SeriesPoint]], Meta(description="Metric name -> points")]


# --- schema-change impact ----------------------------------------------------------------------

ImpactClassName = Literal["breaking", "possibly"]
ImpactClass = Annotated[
    ImpactClassName,
    Meta(description="breaking: a derivation uses the column; possibly: an indirect use"),
]
ChangeKind = Literal["drop_column", "rename_column", "change_type", "drop_dataset"]
Coverage = Literal["column", "sql", "schema", "dataset", "unknown"]


class ImpactChange(Answer, omit_defaults=True):
    """A proposed change, with only the keys that apply to its kind."""

    kind: ChangeKind
    column: Annotated[str | None, Meta(description="Absent for drop_dataset")] = None
    new_name: Annotated[str | None, Meta(description="rename_column only")] = None
    new_type: Annotated[str | None, Meta(description="change_type only")] = None


class ImpactTarget(Answer):
    """A dataset and the changes proposed for it."""

    dataset: NodeIdStr
    changes: list[ImpactChange]


class ImpactSummary(Answer):
    """How many downstream datasets each class holds."""

    breaking: Annotated[int, Meta(ge=0)]
    possibly: Annotated[int, Meta(ge=0)]


class ImpactField(Answer):
    """A downstream field fed by an affected column (column lineage)."""

    name: str
    from_: Annotated[list[FieldIdStr], Meta(description="The affected fields feeding it")] = (
        msgspec.field(name="from")
    )
    via: Annotated[
        list[str], Meta(description="Transformations, TYPE/SUBTYPE", examples=[["DIRECT/IDENTITY"]])
    ]
    id: FieldIdStr
    class_: ImpactClass = msgspec.field(name="class")


class ImpactItem(Answer):
    """A downstream dataset affected by the changes, merged over every path and change."""

    id: NodeIdStr
    kind: NodeKind
    class_: ImpactClass = msgspec.field(name="class")
    coverage: Annotated[Coverage, Meta(description="The evidence the class rests on")]
    reason: Annotated[str, Meta(description="Why, in words")]
    causes: Annotated[list[str], Meta(description="The changes that reach it, described")]
    columns: Annotated[
        list[str] | None, Meta(description="Its affected columns; null: the whole dataset")
    ]
    fields: list[ImpactField]
    path: Annotated[list[NodeIdStr], Meta(description="A shortest path from the target")]


class ImpactJob(Answer):
    """A job (or DAG) on the impact paths, with its newest run."""

    id: NodeIdStr
    parent: NodeIdStr | None
    latest_run: LatestRun | None


class Owner(Answer):
    """An owner from the `ownership` facet of a node on the impact paths."""

    name: str
    type: str
    of: NodeIdStr


class ImpactReport(Answer):
    """Breaking and possibly affected downstream datasets of proposed schema changes, with the
    jobs, DAGs, models and owners on the way."""

    targets: list[ImpactTarget]
    summary: ImpactSummary
    items: Annotated[list[ImpactItem], Meta(description="Breaking first, then by path length")]
    jobs: list[ImpactJob]
    dags: Annotated[list[ImpactJob], Meta(description="Parent jobs of the jobs on the way")]
    models: Annotated[list[NodeIdStr], Meta(description="ML models among the affected")]
    owners: list[Owner]
    warnings: list[str]
