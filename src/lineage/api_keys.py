"""The API key entry format, shared by the collector (`LINEAGE_API_KEYS`, its keys file) and
the CLI (`--api-key-file`): no web framework imported, so the HTTP-only install can read it.

An entry is `key` (read and write), `key:read` or `key:write`; entries are separated by commas
or lines, and a line starting with `#` is a comment. Anything else (`ro:READ`, `k: read`,
`:read`, an empty entry between commas, a key listed twice) is refused with InvalidSetting
naming the entry by position, never repeating the secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage.errors import InvalidSetting

READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One configured key and the scopes it grants."""

    secret: bytes
    scopes: frozenset[str]


def parse_key_entries(text: str, *, source: str) -> list[ApiKey]:
    """Keys from comma- or newline-separated entries (`#` starts a comment line).

    Raises InvalidSetting naming the entry (by its position in `source`; the secret is not
    repeated) when it is empty, has a scope other than `read` or `write`, holds whitespace,
    or repeats a key listed before.
    """
    keys: list[ApiKey] = []
    seen: dict[bytes, int] = {}
    position = 0
    for line in text.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        for entry in line.split(","):
            position += 1
            key = _parse_entry(entry.strip(), where=f"{source} entry {position}")
            if key.secret in seen:
                raise InvalidSetting(
                    f"{source} entry {position} repeats the key of entry {seen[key.secret]}",
                    field=source,
                )
            seen[key.secret] = position
            keys.append(key)
    return keys


def _parse_entry(entry: str, *, where: str) -> ApiKey:
    if not entry:
        raise InvalidSetting(f"{where} is empty", field=where.split()[0])
    secret, colon, scope = entry.partition(":")
    problem = None
    if any(c.isspace() for c in entry):
        problem = "holds whitespace"
    elif not secret:
        problem = "has no key before ':'"
    elif colon and scope not in SCOPES:
        problem = f"has scope {scope!r}; a scope is 'read' or 'write' (or none for both)"
    if problem is not None:
        raise InvalidSetting(f"{where} {problem}", field=where.split()[0])
    return ApiKey(secret.encode(), frozenset({scope}) if colon else frozenset(SCOPES))
