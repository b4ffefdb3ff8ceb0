"""Print what a collector captured from the example DAGs: jobs, runs, edges, column lineage.

Standard library only. ``python show_lineage.py http://127.0.0.1:5000 [--namespace warehouse]``
"""

from __future__ import annotations

import argparse
import json
import sys
from urllib.parse import quote, urlencode
from urllib.request import urlopen


def get(base: str, path: str, **params) -> dict:
    """GET a JSON document from the collector API."""
    query = f"?{urlencode(params)}" if params else ""
    with urlopen(f"{base}{path}{query}", timeout=10) as response:
        return json.load(response)


def seg(value: str) -> str:
    """One URL path segment."""
    return quote(value, safe="")


def short(ref: dict) -> str:
    """``namespace/name`` shortened for a terminal: the name, plus the scheme of the namespace."""
    scheme = ref["namespace"].split(":", 1)[0]
    return f"{scheme}:{ref['name']}"


def print_tree(base: str, ns: str, children: list[dict], indent: str) -> None:
    """Print a job hierarchy with each job's latest state and its inputs -> outputs."""
    for child in children:
        job = get(base, f"/api/v1/namespaces/{seg(ns)}/jobs/{seg(child['name'])}")
        run = job.get("latestRun") or {}
        state = run.get("state", "-")
        ins = ", ".join(short(d) for d in job["inputs"]) or "-"
        outs = ", ".join(short(d) for d in job["outputs"]) or "-"
        print(f"{indent}{child['name']}  [{state}]")
        print(f"{indent}    reads: {ins}\n{indent}    writes: {outs}")
        if run.get("errorMessage"):
            print(f"{indent}    error: {run['errorMessage']['message']}")
        print_tree(base, ns, child["children"], indent + "    ")


def main(argv: list[str] | None = None) -> int:
    """Print DAG trees and the column lineage of every warehouse table with some."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="collector base URL")
    parser.add_argument("--namespace", default="warehouse", help="Airflow job namespace")
    args = parser.parse_args(argv)
    base, ns = args.url.rstrip("/"), args.namespace

    jobs = get(base, f"/api/v1/namespaces/{seg(ns)}/jobs", limit=1000)["jobs"]
    datasets = set()
    for dag in sorted(j["name"] for j in jobs if not j["parentJobName"]):
        latest = get(base, f"/api/v1/namespaces/{seg(ns)}/jobs/{seg(dag)}").get("latestRun")
        print(f"\nDAG {dag}  [{(latest or {}).get('state', '-')}]")
        tree = get(base, f"/api/v1/jobs/{seg(ns)}/{seg(dag)}/children")
        print_tree(base, ns, tree["children"], "    ")
    for job in jobs:
        datasets.update((d["namespace"], d["name"]) for d in job["outputs"])

    print("\nColumn lineage")
    for dataset_ns, name in sorted(datasets):
        node = f"dataset:{dataset_ns}:{name}"
        graph = get(base, "/api/v1/column-lineage", nodeId=node, depth=1)["graph"]
        for field in graph:
            data = field["data"]
            if data["dataset"] != name or not data["inputFields"]:
                continue
            sources = ", ".join(f"{i['dataset']}.{i['field']}" for i in data["inputFields"])
            print(f"    {name}.{data['field']} <- {sources}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
