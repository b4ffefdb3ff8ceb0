"""The API key entry format, shared by the collector (`LINEAGE_API_KEYS`, its keys file) and
the CLI (`--api-key-file`): no web framework imported, so the HTTP-only install can read it."""

from __future__ import annotations

from dataclasses import dataclass

READ, WRITE = "read", "write"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One configured key and the scopes it grants."""

    secret: bytes
    scopes: frozenset[str]


def parse_key_entries(text: str) -> list[ApiKey]:
    """Keys from comma- or newline-separated entries; `#` starts a comment line in files."""
    keys = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        for entry in line.split(","):
            entry = entry.strip()
            if not entry:
                continue
            secret, _, scope = entry.rpartition(":")
            if scope in (READ, WRITE) and secret:
                keys.append(ApiKey(secret.encode(), frozenset({scope})))
            else:
                keys.append(ApiKey(entry.encode(), frozenset({READ, WRITE})))
    return keys
