"""A lineage-aware SQLite hook and SQL operator for the OpenLineage provider.

The provider's SQL lineage asks the hook three questions (see
``airflow.providers.openlineage.sqlparser.get_openlineage_facets_with_sql``):

* ``get_openlineage_database_info(connection)``: which namespace the tables live in
  (``scheme://authority``) and where to read column types (an ``information_schema``-like
  relation). Returning ``None`` -- what the stock ``SqliteHook`` does -- means "no lineage".
* ``get_openlineage_database_dialect(connection)``: the dialect for the SQL parser.
* ``get_openlineage_default_schema()``: the schema of unqualified table names.

Any ``DbApiHook`` subclass gets table- and column-level lineage by answering them; this module
does it for SQLite. The namespace is ``sqlite://<absolute path of the database file>`` and
dataset names are ``main.<table>``.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.openlineage.sqlparser import DatabaseInfo
from airflow.providers.sqlite.hooks.sqlite import SqliteHook

#: A per-connection TEMP view that answers the provider's schema query the way
#: ``information_schema.columns`` does on PostgreSQL, built from SQLite's own catalog.
COLUMNS_VIEW = "openlineage_columns"
_COLUMNS_VIEW_SQL = f"""
CREATE TEMP VIEW IF NOT EXISTS {COLUMNS_VIEW} AS
SELECT 'main' AS table_schema, m.name AS table_name, p.name AS column_name,
       p.cid + 1 AS ordinal_position, lower(p.type) AS udt_name
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE m.type IN ('table', 'view')
"""


class LineageSqliteHook(SqliteHook):
    """``SqliteHook`` that tells the OpenLineage provider how to name and describe its tables."""

    def get_conn(self) -> sqlite3.Connection:
        """Open the connection and add the TEMP catalog view used for schema enrichment."""
        conn = super().get_conn()
        conn.execute(_COLUMNS_VIEW_SQL)
        return conn

    def database_path(self) -> str:
        """Absolute path of the database file (the connection's host)."""
        conn = self.get_connection(self.get_conn_id())
        path = conn.host or ""
        return os.path.abspath(path) if path and path != ":memory:" else path

    def get_openlineage_database_info(self, connection: Any) -> DatabaseInfo:
        """Namespace ``sqlite://<file path>``; column types come from the TEMP view."""
        return DatabaseInfo(
            scheme="sqlite",
            authority=self.database_path(),
            database=None,
            information_schema_table_name=f"temp.{COLUMNS_VIEW}",
        )

    def get_openlineage_database_dialect(self, connection: Any) -> str:
        """The SQL parser's SQLite dialect."""
        return "sqlite"

    def get_openlineage_default_schema(self) -> str:
        """Unqualified tables live in SQLite's ``main`` schema."""
        return "main"


class LineageSqliteOperator(SQLExecuteQueryOperator):
    """``SQLExecuteQueryOperator`` that runs through :class:`LineageSqliteHook`."""

    def get_db_hook(self) -> LineageSqliteHook:
        """Use the lineage-aware hook instead of the connection type's default hook."""
        if not isinstance(self.__dict__.get("_lineage_hook"), LineageSqliteHook):
            self.__dict__["_lineage_hook"] = LineageSqliteHook(sqlite_conn_id=self.conn_id)
        return self.__dict__["_lineage_hook"]
