"""The schema version the code expects is the newest migration script."""

from __future__ import annotations

import re

from microletter.storage import migrate


def test_head_is_the_newest_migration_script() -> None:
    assert migrate.HEAD == migrate.script_head()


def test_every_migration_script_is_named_after_its_revision() -> None:
    scripts = sorted((migrate.MIGRATIONS / "versions").glob("*.py"))
    assert scripts
    for script in scripts:
        declared = re.search(r'^revision: str = "([^"]+)"', script.read_text(), re.M)
        assert declared, f"{script.name} declares no revision"
        assert script.name.startswith(f"{declared.group(1)}_"), script.name
