"""The web client as it is packaged: every file the server serves from src/microletter/web/
is in the wheel's package data (pyproject.toml), and nothing of the development tools is
(node_modules/, the configs at the repository's root stay outside web/)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from microletter.gateway.webapp import TYPES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "microletter"
WEB = PACKAGE / "web"


def packaged_web_files() -> set[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["microletter"]
    found: set[Path] = set()
    for pattern in patterns:
        if pattern.startswith("web/"):
            found.update(p for p in PACKAGE.glob(pattern) if p.is_file())
    return found


def served_web_files() -> set[Path]:
    """What gateway/webapp.py serves: every file under web/ with a known type."""
    return {p for p in WEB.rglob("*") if p.is_file() and p.suffix in TYPES}


def test_every_served_file_is_packaged() -> None:
    missing = served_web_files() - packaged_web_files()
    assert not missing, sorted(str(p.relative_to(WEB)) for p in missing)


def test_no_development_tooling_is_served_or_packaged() -> None:
    for path in served_web_files() | packaged_web_files():
        relative = path.relative_to(WEB)
        assert "node_modules" not in relative.parts, relative
        assert relative.name not in {"package.json", "tsconfig.json", "eslint.config.js"}, relative


VENDOR = WEB / "vendor"


def test_vendored_libraries_are_the_pinned_packages_as_published() -> None:
    """Each library under web/vendor/<name>/ is byte for byte the files of node_modules/<name>
    (npm installed it at package.json's exact version, checked against package-lock.json's
    hash), with its licence; scripts/vendor makes the copies."""
    import json

    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    libraries = sorted(p for p in VENDOR.iterdir() if p.is_dir())
    assert [p.name for p in libraries] == ["pdfjs-dist", "qr"]
    for library in libraries:
        installed = ROOT / "node_modules" / library.name
        assert installed.is_dir(), f"{installed} is missing: run scripts/install --test"
        version = json.loads((installed / "package.json").read_text())["version"]
        assert pinned[library.name] == version, "package.json pins a version exactly"
        files = sorted(p.name for p in library.iterdir())
        assert any(name.startswith("LICENSE") for name in files), library
        renamed = vendored_sources(library.name)
        for name in files:
            source = installed / renamed.get(name, name)
            same = (library / name).read_bytes() == source.read_bytes()
            assert same, f"{library.name}/{name} differs from {version}: run scripts/vendor"


def vendored_sources(name: str) -> dict[str, str]:
    """scripts/vendor's `path:name` entries of a library: vendored name → its path in the
    package (pdf.js's .mjs modules are served as .js)."""
    import re

    script = (ROOT / "scripts" / "vendor").read_text()
    entry = re.search(rf"\[{re.escape(name)}\]=\"([^\"]*)\"", script)
    assert entry, f"scripts/vendor does not list {name}"
    pairs = [f.split(":", 1) for f in entry.group(1).split() if ":" in f]
    return {Path(target).name: source for source, target in pairs}
