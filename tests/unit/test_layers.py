"""The architecture, checked: arrows point inward and rooms never import each other in a
circle. Imports are read with `ast` (nothing is imported), so the rules hold for every
line, including imports inside functions and `if TYPE_CHECKING:` blocks."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "microletter"
SRC = Path(__file__).resolve().parents[2] / "src" / PACKAGE

# Feature rooms: one feature each, with its rules, queries, actions and routes in one
# folder. A new one (wallet, moments, ...) is added here and gets every rule below.
FEATURE_ROOMS = [
    "platform",
    "favourites",
    "stickers",
    "search",
    "wallet",
    "redpackets",
    "moments",
    "wxpay",
    "transcripts",
    "telegram",
    "translate",
    "miniapps",
    "shop",
    "merchant",
    "books",
]
PURE_PARTS = ["rules", "errors"]  # a feature room's parts held to the core's rules
# What a feature room is built on: anything of theirs beyond their door is an inside.
DOORS = {"storage": "microletter.storage", "media": "microletter.media"}
# All a feature room may import of ours (docs/ARCHITECTURE.md, "Arrows point inward"): the
# core, ports, the storage room's unit-of-work API and the media room's referrer registry
# (both through their doors), the gateway's router, the core's actions (their Context and
# the scheduler), settings (limits read from them), and other feature rooms' doors.
FEATURE_ROOM_BASE = ["core", "ports", "storage", "media", "gateway", "actions", "settings"]


@dataclass(frozen=True)
class Import:
    """`source` (a module, at `path`:`line`) imports `target` (a module name)."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.target}"


@dataclass(frozen=True)
class Rule:
    """Modules of the `rooms` may import only `allowed` rooms of ours (None: any) and none
    of the `forbidden` rooms or top-level modules; with `stdlib_only`, nothing from
    outside the standard library either."""

    says: str
    rooms: frozenset[str]
    allowed: frozenset[str] | None = None
    forbidden: frozenset[str] = frozenset()
    stdlib_only: bool = False

    def broken_by(self, imp: Import) -> bool:
        if room_of(imp.source) not in self.rooms:
            return False
        top = imp.target.split(".")[0]
        if top != PACKAGE:
            return top in self.forbidden or (self.stdlib_only and not is_stdlib(top))
        room = room_of(imp.target)
        return room in self.forbidden or (self.allowed is not None and room not in self.allowed)


def rule(says: str, rooms: Iterable[str], **kw: Iterable[str] | bool) -> Rule:
    sets = {k: frozenset(v) for k, v in kw.items() if not isinstance(v, bool)}
    flags = {k: v for k, v in kw.items() if isinstance(v, bool)}
    return Rule(says, frozenset(rooms), **sets, **flags)  # type: ignore[arg-type]


RULES = [
    rule(
        "core imports only the stdlib and itself",
        ["core"],
        allowed=["core"],
        stdlib_only=True,
    ),
    rule(
        "core does no I/O: no event loop, clock, randomness, logging, threads or files",
        ["core"],
        forbidden=[
            "asyncio",
            "logging",
            "time",
            "random",
            "secrets",
            "threading",
            "socket",
            "sqlite3",
            "subprocess",
            "os",
        ],
    ),
    rule(
        "actions reach storage and the bus only through ports (core, ports, actions, metrics)",
        ["actions"],
        allowed=["core", "ports", "actions", "metrics"],
    ),
    rule(
        "ports are Protocols over core values only",
        ["ports"],
        allowed=["core"],
    ),
    rule(
        "storage and bus never call up into the gateway or the actions",
        ["storage", "bus"],
        forbidden=["gateway", "actions", "app", "cli"],
    ),
    rule(
        "media (decoding and blobs) implements ports over core values only",
        ["media"],
        allowed=["core", "ports", "media"],
    ),
    rule(
        "only app.py (and the cli that starts it) knows every room; nobody imports them",
        [
            "core",
            "actions",
            "ports",
            "storage",
            "bus",
            "media",
            "gateway",
            "settings",
            "metrics",
            "log",
        ],
        forbidden=["app", "cli"],
    ),
    rule(
        "feature rooms are composed in app.py; the rooms below never import them",
        ["core", "actions", "ports", "storage", "bus", "gateway", "settings", "metrics", "log"],
        forbidden=FEATURE_ROOMS,
    ),
    rule(
        "a feature room imports only the core, ports, the storage and media rooms, the"
        " gateway's router, actions, settings and other feature rooms (never the bus, the"
        " app, the cli or the client)",
        FEATURE_ROOMS,
        allowed=[*FEATURE_ROOM_BASE, *FEATURE_ROOMS],
    ),
]


def door_violations(imports: Iterable[Import]) -> list[str]:
    """Imports that reach into a room past its door: a feature room's insides from
    outside it (only its package, `microletter.<room>`, is public), or the storage room's
    insides from a feature room (its unit-of-work API is `microletter.storage`)."""
    found = []
    for imp in imports:
        if imp.target.split(".")[0] != PACKAGE:
            continue
        source, target = room_of(imp.source), room_of(imp.target)
        door = f"{PACKAGE}.{target}"
        if target in FEATURE_ROOMS and source != target and imp.target != door:
            found.append(f"{imp}: another room enters {target} only through {door}")
        if source in FEATURE_ROOMS and target in DOORS and imp.target != DOORS[target]:
            found.append(f"{imp}: a feature room uses {target} only through {DOORS[target]}")
    return found


def is_stdlib(top: str) -> bool:
    return top in sys.stdlib_module_names


def room_of(module: str) -> str:
    """The first-level subpackage or module: microletter.core.ids -> core. The package's
    own __init__ is the room `microletter`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_in(
    name: str, code: str, *, is_package: bool, shown: str, known: set[str]
) -> Iterator[Import]:
    """The imports of module `name` whose source is `code`, relative ones resolved."""
    for node in ast.walk(ast.parse(code, shown)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, shown, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".")
                if not is_package:
                    package.pop()
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            for alias in node.names:
                # `from microletter import app` imports the module microletter.app
                full = f"{base}.{alias.name}"
                yield Import(name, full if full in known else base, shown, node.lineno)


def all_imports() -> list[Import]:
    found = modules()
    known = set(found)
    return [
        imp
        for name, path in found.items()
        for imp in imports_in(
            name,
            path.read_text(encoding="utf-8"),
            is_package=path.name == "__init__.py",
            shown=str(path.relative_to(SRC.parent.parent)),
            known=known,
        )
    ]


def violations(imports: Iterable[Import], rules: Iterable[Rule]) -> list[str]:
    return [
        f"{imp}, which breaks the rule '{r.says}'"
        for r in rules
        for imp in imports
        if r.broken_by(imp)
    ]


def room_cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Every set of rooms that import each other in a circle (Tarjan's SCCs), each given
    as one concrete circle of rooms."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if imp.target.split(".")[0] != PACKAGE:
            continue
        a, b = room_of(imp.source), room_of(imp.target)
        graph.setdefault(a, set())
        graph.setdefault(b, set())
        if a != b:
            graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(circle(graph, set(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def circle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One path start -> ... -> start inside a strongly connected component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError("not a strongly connected component")


def explain_cycle(rooms: list[str], imports: list[Import]) -> str:
    lines = [" -> ".join(rooms)]
    for a, b in zip(rooms, rooms[1:], strict=False):
        example = next(
            i
            for i in imports
            if room_of(i.source) == a
            and room_of(i.target) == b
            and i.target.split(".")[0] == PACKAGE
        )
        lines.append(f"  {a} -> {b}: {example}")
    return "\n".join(lines)


# --- the checks ---

IMPORTS = all_imports()


@pytest.mark.parametrize("checked", RULES, ids=lambda r: r.says)
def test_no_import_breaks_the_rule(checked: Rule) -> None:
    broken = violations(IMPORTS, [checked])
    assert not broken, "\n".join(broken)


def test_a_feature_rooms_rules_are_as_pure_as_the_core() -> None:
    """`<room>/rules` and `<room>/errors` hold values and rules: like `core/`, they import
    only the stdlib, the core and each other."""
    pure = tuple(f"{PACKAGE}.{room}.{part}" for room in FEATURE_ROOMS for part in PURE_PARTS)
    broken = [
        str(imp)
        for imp in IMPORTS
        if imp.source.startswith(pure)
        and not (
            is_stdlib(imp.target.split(".")[0]) or imp.target.startswith((f"{PACKAGE}.core", *pure))
        )
    ]
    assert not broken, "\n".join(broken)


def test_rooms_are_entered_only_through_their_doors() -> None:
    broken = door_violations(IMPORTS)
    assert not broken, "\n".join(broken)


def test_rooms_never_import_each_other_in_a_circle() -> None:
    cycles = room_cycles(IMPORTS)
    assert not cycles, "cyclic imports between rooms:\n" + "\n".join(
        explain_cycle(c, IMPORTS) for c in cycles
    )


def test_every_package_has_an_init() -> None:
    """A folder of modules is a package with its own `__init__.py` (its door), except
    Alembic's script folders, which Alembic loads by path."""
    scripts = {SRC / "storage" / "migrations", SRC / "storage" / "migrations" / "versions"}
    folders = {path.parent for path in SRC.rglob("*.py")} - scripts
    missing = sorted(str(f.relative_to(SRC)) for f in folders if not (f / "__init__.py").exists())
    assert not missing, f"folders of modules without an __init__.py: {missing}"


def test_the_actions_package_lists_every_module() -> None:
    """`microletter.actions` names all its modules, so its door shows every writer."""
    import microletter.actions

    package = SRC / "actions"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "context"}
    listed = set(microletter.actions.__all__)
    assert modules <= listed, f"not listed in actions/__init__.py: {sorted(modules - listed)}"


def test_the_reader_sees_the_imports_it_must_check() -> None:
    edges = {(i.source, i.target) for i in IMPORTS}
    assert ("microletter.actions.context", "microletter.ports") in edges
    assert ("microletter.storage", "microletter.storage.sqlite.database") in edges  # in a function
    assert ("microletter.gateway.hub", "microletter.gateway.ws") in edges  # TYPE_CHECKING
    assert {room_of(i.source) for i in IMPORTS} >= {"core", "actions", "storage", "gateway"}


# --- the checker itself ---


def fake(source: str, target: str) -> Import:
    return Import(source, target, f"src/{source.replace('.', '/')}.py", 1)


def test_a_wrong_way_import_is_reported_with_the_rule_it_breaks() -> None:
    found = violations(
        [
            fake("microletter.actions.messages", "microletter.storage.sqlite.store"),
            fake("microletter.actions.messages", "microletter.ports"),
            fake("microletter.core.ids", "time"),
            fake("microletter.core.ids", "msgspec"),
            fake("microletter.core.ids", "re"),
            fake("microletter.bus.memory", "microletter.gateway.hub"),
        ],
        RULES,
    )
    assert len(found) == 4  # `re` is fine; `time` breaks only the no-I/O rule
    assert found[0] == (
        "src/microletter/core/ids.py:1 imports msgspec,"
        " which breaks the rule 'core imports only the stdlib and itself'"
    )
    assert any("storage.sqlite.store" in f and "through ports" in f for f in found)
    assert any("gateway.hub" in f and "storage and bus never" in f for f in found)


def test_a_feature_room_importing_beyond_its_base_is_reported() -> None:
    found = violations(
        [
            fake("microletter.wallet.actions", "microletter.bus.redis"),
            fake("microletter.wallet.actions", "microletter.client.rest"),
            fake("microletter.wallet.actions", "microletter.metrics"),
            fake("microletter.wallet.actions", "microletter.actions.context"),
            fake("microletter.wallet.routes", "microletter.gateway.api"),
            fake("microletter.redpackets.actions", "microletter.wallet"),
        ],
        RULES,
    )
    feature = [f for f in found if "a feature room imports only" in f]
    assert [f.split(" imports ")[1].split(",")[0] for f in feature] == [
        "microletter.bus.redis",
        "microletter.client.rest",
        "microletter.metrics",
    ]


def test_a_door_passed_by_is_reported() -> None:
    found = door_violations(
        [
            fake("microletter.platform.store.accounts", "microletter.storage.rows"),
            fake("microletter.platform.store.accounts", "microletter.storage"),
            fake("microletter.moments.actions", "microletter.media.blobs"),
            fake("microletter.moments.actions", "microletter.media"),
            fake("microletter.app", "microletter.platform.dispatcher"),
            fake("microletter.app", "microletter.platform"),
            fake("microletter.platform.routes", "microletter.platform.store"),
        ]
    )
    assert len(found) == 3
    assert "storage.rows" in found[0] and "only through microletter.storage" in found[0]
    assert "media.blobs" in found[1] and "only through microletter.media" in found[1]
    assert "platform.dispatcher" in found[2] and "only through microletter.platform" in found[2]


def test_a_circle_of_rooms_is_found_and_explained() -> None:
    imports = [
        fake("microletter.gateway.ws", "microletter.actions.sync"),
        fake("microletter.actions.sync", "microletter.storage"),
        fake("microletter.storage.sqlite.store", "microletter.gateway.connection"),
        fake("microletter.gateway.ws", "microletter.gateway.hub"),
        fake("microletter.app", "microletter.gateway"),
    ]
    cycles = room_cycles(imports)
    assert cycles == [["actions", "storage", "gateway", "actions"]]
    assert "storage -> gateway: src/microletter/storage/sqlite/store.py:1" in explain_cycle(
        cycles[0], imports
    )


def test_relative_imports_are_resolved() -> None:
    code = "from . import engine\nfrom ..codec import event_row\nfrom .. import migrate\n"
    known = {"microletter.storage.sqlite.engine", "microletter.storage.migrate"}
    found = imports_in(
        "microletter.storage.sqlite.store", code, is_package=False, shown="x.py", known=known
    )
    assert [i.target for i in found] == [
        "microletter.storage.sqlite.engine",
        "microletter.storage.codec",
        "microletter.storage.migrate",
    ]
    in_package = imports_in(
        "microletter.storage",
        "from .sqlite import store\n",
        is_package=True,
        shown="x.py",
        known=known,
    )
    assert [i.target for i in in_package] == ["microletter.storage.sqlite"]
