"""The WeChat protocol's signatures: SHA-1 over the byte-sorted concatenation of a few
strings (Token, timestamp, nonce, and in safe mode the Encrypt text). Pure."""

from __future__ import annotations

import hashlib
import hmac


def signature(*parts: str) -> str:
    """40 lowercase hex characters: SHA-1 of the parts sorted in byte order, joined."""
    joined = "".join(sorted(parts, key=lambda p: p.encode()))
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()


def matches(expected: str, *parts: str) -> bool:
    """Whether `expected` is the signature of `parts` (compared in constant time)."""
    return hmac.compare_digest(expected.lower().encode(), signature(*parts).encode())
