"""The encrypted `req_info` of refund notifications (WeChat Pay API v2, "退款结果通知"):

    req_info = base64(AES-256-ECB(key = md5(API key) as 32 lowercase hex characters,
                                  PKCS#7-padded <root>...</root>))

Pure apart from the cipher: no I/O. The notification itself carries no `sign`; the
encryption with the merchant's key is what proves it came from us.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK = 16  # AES's block: PKCS#7 as WeChat's own (Java: AES/ECB/PKCS5Padding)


class ReqInfoError(ValueError):
    """A req_info that cannot be opened with this key (the message says why)."""


def _cipher(api_key: str) -> Cipher[modes.ECB]:
    # Imported here, as platform/crypto.py does: cryptography's bindings cost at start.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = hashlib.md5(api_key.encode(), usedforsecurity=False).hexdigest().encode()
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - the protocol's mode


def encrypt_req_info(xml: str, api_key: str) -> str:
    """`xml` (a <root> document) as the notification's req_info."""
    plain = xml.encode()
    pad = BLOCK - len(plain) % BLOCK
    enc = _cipher(api_key).encryptor()
    return base64.b64encode(enc.update(plain + bytes([pad]) * pad) + enc.finalize()).decode()


def decrypt_req_info(req_info: str, api_key: str) -> str:
    """The <root> document of a req_info (what a merchant does; tests prove both ways)."""
    try:
        raw = base64.b64decode(req_info, validate=True)
    except (binascii.Error, ValueError):
        raise ReqInfoError("req_info is not base64") from None
    if not raw or len(raw) % BLOCK:
        raise ReqInfoError("req_info is not whole AES blocks")
    dec = _cipher(api_key).decryptor()
    plain = dec.update(raw) + dec.finalize()
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise ReqInfoError("bad padding (another key?)")
    try:
        return plain[:-pad].decode()
    except UnicodeDecodeError:
        raise ReqInfoError("not UTF-8 (another key?)") from None
