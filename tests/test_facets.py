"""The facet readers the writer memoizes: an answer depends on the whole facet, nothing else."""

from __future__ import annotations

import copy
from dataclasses import replace

from lineage import facets as f

_FIELDS = [
    {"name": "id", "type": "BIGINT"},
    {"name": "address", "type": "STRUCT", "fields": [{"name": "city", "type": "STRING"}]},
]
_COLUMNS = {
    "columnLineage": {
        "fields": {
            "city": {
                "inputFields": [
                    {
                        "namespace": "pg://db",
                        "name": "public.users",
                        "field": "address.city",
                        "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
                    }
                ]
            }
        }
    }
}


def test_schema_hash_follows_the_fields_not_the_object() -> None:
    first = f.schema_hash(_FIELDS)
    assert f.schema_hash(copy.deepcopy(_FIELDS)) == first
    retyped = copy.deepcopy(_FIELDS)
    retyped[1]["fields"][0]["type"] = "VARCHAR"  # a nested type change is a new version
    assert f.schema_hash(retyped) != first
    assert f.schema_hash(_FIELDS) == first  # and does not disturb the remembered answer


def test_column_edges_follow_the_facet_content() -> None:
    edge = f.ColumnEdge(
        out_field="city",
        in_namespace="pg://db",
        in_name="public.users",
        in_field="address.city",
        type="DIRECT",
        subtype="IDENTITY",
        description=None,
        masking=False,
    )
    assert f.column_edges(copy.deepcopy(_COLUMNS)) == (edge,)
    masked = copy.deepcopy(_COLUMNS)
    source = masked["columnLineage"]["fields"]["city"]["inputFields"][0]
    source["transformations"][0]["masking"] = True
    assert f.column_edges(masked) == (replace(edge, masking=True),)
    assert f.column_edges(_COLUMNS) == (edge,)
    assert f.column_edges({"columnLineage": {"_deleted": True}}) is None
