"""Typed settings, read from `LINEAGE_*` environment variables (and CLI options).

Every setting carries a description: `lineage serve --help` and the README's configuration
table are generated from this one model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lineage.settings_help import HELP


class Settings(BaseSettings):
    """Collector settings. Units are part of the names."""

    model_config = SettingsConfigDict(env_prefix="LINEAGE_", extra="forbid")

    database_url: str = Field("sqlite:///./lineage.db", description=HELP["database_url"])
    host: str = Field("127.0.0.1", description=HELP["host"])
    port: int = Field(5000, description=HELP["port"])
    max_body_bytes: int = Field(
        16 * 1024 * 1024,
        description="Largest request body accepted, measured after gzip decompression.",
    )
    max_json_depth: int = Field(
        64,
        ge=2,
        le=250,  # orjson cannot write back anything deeper than 254 levels
        description="Deepest JSON nesting accepted in an event (2 to 250).",
    )
    max_batch_events: int = Field(10_000, description="Most events accepted in one batch.")
    max_name_chars: int = Field(
        4096, description="Longest namespace, job, dataset or field name accepted."
    )
    max_event_datasets: int = Field(
        2000, description="Most inputs and outputs accepted in one event (413 naming them)."
    )
    max_event_fields: int = Field(
        20_000,
        description="Most schema and column-lineage fields accepted in one event, summed over "
        "its datasets (413).",
    )
    impact_max_statements: int = Field(
        100, ge=1, description="Most SQL statements in the DDL of one impact request."
    )
    impact_max_targets: int = Field(
        500,
        ge=1,
        description="Most (dataset, change) pairs one impact request may analyze; each is "
        "one walk downstream.",
    )
    impact_max_sql_chars: int = Field(
        100_000,
        ge=1,
        description="Longest DDL in an impact request; a job's stored SQL longer than this "
        "is not parsed (the hop says so).",
    )
    http_header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="How long a client may take to send a request's headers (`lineage "
        "serve`); the connection is closed after it.",
    )
    http_body_timeout_s: float = Field(
        60.0,
        gt=0,
        description="How long a client may take to send a request's whole body, from the "
        "first read; 408 after it.",
    )
    http_keep_alive_timeout_s: int = Field(
        5, ge=1, description="How long an idle keep-alive connection stays open."
    )
    db_busy_timeout_ms: int = Field(
        5000, description="How long a SQLite statement waits for a lock before failing."
    )
    db_connect_timeout_s: int = Field(
        5, description="How long to wait for a PostgreSQL connection before answering 503."
    )
    group_commit_max_events: int = Field(
        2000, description="Most events written together in one group-commit transaction."
    )
    api_keys: str = Field(
        "",
        description="Comma-separated API keys; empty turns auth off. `key:read` or "
        "`key:write` limits a key to that scope.",
    )
    api_keys_file: str = Field("", description="File with one API key entry per line.")
    cors_origins: str = Field("", description="Comma-separated origins allowed by CORS.")
    log_level: str = Field("info", description=HELP["log_level"])
    log_format: Literal["text", "json"] = Field(
        "text", description="Log line format: text, or json (one object per line)."
    )
    graph_follow_interval_ms: int = Field(
        500,
        description="How often a replica applies events that other replicas committed.",
    )
    graph_follow_gap_grace_ms: int = Field(
        30_000,
        description="How long a replica keeps looking for a change-log id that another "
        "replica's still-open transaction holds (ids are assigned before commit).",
    )


def markdown_table() -> str:
    """The README's configuration table, generated from the model (a test keeps them equal)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    prefix = Settings.model_config.get("env_prefix", "")
    for name, field in Settings.model_fields.items():
        rows.append(f"| `{prefix}{name.upper()}` | `{field.default}` | {field.description} |")
    return "\n".join(rows)
