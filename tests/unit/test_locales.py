"""The web client's locale files: every language has every string, and every key the code
asks for exists (a missing one would show its key to the user)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "microletter" / "web"
LOCALES = sorted((WEB / "locales").glob("*.json"))
LITERAL_KEY = re.compile(r"""\btn?\(\s*"([a-z_]+\.[a-zA-Z0-9_.-]+)\"""")


def load(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and all(isinstance(v, str) for v in data.values()), path
    return data


def test_english_and_simplified_chinese_are_shipped() -> None:
    assert {"en", "zh-CN"} <= {p.stem for p in LOCALES}


def test_every_locale_is_complete() -> None:
    """scripts/check-locales (run by scripts/check): every key of English, with the same
    placeholders, in every locale, and LOCALES in i18n.js lists exactly the files."""
    script = WEB.parents[2] / "scripts" / "check-locales"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# Strings the same in every language on purpose: the product's and the protocols' own
# names (AppID, Token, URL read the same in WeChat's localized consoles), placeholders
# that are links, and a pattern with no words of its own ("Yesterday 14:32").
SAME_EVERYWHERE = {
    "app.name",
    "me.version",
    "console.appid",
    "console.appsecret",
    "console.token",
    "console.aes_key",
    "console.sec_webhook",
    "console.webhook_url",
    "console.menu_url",
    "official.code_placeholder",
    "msg.location_osm",
    "books.format_pdf",  # file formats: their names everywhere
    "books.format_epub",
    "time.day_and_clock",
}
# Words a language shares with English (Spanish says "Chat", "Video" and "Total" too).
COGNATES = {
    "es": {
        "nav.chats",
        "chat.direct",
        "msg.video",
        "moments.video",
        "msg.preview_video",
        "msg.sticker",
        "msg.preview_sticker",
        "sticker.title",
        "sticker.item",
        "composer.emoji",
        "composer.video",
        "redpacket.amount_total",
        "list.separator",
    },
    "ko": {"list.separator"},
    "ja": {"common.ok"},
}


def test_every_string_is_translated() -> None:
    english = load(WEB / "locales" / "en.json")
    for path in LOCALES:
        if path.stem == "en":
            continue
        strings = load(path)
        same = {k for k in english if strings.get(k) == english[k] and not k.startswith("lang.")}
        allowed = SAME_EVERYWHERE | COGNATES.get(path.stem, set())
        assert same <= allowed, (path.name, sorted(same - allowed))


def test_every_key_the_code_uses_exists() -> None:
    english = load(WEB / "locales" / "en.json")
    plural = {k.rsplit(".", 1)[0] for k in english if k.endswith((".one", ".other"))}
    used = set()
    for path in (WEB / "js").rglob("*.js"):
        used |= set(LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern is wrong"
    missing = sorted(k for k in used if k not in english and k not in plural)
    assert missing == []


def test_every_error_code_of_the_api_has_a_message() -> None:
    english = load(WEB / "locales" / "en.json")
    api = (WEB.parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    table = api.split("## Error codes", 1)[1]
    codes = set(re.findall(r"^\| `([a-z_.]+)` \|", table, flags=re.M))
    assert codes
    missing = sorted(c for c in codes if f"error.{c}" not in english)
    assert missing == []
