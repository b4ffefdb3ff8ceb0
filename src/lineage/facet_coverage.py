"""What the collector does with each facet: the one registry the coverage table in
docs/facets.md is generated from (`python -m lineage.facet_coverage --write docs/facets.md`).

Each entry names the facet as producers send it (its key and where it sits), the spec
schema it comes from (None for a producer's own facet), how it is handled and the code that
reads it. Every facet, known or not, is also kept as sent: each node's current facets are in
its answer's `facets` (environment variable values redacted), each event in the event log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lineage import facets as f
from lineage import ml_facets
from lineage.store import job_links

Handling = Literal["normalized", "shown", "raw"]
Owner = Literal["dataset", "input", "output", "job", "run"]

HANDLING = {
    "normalized": "normalized and queryable: derived into tables or the graph, filtered or "
    "walked by the routes",
    "shown": "shown: typed fields on the node's detail, read from its current facets",
    "raw": "kept raw: in the node's `facets` and the event log, as sent",
}


@dataclass(frozen=True, slots=True)
class Coverage:
    """One facet and what the collector does with it."""

    key: str
    owner: Owner
    spec: str | None  # the spec's schema file, without `.json`
    handling: Handling
    what: str
    reader: Callable[..., Any] | None = None


def _reader_name(reader: Callable[..., Any] | None) -> str:
    return f"`{reader.__module__}.{reader.__qualname__}`" if reader is not None else ""


FACETS: tuple[Coverage, ...] = (
    # --- datasets
    Coverage("schema", "dataset", "SchemaDatasetFacet", "normalized",
             "schema versions, fields (nested as dotted paths; `ordinalPosition` shown), "
             "impact analysis", f.schema_fields),
    Coverage("columnLineage", "dataset", "ColumnLineageDatasetFacet", "normalized",
             "column edges (DIRECT / INDIRECT, transformations; the dataset-wide `dataset` "
             "list as INDIRECT), `/column-lineage`, impact", f.column_edges),
    Coverage("symlinks", "dataset", "SymlinksDatasetFacet", "normalized",
             "aliases: every identity resolves to one dataset", f.symlinks),
    Coverage("lifecycleStateChange", "dataset", "LifecycleStateChangeDatasetFacet",
             "normalized", "dropped datasets; RENAME merges the previous identity", f.lifecycle),
    Coverage("version", "dataset", "DatasetVersionDatasetFacet", "normalized",
             "dataset versions and which version each run read or wrote", f.dataset_version),
    Coverage("documentation", "dataset", "DocumentationDatasetFacet", "normalized",
             "the dataset's `description`", f.description),
    Coverage("datasetType", "dataset", "DatasetTypeDatasetFacet", "normalized",
             "`MODEL` makes the dataset a model (`kind`); `datasetType` and `subType` shown",
             f.dataset_type),
    Coverage("tags", "dataset", "TagsDatasetFacet", "normalized",
             "tags of the dataset and its fields: `tags` on every answer, `tag=` filters",
             f.tags),
    Coverage("dataQualityAssertions", "input", "DataQualityAssertionsDatasetFacet",
             "normalized", "quality results with their run and dataset version; the dataset's "
             "`quality` status; also read as a dataset facet", f.quality_assertions),
    Coverage("dataQualityMetrics", "input", "DataQualityMetricsInputDatasetFacet",
             "normalized", "quality metrics with their run and dataset version",
             f.quality_metrics),
    Coverage("dataQualityMetrics", "dataset", "DataQualityMetricsDatasetFacet", "normalized",
             "quality metrics with their run and dataset version", f.quality_metrics),
    Coverage("dataSource", "dataset", "DatasourceDatasetFacet", "shown",
             "`sourceName` and Marquez's `/sources`"),
    Coverage("catalog", "dataset", "CatalogDatasetFacet", "shown",
             "the dataset's `catalog` (framework, type, name, URIs, source)", f.catalog),
    Coverage("ownership", "dataset", "OwnershipDatasetFacet", "shown",
             "owners in impact reports and the explorer"),
    Coverage("storage", "dataset", "StorageDatasetFacet", "raw", "kept as sent"),
    Coverage("hierarchy", "dataset", "HierarchyDatasetFacet", "raw", "kept as sent"),
    Coverage("lineage", "dataset", "LineageFacet", "raw",
             "kept as sent (the job facet of the same schema is read)"),
    Coverage("subset", "input", "BaseSubsetDatasetFacet", "raw", "kept as sent"),
    Coverage("inputStatistics", "input", "InputStatisticsInputDatasetFacet", "raw",
             "kept as sent"),
    Coverage("outputStatistics", "output", "OutputStatisticsOutputDatasetFacet", "raw",
             "kept as sent"),
    Coverage("ml_model", "dataset", None, "normalized",
             "our emitter's model facet: the dataset is a model, with its model answer",
             ml_facets.model),
    Coverage("ml_inputRole", "input", None, "normalized",
             "our emitter's training / evaluation role of an input", ml_facets.input_role),
    # --- jobs
    Coverage("jobType", "job", "JobTypeJobFacet", "normalized",
             "integration, job type, processing type (Marquez's BATCH / STREAM)", f.job_type),
    Coverage("sql", "job", "SQLJobFacet", "normalized", "the job's `sql`", f.sql_query),
    Coverage("lineage", "job", "LineageFacet", "normalized",
             "explicit input -> output pairs instead of every input to every output",
             f.explicit_flows),
    Coverage("documentation", "job", "DocumentationJobFacet", "normalized",
             "the job's `description`", f.description),
    Coverage("sourceCodeLocation", "job", "SourceCodeLocationJobFacet", "shown",
             "`location` (the URL) and `sourceCodeLocation` (repo, path, version, branch, "
             "pullRequestNumber)", f.source_code_location),
    Coverage("tags", "job", "TagsJobFacet", "normalized",
             "the job's tags (the client's configured job tags arrive here)", f.tags),
    Coverage("ownership", "job", "OwnershipJobFacet", "shown",
             "owners in impact reports and the explorer"),
    Coverage("sourceCode", "job", "SourceCodeJobFacet", "raw", "kept as sent"),
    Coverage("dbt_node", "job", None, "raw", "dbt-ol's node facet, kept as sent"),
    # --- runs
    Coverage("parent", "run", "ParentRunFacet", "normalized",
             "parent and root runs, the job hierarchy (DAG -> task -> query)", f.parent),
    Coverage("nominalTime", "run", "NominalTimeRunFacet", "normalized",
             "the run's nominal start and end", f.nominal_times),
    Coverage("errorMessage", "run", "ErrorMessageRunFacet", "normalized",
             "the run's `errorMessage`; failed runs first on the overview", f.error_message),
    Coverage("extractionError", "run", "ExtractionErrorRunFacet", "normalized",
             "`lineageIncomplete` on the job and run", f.lineage_incomplete),
    Coverage("jobDependencies", "run", "JobDependenciesRunFacet", "normalized",
             "job-to-job edges: a downstream walk from a job reaches the jobs it triggers",
             job_links.dependencies),
    Coverage("tags", "run", "TagsRunFacet", "normalized",
             "the run's tags (the client's configured run tags arrive here)", f.tags),
    Coverage("test", "run", "TestRunFacet", "normalized",
             "quality results of the run (dbt's tests)", f.test_results),
    Coverage("processing_engine", "run", "ProcessingEngineRunFacet", "shown",
             "the run's `processingEngine`", f.processing_engine),
    Coverage("executionParameters", "run", "ExecutionParametersRunFacet", "shown",
             "the run's `parameters` (key -> value)", f.execution_parameters),
    Coverage("environmentVariables", "run", "EnvironmentVariablesRunFacet", "shown",
             "names only: values are redacted in every answer, the raw event route's too",
             f.environment_variable_names),
    Coverage("externalQuery", "run", "ExternalQueryRunFacet", "raw", "kept as sent"),
    Coverage("unknownSourceAttribute", "run", None, "normalized",
             "Spark's: `lineageIncomplete` on the job and run", f.lineage_incomplete),
    Coverage("ml_hyperparameters", "run", None, "normalized",
             "our emitter's training parameters", ml_facets.hyperparameters),
    Coverage("ml_metrics", "run", None, "normalized",
             "our emitter's training metrics and their series", ml_facets.metrics),
    Coverage("ml_codeVersion", "run", None, "normalized",
             "our emitter's code version of a training run", ml_facets.code_version),
    Coverage("ml_environment", "run", None, "normalized",
             "our emitter's training environment", ml_facets.environment),
    Coverage("ml_mlflow", "run", None, "normalized",
             "the MLflow run a training run mirrors", ml_facets.mlflow),
    Coverage("airflow", "run", None, "raw", "the Airflow provider's DAG and task, kept as sent"),
    Coverage("airflow_runArgs", "run", None, "raw", "kept as sent"),
    Coverage("dbt_run", "run", None, "raw", "dbt-ol's invocation, kept as sent"),
    Coverage("dbt_version", "run", None, "raw", "kept as sent"),
    Coverage("spark_version", "run", None, "raw", "kept as sent"),
    Coverage("spark.logicalPlan", "run", None, "raw", "kept as sent"),
    Coverage("spark_unknown", "run", None, "raw", "kept as sent"),
)  # fmt: skip


def spec_schemas() -> set[str]:
    """The spec schemas the registry covers."""
    return {c.spec for c in FACETS if c.spec is not None}


START, END = "<!-- facets:start -->", "<!-- facets:end -->"


def markdown_table() -> str:
    """The coverage table, spec facets first, each part by owner and key."""
    order = {"dataset": 0, "input": 1, "output": 2, "job": 3, "run": 4}
    rows = sorted(FACETS, key=lambda c: (c.spec is None, order[c.owner], c.key, c.spec or ""))
    lines = [
        "| facet | on | spec schema | handling | what the collector does | read by |",
        "|---|---|---|---|---|---|",
    ]
    for c in rows:
        lines.append(
            f"| `{c.key}` | {c.owner} | {c.spec or '(producer)'} | {c.handling} | {c.what} "
            f"| {_reader_name(c.reader)} |"
        )
    return "\n".join(lines)


def write(path: Path) -> None:
    """Replace the table between the markers of `path`."""
    text = path.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{markdown_table()}\n{END}{tail}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write(Path(sys.argv[2]))
    else:
        print(markdown_table())
