"""The protocol's XML: parse what developers send us (safely) and write what we push.

Parsing uses defusedxml, which refuses DTDs, entity declarations and external
references, so a reply cannot mount an XXE or a billion-laughs attack. Documents are
flat `<xml>` maps; a nested element becomes a dict and repeated `item`s become a list.
Writing puts strings in CDATA (splitting any `]]>`, which wechatpy itself does not do)
and numbers bare.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # noqa: S405 - a type only; parsing is defused

MAX_XML = 64 * 1024
MAX_DEPTH = 4

Fields = dict[str, object]


class XmlError(ValueError):
    """Not a protocol document; the message says why (for logs)."""


def parse(raw: bytes | str) -> Fields:
    """The fields of an `<xml>` document; XmlError if it is not one."""
    if len(raw) > MAX_XML:
        raise XmlError(f"document above {MAX_XML} bytes")
    # Loaded with the first document, not at start (tests/unit/test_coldstart.py).
    from xml.etree.ElementTree import ParseError  # noqa: S405 - the error; parsing is defused

    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        root = safe_xml.fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise XmlError(f"not well-formed XML: {exc}") from None
    if root.tag != "xml":
        raise XmlError(f"root element is <{root.tag}>, not <xml>")
    value = _value(root, 0)
    return value if isinstance(value, dict) else {}


def _value(element: Element, depth: int) -> object:
    children = list(element)
    if not children:
        return (element.text or "").strip() if depth else ""
    if depth >= MAX_DEPTH:
        raise XmlError("nested too deep")
    out: dict[str, object] = {}
    for child in children:
        value = _value(child, depth + 1)
        if child.tag == "item":
            items = out.setdefault("item", [])
            if isinstance(items, list):
                items.append(value)
        else:
            out[child.tag] = value
    return out


def text(fields: Mapping[str, object], name: str) -> str:
    value = fields.get(name, "")
    return value if isinstance(value, str) else ""


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render(fields: Mapping[str, object], root: str = "xml") -> str:
    """An `<xml>` document (or another `root` element) of these fields, in order; ints
    bare, strings in CDATA, mappings nested."""
    return f"<{root}>" + _render(fields) + f"</{root}>"


def _render(fields: Mapping[str, object]) -> str:
    out = []
    for name, value in fields.items():
        if isinstance(value, Mapping):
            inner = _render(value)
        elif isinstance(value, bool):
            inner = str(int(value))
        elif isinstance(value, int):
            inner = str(value)
        else:
            inner = cdata(str(value))
        out.append(f"<{name}>{inner}</{name}>")
    return "".join(out)
