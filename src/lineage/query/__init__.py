"""The query layer: everything the API and the CLI read, as typed answers.

Dependencies point one way: `lineage.api` and `lineage.cli` -> `lineage.query` (and
`lineage.impact`) -> `lineage.graph` and `lineage.store` -> `lineage.facets` and
`lineage.events`. Nothing here imports FastAPI: the CLI's offline mode runs the same
functions as the server's routes.

- `names`: node ids and namespace + name resolved to graph nodes; suggestions for a typo.
- `params`: query parameters checked once (kinds, times), a 400 naming the parameter.
- `lineage`: directed walks, paths, the Marquez neighbourhood, column lineage, job hierarchy.
- `ml`: ML models, their versions, training runs and their comparison.
- `types`: the typed answers (msgspec Structs), which are also the API's wire models.
"""
