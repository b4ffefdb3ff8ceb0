"""The facet readers' memos hold a bounded number of bytes, however large the facets."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from lineage import facets


def _column_lineage(table: int, fields: int) -> dict[str, Any]:
    return {
        "fields": {
            f"out{k}": {
                "inputFields": [
                    {"namespace": "n", "name": f"t{table}", "field": f"c{k}", "transformations": []}
                ]
            }
            for k in range(fields)
        }
    }


def _kept_bytes(memo: facets.JsonMemo[Any], keys: list[bytes]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for key in keys:
            assert memo(key) is memo(key)  # the second call is answered from the memo
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_column_lineage_memo_is_bounded_by_bytes_not_entries() -> None:
    """40 distinct ~90 KB column-lineage facets (~3.6 MB of JSON, ~16 MB once read and kept)
    through the real reader with a 2 MB budget: what stays in memory is within it."""
    keys = [facets.jsonio.dumps(_column_lineage(table, 800)) for table in range(40)]
    budget = 2 << 20
    memo = facets.JsonMemo(facets._read_column_edges, result_factor=3.5, max_bytes=budget)
    kept = _kept_bytes(memo, keys)
    assert memo.held_bytes <= budget
    assert kept <= 1.2 * budget, f"{kept / 2**20:.1f} MB kept"
    unbounded = facets.JsonMemo(facets._read_column_edges, result_factor=3.5, max_bytes=1 << 40)
    assert _kept_bytes(unbounded, keys) > 4 * budget  # the measurement sees what a memo keeps


def test_the_readers_memos_have_the_byte_budget() -> None:
    assert facets._column_edges.max_bytes == facets._schema_hash.max_bytes == facets.MEMO_BYTES
