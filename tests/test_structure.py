"""The shape of the code: no import cycles, no project imports hidden in functions, small modules,
and a command line that starts without the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = [*sorted((ROOT / "optimizer").rglob("*.py")), ROOT / "cli.py"]
MAX_LINES = 400


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(node: ast.AST) -> list[str]:
    """Project modules named by the import statements directly in ``node`` (not in nested functions)."""
    out = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            out += [a.name for a in child.names if a.name.split(".")[0] == "optimizer"]
        elif isinstance(child, ast.ImportFrom) and (child.module or "").split(".")[0] == "optimizer":
            out.append(child.module)
        elif isinstance(child, (ast.If, ast.Try, ast.With)):
            out += _imports(child)
    return out


def _graph() -> dict[str, set[str]]:
    known = {_name(p) for p in MODULES}
    graph = {}
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        body = [n for n in tree.body if not (isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))]
        graph[_name(path)] = {m for m in _imports(ast.Module(body=body, type_ignores=[])) if m in known}
    return graph


def test_no_import_cycles_between_project_modules():
    graph, state, cycles = _graph(), {}, []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*trail[trail.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_project_import_inside_a_function(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = [f"{f.name} imports {m}" for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom)) for m in _imports(ast.Module([n], []))]
    assert hidden == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_the_command_line_starts_without_heavy_libraries():
    heavy = ["matplotlib", "duckdb", "scipy.stats", "scipy.optimize", "pyarrow", "pulp", "pandas"]
    code = ("import sys, cli; cli.app(['--help'], standalone_mode=False); "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_solve_path_imports_no_chart_or_journey_libraries():
    code = ("import sys, optimizer; optimizer.optimize('scenarios/channels.csv'); "
            "print([m for m in ('matplotlib', 'duckdb', 'scipy.stats') if m in sys.modules])")  # pandas 3 loads pyarrow
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
