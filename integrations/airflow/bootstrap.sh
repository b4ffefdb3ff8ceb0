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
PYTHON="${LINEAGE_AIRFLOW_PYTHON:-$(command -v python3.11 || command -v python3)}"
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
if [[ -e "$VENV" && ! -f "$VENV/pyvenv.cfg" ]]; then
    echo "bootstrap: $VENV exists and is not a virtualenv; refusing to replace it" >&2
    exit 1
fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
cons_args=()
[[ -f "$CONS" ]] && cons_args=(--constraint "$CONS")
log="$VENV.install.log"
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -r "$REQS" \
        "${cons_args[@]}" >"$log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$log" | tail -30 >&2
    echo "bootstrap: pip install failed (full log: $log)" >&2
    exit 1
fi
"$VENV/bin/airflow" version >/dev/null
echo "$want" >"$stamp"
echo "bootstrap: done" >&2
echo "$VENV"
