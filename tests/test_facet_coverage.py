"""The facet coverage table cannot go stale: every facet of the spec has a row in the
registry (`lineage.facet_coverage`), and docs/facets.md is the registry's table.

The spec's facets are those the installed openlineage-python client generates classes for;
a spec bundle (OpenLineage.json with its facet schemas in one file, such as the 2-0-2 bundle
of the OpenLineage repository at commit 8f02abf) is checked too when one is found: the path
in `LINEAGE_SPEC_BUNDLE`, else a `shared/conformance/spec/*.bundle.json` beside a folder
holding the repository."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
from pathlib import Path

import pytest
from openlineage.client import generated
from openlineage.client.generated import base

from lineage import facet_coverage as fc

ROOT = Path(__file__).resolve().parents[1]
_FACET_BASES = (
    base.RunFacet,
    base.JobFacet,
    base.DatasetFacet,
    base.InputDatasetFacet,
    base.OutputDatasetFacet,
)


def _client_schemas() -> set[str]:
    """The spec schema (file name without `.json`) of every facet class the client has."""
    found = set()
    for module_info in pkgutil.iter_modules(generated.__path__):
        module = importlib.import_module(f"{generated.__name__}.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, _FACET_BASES):
                url = cls._get_schema()
                if "/facets/" in url:
                    found.add(url.split("#")[0].rsplit("/", 1)[-1].removesuffix(".json"))
    return found


def _bundle() -> Path | None:
    given = os.environ.get("LINEAGE_SPEC_BUNDLE")
    if given:
        return Path(given)
    for folder in ROOT.parents:
        found = sorted((folder / "shared" / "conformance" / "spec").glob("*.bundle.json"))
        if found:
            return found[-1]
    return None


def test_every_facet_the_client_generates_has_a_row() -> None:
    schemas = _client_schemas()
    assert len(schemas) >= 38
    assert sorted(schemas - fc.spec_schemas()) == []


def test_every_facet_of_the_spec_bundle_has_a_row_under_its_key() -> None:
    path = _bundle()
    if path is None:
        pytest.skip("no OpenLineage spec bundle here (set LINEAGE_SPEC_BUNDLE)")
    bundle = json.loads(path.read_text())
    rows = {(c.spec, c.key) for c in fc.FACETS}
    missing = []
    for file_name, schema in sorted(bundle["facets"].items()):
        spec = file_name.removesuffix(".json")
        missing += [(spec, key) for key in schema.get("properties", {}) if (spec, key) not in rows]
    assert missing == []


def test_docs_table_is_the_registry() -> None:
    """Regenerate with `python -m lineage.facet_coverage --write docs/facets.md`."""
    text = (ROOT / "docs" / "facets.md").read_text()
    assert f"{fc.START}\n{fc.markdown_table()}\n{fc.END}" in text
    assert "docs/facets.md" in (ROOT / "README.md").read_text()


def test_every_row_is_one_facet_and_what_is_read_has_a_reader() -> None:
    keys = [(c.key, c.owner, c.spec) for c in fc.FACETS]
    assert len(keys) == len(set(keys))
    unread = [c.key for c in fc.FACETS if c.handling == "normalized" and c.reader is None]
    assert unread == []
