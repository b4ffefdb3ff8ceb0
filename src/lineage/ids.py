"""Marquez-style node ids: `dataset:<ns>:<name>`, `job:<ns>:<name>`,
`datasetField:<ns>:<name>:<field>`, `run:<uuid>`.

Namespaces contain ':' (`postgres://db:5432`) and so may names (Pub/Sub), so an id is never
split blindly: the namespace is matched against the namespaces the store knows.
"""

from __future__ import annotations

from collections.abc import Collection

from lineage.errors import BadRequest

NODE_KINDS = ("dataset", "job", "datasetField", "run")
HOW_IDS_LOOK = (
    "node ids look like dataset:<namespace>:<name>, job:<namespace>:<name>, "
    "datasetField:<namespace>:<name>:<field> or run:<uuid>"
)


def format_id(kind: str, namespace: str, name: str, field: str | None = None) -> str:
    """Write a node id."""
    base = f"{kind}:{namespace}:{name}"
    return base if field is None else f"{base}:{field}"


def split(node_id: str) -> tuple[str, str]:
    """(kind, rest) of a node id; 400 when the kind or the rest is missing."""
    kind, sep, rest = node_id.partition(":")
    if not sep or kind not in NODE_KINDS or not rest:
        raise BadRequest(f"malformed nodeId {node_id!r}: {HOW_IDS_LOOK}", field="nodeId")
    return kind, rest


def candidates(rest: str, namespaces: Collection[str]) -> list[tuple[str, str]]:
    """Every (namespace, name) reading of `rest` whose namespace is known, longest first."""
    out = []
    for i, char in enumerate(rest):
        if char == ":" and rest[:i] in namespaces and i + 1 < len(rest):
            out.append((rest[:i], rest[i + 1 :]))
    return sorted(out, key=lambda pair: -len(pair[0]))


def split_field(name_and_field: str) -> tuple[str, str] | None:
    """`<name>:<field>` split at the last ':' (field names rarely hold one)."""
    name, sep, field = name_and_field.rpartition(":")
    return (name, field) if sep and name and field else None
