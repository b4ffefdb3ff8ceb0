"""The DDL parser on several dialects."""

from __future__ import annotations

import pytest

from lineage.ddl import Change, TableChange, parse_ddl
from lineage.errors import BadRequest


def test_postgres() -> None:
    ddl = "ALTER TABLE public.orders DROP COLUMN amount, RENAME COLUMN a TO b; DROP TABLE y;"
    assert parse_ddl(ddl, dialect="postgres") == [
        TableChange(("public", "orders"), Change("drop_column", "amount")),
        TableChange(("public", "orders"), Change("rename_column", "a", new_name="b")),
        TableChange(("y",), Change("drop_dataset")),
    ]


def test_snowflake() -> None:
    ddl = "ALTER TABLE db.s.t ALTER COLUMN c SET DATA TYPE NUMBER(10,2)"
    assert parse_ddl(ddl, dialect="snowflake") == [
        TableChange(("db", "s", "t"), Change("change_type", "c", new_type="DECIMAL(10, 2)")),
    ]


def test_bigquery() -> None:
    ddl = "ALTER TABLE `p.d.t` DROP COLUMN IF EXISTS a; ALTER TABLE p.d.t RENAME TO u"
    assert parse_ddl(ddl, dialect="bigquery") == [
        TableChange(("p", "d", "t"), Change("drop_column", "a")),
        TableChange(("p", "d", "t"), Change("drop_dataset")),
    ]


def test_mysql() -> None:
    ddl = "ALTER TABLE t MODIFY COLUMN c BIGINT; ALTER TABLE t CHANGE COLUMN a b INT"
    assert parse_ddl(ddl, dialect="mysql") == [
        TableChange(("t",), Change("change_type", "c", new_type="BIGINT")),
        TableChange(("t",), Change("rename_column", "a", new_name="b")),
        TableChange(("t",), Change("change_type", "a", new_type="INT")),
    ]


def test_ddl_without_breaking_change() -> None:
    with pytest.raises(BadRequest) as info:
        parse_ddl("ALTER TABLE t ADD COLUMN c INT", dialect="postgres")
    assert info.value.message == "the DDL holds no drop, rename or type change"
