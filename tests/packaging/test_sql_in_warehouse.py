"""SQL text lives only in the warehouse layer (``warehouse/`` and ``sql/``): no other library
module holds a string (docstrings aside) that reads as a SQL statement or selects from a
warehouse table."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Library folders outside the warehouse layer.
LIBRARY = ("analyses", "flows", "models", "reports", "seesaw", "sources", "transforms")
SQL = re.compile(r"^\s*(select|with|insert|update|delete|create|alter|drop)\s+\S"
                 r"|\b(from|join)\s+(raw|core|results|ops|pit)\.\w+|\binsert\s+into\b", re.IGNORECASE)


def sql_constants(tree: ast.AST) -> list[ast.Constant]:
    """String constants that read as SQL, docstrings (string expression statements) left out."""
    prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    return [node for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in prose and SQL.search(node.value)]


def sql_strings(path: Path) -> list[str]:
    """Where one module holds SQL text."""
    return [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.strip()[:60]!r}"
            for node in sql_constants(ast.parse(path.read_text(encoding="utf-8")))]


def test_pattern_finds_the_sql_it_is_meant_to_find() -> None:
    tree = ast.parse('"""Reads from results.correlations."""\nQ = """\n  select * from x"""\n'
                     'R = f"delete from results.{t}"\nS = "selected rows"\n'
                     'con.execute("insert into ops.runs values (1)")\n')
    assert [node.value for node in sql_constants(tree)] == [
        "\n  select * from x", "delete from results.", "insert into ops.runs values (1)"]


def test_no_sql_text_outside_the_warehouse_layer() -> None:
    found = [hit for folder in LIBRARY for path in sorted((ROOT / folder).rglob("*.py")) for hit in sql_strings(path)]
    assert not found, "SQL text outside warehouse/ (move it into a named query there):\n" + "\n".join(found)
