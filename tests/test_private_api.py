"""`src/` uses only SQLAlchemy's public API (the guide: speed comes from doing less, not from
bypassing the library). Read from the source: in a module that imports SQLAlchemy, an
attribute whose name starts with `_` that no module of ours defines is a library's private
name; so is an import of a private module or name anywhere, and the compiler internals a
statement fast path reaches for."""

from __future__ import annotations

import ast
from pathlib import Path

import lineage

SRC = Path(lineage.__file__).parent
# public names that start with "_" by design: namedtuple's and SQLAlchemy Row's documented
# API (the underscore keeps them apart from field and column names)
DOCUMENTED = frozenset({"_make", "_replace", "_asdict", "_fields", "_mapping", "_tuple", "_t"})
# public attributes of SQLAlchemy's compiler that only a re-implementation of execution reads
COMPILER_INTERNALS = frozenset(
    {
        "insert_prefetch",
        "update_prefetch",
        "positiontup",
        "escaped_bind_names",
        "bind_processor",
        "result_processor",
        "dialect_impl",
        "dbapi_connection",
        "loaded_dbapi",
    }
)


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text()) for path in sorted(SRC.rglob("*.py"))}


def _own_private_names(trees: dict[Path, ast.Module]) -> set[str]:
    """Every `_name` our code defines: functions, classes, assignments, attributes, args."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)  # __slots__ entries, dataclass fields by name
    return {n for n in names if n.startswith("_")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _uses_sqlalchemy(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "sqlalchemy" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            return True
    return False


def _violations(path: Path, tree: ast.Module, own: set[str]) -> list[str]:
    where = path.relative_to(SRC.parent)
    sqlalchemy = _uses_sqlalchemy(tree)
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        at = (node.lineno, node.col_offset) if isinstance(node, ast.expr | ast.stmt) else (0, 0)
        if isinstance(node, ast.Import):
            found += [
                (*at, f"{where}:{node.lineno} import {a.name}")
                for a in node.names
                if any(_private(part) for part in a.name.split("."))
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            parts = node.module.split(".")
            if node.module.split(".")[0] != "lineage" and (
                any(_private(p) for p in parts) or any(_private(a.name) for a in node.names)
            ):
                found.append((*at, f"{where}:{node.lineno} from {node.module} import ..."))
        elif isinstance(node, ast.Attribute) and sqlalchemy:
            name = node.attr
            if name in COMPILER_INTERNALS or (
                _private(name) and name not in own and name not in DOCUMENTED
            ):
                found.append((*at, f"{where}:{node.lineno} .{name}"))
        elif (
            sqlalchemy
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
            and node.args[1].value not in own
        ):
            call = f"{node.func.id}(..., {node.args[1].value!r})"
            found.append((*at, f"{where}:{node.lineno} {call}"))
    return [text for *_, text in sorted(found)]


def test_src_touches_no_private_name_of_a_library() -> None:
    trees = _trees()
    own = _own_private_names(trees)
    found = [v for path, tree in trees.items() for v in _violations(path, tree, own)]
    assert found == []


def test_the_check_sees_what_a_statement_fast_path_reaches_for() -> None:
    sample = ast.parse(
        "import sqlalchemy.engine._row\n"
        "from sqlalchemy.sql import _typing\n"
        "c = stmt.compile()\n"
        "c.positiontup, c.insert_prefetch, c.escaped_bind_names, c._result_columns\n"
        "getattr(stmt, '_returning', ())\n"
        "row._mapping, own._helper\n"
    )
    found = _violations(SRC / "sample.py", sample, {"_helper"})
    assert found == [
        "lineage/sample.py:1 import sqlalchemy.engine._row",
        "lineage/sample.py:2 from sqlalchemy.sql import ...",
        "lineage/sample.py:4 .positiontup",
        "lineage/sample.py:4 .insert_prefetch",
        "lineage/sample.py:4 .escaped_bind_names",
        "lineage/sample.py:4 ._result_columns",
        "lineage/sample.py:5 getattr(..., '_returning')",
    ]


def test_no_route_or_command_opens_a_deferred_write_transaction() -> None:
    """Outside migrations, a transaction that writes begins through `write_transaction`
    (SQLite's write lock up front, tests/test_sqlite_write_lock.py), never a bare
    `engine.begin()`, which fails at once under a concurrent writer."""
    offenders = [
        str(path.relative_to(SRC))
        for path in sorted(SRC.rglob("*.py"))
        if "engine.begin()" in path.read_text() and path.name != "migrate.py"
    ]
    assert offenders == []
