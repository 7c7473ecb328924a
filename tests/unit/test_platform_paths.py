"""docs/platform.md's table of WeChat API paths (section 10) says exactly what the server
provides: every path it registers is listed as built with its methods, and every path
listed as 48001 is under one of the prefixes whose catch-all answers that."""

from __future__ import annotations

import re
from pathlib import Path

import microletter.platform  # noqa: F401 - registers the endpoints
from microletter.platform.cgi import ENDPOINTS, PREFIXES

DOC = Path(__file__).resolve().parents[2] / "docs" / "platform.md"
ROW = re.compile(r"^\| `(/[^`]*)` \| [^|]* \| (built|48001) \| ([A-Z/]*) \|$")


def table() -> dict[str, tuple[str, str]]:
    section = DOC.read_text().split("## 10. Every WeChat API path", 1)[1]
    rows = {}
    for line in section.splitlines():
        found = ROW.match(line)
        if found:
            rows[found.group(1)] = (found.group(2), found.group(3))
    return rows


def test_every_endpoint_is_listed_as_built_with_its_methods() -> None:
    rows = table()
    assert len(rows) > 200  # the whole of wechatpy's WeChatClient, not a sample
    for ep in ENDPOINTS:
        assert rows.get(ep.path) == ("built", "/".join(ep.methods)), ep.path


def test_every_path_listed_as_48001_is_caught_by_a_prefix_and_not_built() -> None:
    built = {ep.path for ep in ENDPOINTS}
    for path, (status, _) in table().items():
        if status == "48001":
            assert path not in built, path
            assert any(path == p or path.startswith(p + "/") for p in PREFIXES), path
        else:
            assert path in built, path
    assert not any(p in ("/pay", "/secapi") for p in PREFIXES)
