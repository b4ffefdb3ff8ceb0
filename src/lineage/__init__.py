"""lineage: an OpenLineage collector with a lineage graph, impact analysis and ML metadata."""

__version__ = "0.1.0"
