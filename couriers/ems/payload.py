"""The SM4 payload of the EMS contract API:
``logitcsInterface = "|$4|" + Base64(SM4-ECB-PKCS7(JSON + signKey))``.

Facts (carriers.md, reproduced byte for byte by the unit tests): the key is the 16 bytes Base64-decoded from
the customer's `signKey`; the plaintext is the compact JSON of the business payload with the `signKey`
*string* appended; SM4 in ECB mode with PKCS#7 padding; the ciphertext is Base64-encoded and prefixed with the
format tag ``|$4|``. The JSON must be compact (``,`` and ``:`` without spaces) and keep Chinese characters
unescaped, as the Java (fastjson) and PHP (``JSON_UNESCAPED_UNICODE``) clients send it: `dumps`, which is
`couriers.wire_common.dump_json`.

Opening a payload checks what the format allows: the prefix, Base64, whole 16-byte blocks, PKCS#7 padding,
UTF-8, the `signKey` suffix and (for `decode`) JSON. ECB has no integrity of its own, so this is what
"authenticated" means for EMS: only a holder of the key can produce a block sequence that survives all of it.
Any failure is a `PayloadError`, whose message never contains the key or the plaintext.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from couriers.wire_common import dump_json as dumps
from couriers.wire_common import load_json

__all__ = ["PREFIX", "PayloadError", "decode", "decode_key", "decrypt", "dumps", "encode", "encrypt"]

#: The format tag in front of every SM4 payload (`$4` = SM4).
PREFIX = "|$4|"

_BLOCK_BITS = 128


class PayloadError(ValueError):
    """A payload that cannot be opened with this key (or a key that is not a valid SM4 key)."""


def decode_key(sign_key: str) -> bytes:
    """The 16-byte SM4 key inside `sign_key` (Base64); `PayloadError` otherwise (the key is never echoed)."""
    try:
        key = base64.b64decode(sign_key.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise PayloadError("the sign key is not Base64") from None
    if len(key) != 16:
        raise PayloadError(f"the sign key must decode to 16 bytes, not {len(key)}")
    return key


def encrypt(plaintext: str, sign_key: str) -> str:
    """``|$4|`` + Base64(SM4-ECB-PKCS7(plaintext + sign_key)) — `plaintext` is already serialized JSON."""
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update((plaintext + sign_key).encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(decode_key(sign_key)), modes.ECB()).encryptor()
    sealed = encryptor.update(padded) + encryptor.finalize()
    return PREFIX + base64.b64encode(sealed).decode("ascii")


def decrypt(token: str, sign_key: str) -> str:
    """Inverse of `encrypt`: plaintext without the `sign_key` suffix; `PayloadError` if anything is off."""
    if not token.startswith(PREFIX):
        raise PayloadError("the payload does not start with |$4|")
    try:
        sealed = base64.b64decode(token[len(PREFIX) :].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise PayloadError("the payload is not Base64") from None
    if not sealed or len(sealed) % 16:
        raise PayloadError("the payload is not a whole number of SM4 blocks")
    decryptor = Cipher(algorithms.SM4(decode_key(sign_key)), modes.ECB()).decryptor()
    padded = decryptor.update(sealed) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    try:
        raw = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise PayloadError("the payload does not decrypt with this key (bad padding)") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("the payload does not decrypt with this key (not UTF-8)") from None
    if not text.endswith(sign_key):
        raise PayloadError("the payload does not decrypt with this key (no key suffix)")
    return text[: -len(sign_key)]


def encode(obj: Any, sign_key: str) -> str:
    """`encrypt` of `dumps(obj)`."""
    return encrypt(dumps(obj), sign_key)


def decode(token: str, sign_key: str) -> Any:
    """`decrypt`, then JSON: a genuine sender always encrypts JSON, so anything else is a `PayloadError`."""
    text = decrypt(token, sign_key)
    try:
        return load_json(text)
    except ValueError:
        raise PayloadError("the payload does not decrypt with this key (not JSON)") from None
