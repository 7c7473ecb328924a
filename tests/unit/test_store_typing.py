"""Store operations are typed end to end: a wrong argument to one is a type error. mypy
checks a small program against the real facades (ops.py carries each unit of work's
parameters through a ParamSpec); the same program with right arguments passes."""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
from microletter.core.models import Instant
from microletter.core.ids import UserId, ConversationId
from microletter.platform import PlatformStore
from microletter.storage import Store


async def use(store: Store, platform: PlatformStore, now: Instant) -> None:
    user = await store.create_user({name}, "hash", "Alice", "en", now)
    contacts = await store.contacts(user.id)
    direct = await store.open_direct(user.id, {peer}, now)
    account = await platform.account({account})
    reveal_type(contacts)
    reveal_type(direct)
    reveal_type(account)
"""

RIGHT = {"name": '"alice"', "peer": "UserId(2)", "account": "UserId(3)"}
WRONG = {"name": "b'alice'", "peer": '"bob"', "account": "ConversationId(3)"}


def check(fields: dict[str, str], tmp_path: Path) -> list[str]:
    source = tmp_path / "program.py"
    source.write_text(PROGRAM.format(**fields))
    out, _, _ = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(source),
        ]
    )
    return [line for line in out.splitlines() if "program.py" in line]


def test_right_arguments_pass_and_results_keep_their_types(tmp_path: Path) -> None:
    lines = check(RIGHT, tmp_path)
    assert not [line for line in lines if "error:" in line], "\n".join(lines)
    notes = " ".join(line for line in lines if "Revealed type" in line)
    assert "list[microletter.core.models.Contact]" in notes
    assert "Outcome[microletter.core.models.Conversation]" in notes
    assert "OfficialAccount" in notes


def test_a_wrong_argument_to_a_store_operation_is_a_type_error(tmp_path: Path) -> None:
    errors = [line for line in check(WRONG, tmp_path) if "error:" in line]
    lines = sorted(int(re.split(r":", e)[1]) for e in errors)
    assert lines == [9, 11, 12], "\n".join(errors)  # create_user, open_direct, account
    assert all("incompatible type" in e for e in errors), "\n".join(errors)
