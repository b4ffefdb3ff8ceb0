#!/usr/bin/env bash
# Create (or reuse) the cached Airflow virtualenv and print its path on stdout.
#
# The venv lives at ${LINEAGE_AIRFLOW_VENV:-$HOME/.cache/lineage/airflow-venv}. A stamp file
# inside it records a hash of requirements.txt and constraints.txt; the venv is rebuilt only
# when that hash changes (or the venv is broken). Progress goes to stderr so callers can do
#   VENV="$(integrations/airflow/bootstrap.sh)"
# Concurrent callers are serialised with flock.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${LINEAGE_AIRFLOW_VENV:-$HOME/.cache/lineage/airflow-venv}"
PYTHON="${LINEAGE_AIRFLOW_PYTHON:-python3.11}"
REQS="$HERE/requirements.txt"
CONS="$HERE/constraints.txt"

hash_inputs=("$REQS")
[[ -f "$CONS" ]] && hash_inputs+=("$CONS")
want="$(cat "${hash_inputs[@]}" | sha256sum | cut -c1-16)"
stamp="$VENV/.lineage-requirements-hash"

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$VENV/bin/airflow" ]]; then
    echo "$VENV"
    exit 0
fi

echo "bootstrap: building Airflow venv at $VENV (hash $want); this takes a few minutes" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
cons_args=()
[[ -f "$CONS" ]] && cons_args=(--constraint "$CONS")
"$VENV/bin/python" -m pip install --quiet -r "$REQS" "${cons_args[@]}" >&2
"$VENV/bin/airflow" version >/dev/null
echo "$want" >"$stamp"
echo "bootstrap: done" >&2
echo "$VENV"
