"""DDL text -> proposed schema changes, parsed with sqlglot in the caller's dialect.

Only what can break readers is kept: dropped, renamed and retyped columns, dropped and
renamed tables. Added columns and constraints are ignored. The work one request may cause is
bounded before anything is parsed: at most `max_chars` characters and `max_statements`
statements (counted as the `;`-separated parts that hold anything: sqlglot's own tokenizer
took 17 s on 2.8 MB); DDL nested too deep for the parser is a 400, not a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage.errors import BadRequest, PayloadTooLarge

CHANGE_KINDS = ("drop_column", "rename_column", "change_type", "drop_dataset")


@dataclass(frozen=True, slots=True)
class Change:
    """One proposed change to a dataset; `column` is None for `drop_dataset`."""

    kind: str
    column: str | None = None
    new_name: str | None = None
    new_type: str | None = None

    def describe(self) -> str:
        """A short human phrase, e.g. `rename column a -> b`."""
        if self.kind == "drop_dataset":
            return "drop dataset"
        if self.kind == "rename_column":
            return f"rename column {self.column} -> {self.new_name}"
        if self.kind == "change_type":
            return f"change type of {self.column} to {self.new_type}"
        return f"drop column {self.column}"


@dataclass(frozen=True, slots=True)
class TableChange:
    """A change aimed at a table named in DDL: its name parts, outermost first."""

    table: tuple[str, ...]
    change: Change


def parse_ddl(
    text: str,
    *,
    dialect: str | None = None,
    max_statements: int | None = None,
    max_chars: int | None = None,
) -> list[TableChange]:
    """Every breaking change in `text` (one or more statements, within the bounds given)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    if max_chars is not None and len(text) > max_chars:
        raise PayloadTooLarge(
            f"the DDL has {len(text)} characters, over impact_max_sql_chars ({max_chars})",
            field="ddl",
        )
    if max_statements is not None:
        count = sum(1 for part in text.split(";") if part.strip())
        if count > max_statements:
            raise PayloadTooLarge(
                f"the DDL has {count} statements, over impact_max_statements ({max_statements})",
                field="ddl",
            )
    try:
        statements = sqlglot.parse(text, read=dialect or None)
    except (SqlglotError, ValueError) as exc:
        reason = str(exc).splitlines()[0]
        field = "dialect" if reason.startswith("Unknown dialect") else "ddl"
        raise BadRequest(f"cannot parse DDL: {reason}", field=field) from exc
    except RecursionError:
        raise BadRequest("cannot parse DDL: it is nested too deeply", field="ddl") from None
    out: list[TableChange] = []
    for statement in statements:
        if isinstance(statement, exp.Drop) and statement.args.get("kind") in ("TABLE", "VIEW"):
            for table in statement.args.get("tables") or [statement.this]:
                out.append(TableChange(_parts(table), Change("drop_dataset")))
        elif isinstance(statement, exp.Alter):
            table = _parts(statement.this)
            out.extend(TableChange(table, c) for c in _alter_actions(statement, dialect))
    if not out:
        raise BadRequest("the DDL holds no drop, rename or type change", field="ddl")
    return out


def _parts(table: object) -> tuple[str, ...]:
    from sqlglot import exp

    if not isinstance(table, exp.Table):
        raise BadRequest("the DDL names no table", field="ddl")
    return tuple(p.name for p in table.parts)


def _alter_actions(statement: object, dialect: str | None) -> list[Change]:
    from sqlglot import exp

    assert isinstance(statement, exp.Alter)
    changes: list[Change] = []
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
            changes.extend(Change("drop_column", c.name) for c in action.args.get("tables") or [])
        elif isinstance(action, exp.RenameColumn):
            changes.append(
                Change("rename_column", action.this.name, new_name=action.args["to"].name)
            )
        elif isinstance(action, exp.AlterColumn) and action.args.get("dtype") is not None:
            new_type = action.args["dtype"].sql(dialect=dialect)
            changes.append(Change("change_type", action.this.name, new_type=new_type))
        elif isinstance(action, exp.AlterRename):
            changes.append(Change("drop_dataset"))
        elif isinstance(action, getattr(exp, "ModifyColumn", ())):
            changes.extend(_modify_column(action, dialect))
    return changes


def _modify_column(action: object, dialect: str | None) -> list[Change]:
    """MySQL `MODIFY` / `CHANGE COLUMN`: a retype, maybe with a rename."""
    from sqlglot import exp

    assert isinstance(action, exp.Expression)
    column = action.this
    old = action.args.get("rename_from")
    new_type = column.args["kind"].sql(dialect=dialect) if column.args.get("kind") else None
    changes = []
    if old is not None and old.name != column.name:
        changes.append(Change("rename_column", old.name, new_name=column.name))
    if new_type is not None:
        changes.append(Change("change_type", old.name if old else column.name, new_type=new_type))
    return changes
