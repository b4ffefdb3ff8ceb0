"""The facet readers the writer memoizes: an answer depends on the whole facet, nothing else."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_every_transformation_of_an_input_field_is_an_edge_and_legacy_types_map() -> None:
    def facet(entry: dict[str, Any]) -> dict[str, Any]:
        source = {"namespace": "n", "name": "in", "field": "a"}
        return {"columnLineage": {"fields": {"x": {"inputFields": [source], **entry}}}}

    both = facet({})
    both["columnLineage"]["fields"]["x"]["inputFields"][0]["transformations"] = [
        {"type": "DIRECT", "subtype": "IDENTITY"},
        {"type": "INDIRECT", "subtype": "FILTER", "description": "a > 1"},
    ]
    assert [(e.type, e.subtype, e.description) for e in f.column_edges(both) or ()] == [
        ("DIRECT", "IDENTITY", None),
        ("INDIRECT", "FILTER", "a > 1"),
    ]
    legacy = {
        "IDENTITY": ("DIRECT", "IDENTITY", False),
        "MASKED": ("DIRECT", "TRANSFORMATION", True),
        "INDIRECT": ("INDIRECT", None, False),
        "SUBSTRING": ("DIRECT", "SUBSTRING", False),
    }
    for sent, expected in legacy.items():
        edges = f.column_edges(
            facet({"transformationType": sent, "transformationDescription": "d"})
        )
        assert [(e.type, e.subtype, e.masking, e.description) for e in edges or ()] == [
            (*expected, "d")
        ]
    assert [(e.type, e.subtype) for e in f.column_edges(facet({})) or ()] == [("DIRECT", None)]


_TRANSFORMATION = st.fixed_dictionaries(
    {"type": st.sampled_from(["DIRECT", "INDIRECT", "direct"])},
    optional={"subtype": st.sampled_from(["IDENTITY", "FILTER", "JOIN"]), "masking": st.booleans()},
)
_SOURCE = st.fixed_dictionaries(
    {
        "namespace": st.just("n"),
        "name": st.sampled_from(["in1", "in2"]),
        "field": st.sampled_from(["a", "b"]),
        "transformations": st.lists(_TRANSFORMATION, min_size=1, max_size=4),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(st.sampled_from(["x", "y"]), st.lists(_SOURCE, max_size=3)),
    dataset=st.lists(_SOURCE, max_size=3),
)
def test_column_edges_are_every_distinct_transformation(
    fields: dict[str, list[dict[str, Any]]], dataset: list[dict[str, Any]]
) -> None:
    """One edge per distinct (output field, input field, type, subtype), the first of equals
    kept: none is lost to another transformation of the same input field."""
    facet = {
        "columnLineage": {
            "fields": {out: {"inputFields": sources} for out, sources in fields.items()},
            "dataset": dataset,
        }
    }
    sent = [
        (out, src["name"], src["field"], t["type"].upper(), t.get("subtype"))
        for out, sources in [*fields.items(), ("", dataset)]
        for src in sources
        for t in src["transformations"]
    ]
    edges = f.column_edges(facet) or ()
    assert [(e.out_field, e.in_name, e.in_field, e.type, e.subtype) for e in edges] == list(
        dict.fromkeys(sent)
    )
