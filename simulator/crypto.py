"""Password decryption and signature checking, from the login pages.

emailPwdLogin.md / phonePwdLogin.md, parameter ``random``: the password is
AES-128 in CBC mode with PKCS5 padding, sent as base64 of the UTF-8 text.
The key is the 16 characters from index 8 to 24 of the uppercase hex MD5 of
``random``; the initialization vector is that key's two 8-byte halves
swapped. Worked example: random ``j1acpdj2bmtqZXVb`` gives key
``89A049614445CCA8``, iv ``4445CCA889A04961``, and ``china1234`` encrypts
to ``lkZMvj0KDSJXlp66jBieHA==``.

The signature is the hex SHA-256 of the documented fields concatenated:
email + pwd + random + userDomainSecret (email login),
internationalCode + phone + pwd + random + userDomainSecret (phone login);
API_accessInstruction.md's curl example is signed that way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK_BITS = 128


def key_and_iv(random: str) -> tuple[bytes, bytes]:
    """Return the AES key and initialization vector ``random`` gives."""
    digest = hashlib.md5(random.encode("utf-8")).hexdigest().upper()  # noqa: S324
    key = digest[8:24].encode("ascii")
    return key, key[8:16] + key[0:8]


def decrypt_password(encrypted: str, random: str) -> str:
    """Return the password ``encrypted`` holds; ValueError if it does not decrypt."""
    key, iv = key_and_iv(random)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except binascii.Error as err:
        raise ValueError("not base64") from err
    if not data or len(data) % (_BLOCK_BITS // 8):
        raise ValueError("not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    plain = unpadder.update(padded) + unpadder.finalize()  # ValueError if bad
    return plain.decode("utf-8")  # UnicodeDecodeError is a ValueError


def encrypt_password(password: str, random: str) -> str:
    """Encrypt ``password`` as a client must (for tools and tests)."""
    key, iv = key_and_iv(random)
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(password.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def signature(*fields: str) -> str:
    """Return the hex SHA-256 of ``fields`` concatenated in order."""
    return hashlib.sha256("".join(fields).encode("utf-8")).hexdigest()


def email_login_signature(email: str, pwd: str, random: str, secret: str) -> str:
    """Return the signature emailPwdLogin expects."""
    return signature(email, pwd, random, secret)


def phone_login_signature(
    international_code: str, phone: str, pwd: str, random: str, secret: str
) -> str:
    """Return the signature phonePwdLogin expects."""
    return signature(international_code, phone, pwd, random, secret)
