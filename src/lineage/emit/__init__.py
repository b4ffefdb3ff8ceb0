"""Client side of lineage for training jobs, built on openlineage-python.

Typical use::

    from lineage.emit import file_input, training_run

    with training_run("churn-model", namespace="ml", inputs=[file_input("features.csv")]) as run:
        run.log_params(cfg)
        run.log_metric("auc", 0.91, step=3)
        run.log_model("model.joblib", framework="sklearn")

Framework adapters live in :mod:`lineage.emit.sklearn_adapter` and
:mod:`lineage.emit.torch_adapter` (imported on demand, so this package never imports a framework).
"""

from lineage.emit.datasets import (
    dataset_id,
    file_input,
    model_dataset,
    output_dataset,
    training_input,
)
from lineage.emit.facets import (
    FACET_KEYS,
    MLCodeVersionRunFacet,
    MLEnvironmentRunFacet,
    MLflowRunFacet,
    MLHyperparametersRunFacet,
    MLInputRoleInputDatasetFacet,
    MLMetricsRunFacet,
    MLModelDatasetFacet,
    schema_url,
)
from lineage.emit.params import config_hash, flatten_params, params_from_omegaconf
from lineage.emit.parent import RunRef, parse_run_ref
from lineage.emit.run import TrainingRun, current_run, track_training, training_run

__all__ = [
    "FACET_KEYS",
    "MLCodeVersionRunFacet",
    "MLEnvironmentRunFacet",
    "MLHyperparametersRunFacet",
    "MLInputRoleInputDatasetFacet",
    "MLMetricsRunFacet",
    "MLModelDatasetFacet",
    "MLflowRunFacet",
    "RunRef",
    "TrainingRun",
    "config_hash",
    "current_run",
    "dataset_id",
    "file_input",
    "flatten_params",
    "model_dataset",
    "output_dataset",
    "params_from_omegaconf",
    "parse_run_ref",
    "schema_url",
    "track_training",
    "training_input",
    "training_run",
]
