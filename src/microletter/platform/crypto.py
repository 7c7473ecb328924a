"""Safe-mode encryption of the WeChat protocol (WXBizMsgCrypt), pure: no I/O, and the
16 random bytes of each message come from the caller.

    plaintext = random(16) | len(xml) as uint32 big-endian | xml | appid
    Encrypt   = base64(AES-256-CBC(key, iv=key[:16], PKCS#7-pad-to-32(plaintext)))

where key = base64decode(EncodingAESKey + "="). Decryption checks everything a sender
could get wrong: the base64, the block size, the padding (1-32 bytes, all equal), the
length field, and that the message was meant for this AppID.
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import TYPE_CHECKING

from microletter.platform.rules.officials import aes_key_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK = 32  # the protocol pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """An envelope that cannot be opened; the message says why (for logs, never users)."""


class Envelope:
    """Encrypts and decrypts messages of one official account."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        self._key = aes_key_bytes(encoding_aes_key)
        self._appid = appid.encode()

    def _cipher(self) -> Cipher[modes.CBC]:
        # Imported here: cryptography's bindings cost ~30 ms at start, and only accounts
        # in safe mode need them.
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, xml: str, random16: bytes) -> str:
        if len(random16) != 16:
            raise ValueError("the prefix is 16 random bytes")
        body = xml.encode()
        plain = random16 + struct.pack(">I", len(body)) + body + self._appid
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("Encrypt is not base64") from None
        if not data or len(data) % 16:
            raise CryptoError("Encrypt is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding (wrong key?)")
        plain = plain[:-pad]
        if len(plain) < 20:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoError("length field beyond the data")
        if plain[20 + length :] != self._appid:
            raise CryptoError("the message is for another AppID")
        try:
            return plain[20 : 20 + length].decode()
        except UnicodeDecodeError:
            raise CryptoError("the message is not UTF-8") from None
