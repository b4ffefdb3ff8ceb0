#!/usr/bin/env bash
# One-command demo: real Airflow 3 + OpenLineage provider -> lineage collector.
#
#   integrations/airflow/demo.sh [--backend sqlite|postgres]
#
# 1. builds (first time, a few minutes) or reuses the cached Airflow venv (bootstrap.sh);
# 2. starts a collector: `lineage serve` on a free port with a SQLite store in a temp directory;
# 3. runs the example DAGs with `airflow dags test` in an isolated AIRFLOW_HOME;
# 4. prints the captured lineage (DAG -> task -> query tree, states, reads/writes, columns);
# 5. stops the collector. The temp directory (databases, logs, CSVs) is kept and printed.
#
# Env: LINEAGE_DEMO_DATA_DIR (where the features CSV goes), LINEAGE_AIRFLOW_VENV (venv path),
# LINEAGE_BIN (the `lineage` executable; default: the repo's .venv, then PATH).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
LINEAGE="${LINEAGE_BIN:-$REPO/.venv/bin/lineage}"
[[ -x "$LINEAGE" ]] || LINEAGE="$(command -v lineage || true)"
if [[ -z "$LINEAGE" ]]; then
    echo "demo: no 'lineage' executable: install the project (pip install -e .) first" >&2
    exit 1
fi
PY="$REPO/.venv/bin/python"
[[ -x "$PY" ]] || PY="$(command -v python3)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lineage-airflow-demo.XXXXXX")"
echo "demo: working directory $WORK"
bash "$HERE/bootstrap.sh" >/dev/null

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT"
"$LINEAGE" serve --host 127.0.0.1 --port "$PORT" --database-url "sqlite:///$WORK/lineage.db" \
    >"$WORK/collector.log" 2>&1 &
COLLECTOR=$!
trap 'kill "$COLLECTOR" 2>/dev/null || true; wait "$COLLECTOR" 2>/dev/null || true' EXIT

for _ in $(seq 1 150); do
    if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$COLLECTOR" 2>/dev/null; then
        echo "demo: collector exited; log:" >&2
        cat "$WORK/collector.log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "demo: collector at $URL"

echo "demo: running the example DAGs (warehouse_quality fails on purpose)"
"$PY" "$HERE/run_examples.py" --collector-url "$URL" --work-dir "$WORK" "$@"

"$PY" "$HERE/show_lineage.py" "$URL"
echo
echo "demo: features CSV: ${LINEAGE_DEMO_DATA_DIR:-$WORK/data}/customer_features.csv"
echo "demo: browse it again: $LINEAGE serve --database-url sqlite:///$WORK/lineage.db"
