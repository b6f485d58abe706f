"""The import contract of docs/architecture.md, read from the source: layers, no upward
import, no cycle, and deferred (function-local) imports only in the command layer.

Every ``import`` statement counts, wherever it is: at the top of a module, inside a
function, under ``if TYPE_CHECKING:`` (a type named from a higher layer is a
dependency on it all the same, and the next refactoring turns it into a real import).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Lowest first: a module may import its own layer and the layers before it, never one
# after it. A name maps to the longest prefix that matches it (a module may be placed
# in another layer than the rest of its folder).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "base",
        (
            "sync",
            "sync.errors",
            "sync.wording",
            "sync.money",
            "sync.resources",
            "sync.findings",
            "sync.logs",
            "sync.steps",
            "sync.vocabulary",
        ),
    ),
    ("configuration", ("sync.config",)),
    ("google", ("sync.google",)),
    ("sources", ("sync.sources",)),
    ("parsing", ("sync.parsing",)),
    ("consolidate", ("sync.consolidate",)),
    ("rules", ("sync.rules",)),
    ("report", ("sync.report", "sync.changes")),
    ("outputs", ("sync.outputs",)),
    ("history", ("sync.history", "sync.lock")),
    ("delivery", ("sync.delivery",)),
    ("use cases", ("sync.usecases", "sync.pipeline", "sync.demo")),
    ("command", ("sync.cli", "sync.cli_french", "sync.runner", "sync.__main__")),
)
COMMAND_LAYER = "command"


@dataclass(frozen=True)
class Import:
    """One import of a ``sync`` module by another, where it is written."""

    path: str  # as shown: sync/sources/xlsx.py
    line: int
    importer: str  # sync.sources.xlsx
    imported: str  # sync.vocabulary.template
    deferred: bool  # inside a function (or a class body), not at the module's top

    @property
    def internal(self) -> bool:
        """An import of ``sync`` itself (the others are Python's or a dependency's)."""
        return self.imported == "sync" or self.imported.startswith("sync.")


def layer_of(module: str) -> str:
    """The layer of a ``sync`` module; KeyError when no layer claims it (a new folder
    must be placed in LAYERS, and so in docs/architecture.md)."""
    best = ""
    found = None
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            if _claims(prefix, module) and len(prefix) > len(best):
                best, found = prefix, name
    if found is None:
        raise KeyError(module)
    return found


def _claims(prefix: str, module: str) -> bool:
    """``sync`` claims the package's face only: every other module has its own entry."""
    return module == prefix or (prefix != "sync" and module.startswith(prefix + "."))


def rank(layer: str) -> int:
    return [name for name, _ in LAYERS].index(layer)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, path: str, known: set[str], package: bool = False) -> list[Import]:
    """Every import in ``source`` (``sync``'s own, Python's, a dependency's). ``from sync
    import defaults`` names the module ``sync.defaults`` when it is one (``known``), else
    the package; a relative import is made absolute."""
    tree = ast.parse(source)
    top = {id(node) for node in _top_level(tree.body)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _absolute(module, node, package)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in dict.fromkeys(targets):
            found.append(Import(path, node.lineno, module, target, id(node) not in top))
    return found


def _top_level(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements run when the module is imported: its body, and the bodies of its
    top-level ``if``/``try`` blocks (``if TYPE_CHECKING:``, a platform test)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _top_level(block)


def _absolute(module: str, node: ast.ImportFrom, package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    if not package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def package_imports(root: Path) -> list[Import]:
    """Every import of every module under ``root`` (the ``sync`` folder)."""
    files = sorted(root.rglob("*.py"))
    known = {module_name(p, root) for p in files}
    found = []
    for path in files:
        module = module_name(path, root)
        shown = path.relative_to(root.parent).as_posix()
        found += imports_of(module, path.read_text(encoding="utf-8"), shown, known, path.name == "__init__.py")
    return found


def upward(imports: Iterable[Import]) -> list[str]:
    """One line per import of a higher layer: file, line, both modules and both layers."""
    out = []
    for item in imports:
        if not item.internal:
            continue
        low, high = layer_of(item.importer), layer_of(item.imported)
        if rank(high) > rank(low):
            out.append(
                f"{item.path}:{item.line}: {item.importer} ({low}) importe {item.imported} ({high}), "
                "une couche plus haute"
            )
    return out


def cycles(imports: Iterable[Import], unit=lambda module: module) -> list[list[str]]:
    """The import cycles between units (modules by default; folders with ``unit``),
    each as the path that closes it, found by a depth-first walk."""
    graph: dict[str, set[str]] = {}
    for item in imports:
        if not item.internal:
            continue
        a, b = unit(item.importer), unit(item.imported)
        # A package's face importing its own parts is no cycle, nor a part naming its package.
        if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
            graph.setdefault(a, set()).add(b)
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1 being walked, 2 done
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return found


def folder(module: str) -> str:
    """The unit a module belongs to in the folder-level graph: the entry of LAYERS that
    claims it (``sync.outputs.ministry.records`` → ``sync.outputs``; a module with its own
    entry is its own unit)."""
    return max((p for _, prefixes in LAYERS for p in prefixes if _claims(p, module)), key=len)


def deferred_outside_command(
    imports: Iterable[Import], allowed: Mapping[str, Iterable[str]] | None = None
) -> list[str]:
    """Function-local imports (of anything) outside the command layer, but for the
    ``allowed`` ones (importer → imported): laziness is decided at one boundary
    (docs/architecture.md)."""
    out = []
    for item in imports:
        if (
            item.deferred
            and layer_of(item.importer) != COMMAND_LAYER
            and item.imported not in set((allowed or {}).get(item.importer, ()))
        ):
            out.append(
                f"{item.path}:{item.line}: {item.importer} importe {item.imported} dans une fonction ; "
                "seule la couche de commande diffère ses importations"
            )
    return out
