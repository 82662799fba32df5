"""Password encryption and request signatures (API_accessInstruction.md).

The password is AES-128-CBC encrypted with PKCS7 padding and sent as base64.
The key is characters 8 to 24 of the uppercase MD5 hex digest of a random
16-character string; the IV is the key with its two 8-byte halves swapped.
Signatures are the SHA-256 hex digest of the documented fields concatenated,
with the user domain secret last.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

RANDOM_LENGTH = 16
_RANDOM_ALPHABET = string.ascii_letters + string.digits


def make_random() -> str:
    """Return a fresh 16-character random string for one login."""
    return "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(RANDOM_LENGTH))


def aes_key_iv(random: str) -> tuple[bytes, bytes]:
    """Return the AES key and IV derived from ``random``."""
    key = hashlib.md5(random.encode()).hexdigest().upper()[8:24].encode()  # noqa: S324
    return key, key[8:] + key[:8]


def encrypt_password(password: str, random: str) -> str:
    """Encrypt ``password`` as the login endpoints expect."""
    key, iv = aes_key_iv(random)
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(password.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def decrypt_password(encrypted: str, random: str) -> str:
    """Reverse `encrypt_password`; raises ValueError when it does not decrypt."""
    key, iv = aes_key_iv(random)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(base64.b64decode(encrypted, validate=True))
    padded += decryptor.finalize()
    unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


def sign(*fields: str) -> str:
    """Return the SHA-256 hex signature of ``fields`` concatenated in order."""
    return hashlib.sha256("".join(fields).encode()).hexdigest()
