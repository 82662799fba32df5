"""The simulator's own password decryption and signatures, against the docs."""

from __future__ import annotations

import pytest

from simulator.crypto import (
    decrypt_password,
    email_login_signature,
    encrypt_password,
    key_and_iv,
    phone_login_signature,
)

DOC_SECRET = "57Fk69oYgbs2aWWN362NtZwYB2RqKNqQ7yZESnF5VM22"


def test_key_and_iv_of_the_worked_example() -> None:
    # emailPwdLogin.md / phonePwdLogin.md, parameter "random"
    assert key_and_iv("j1acpdj2bmtqZXVb") == (b"89A049614445CCA8", b"4445CCA889A04961")


def test_decrypts_the_worked_example() -> None:
    assert decrypt_password("lkZMvj0KDSJXlp66jBieHA==", "j1acpdj2bmtqZXVb") == (
        "china1234"
    )
    assert encrypt_password("china1234", "j1acpdj2bmtqZXVb") == (
        "lkZMvj0KDSJXlp66jBieHA=="
    )


@pytest.mark.parametrize(
    "encrypted",
    ["", "not base64!", "AAAA", "lkZMvj0KDSJXlp66jBieHA=="],
)
def test_what_does_not_decrypt_is_a_value_error(encrypted: str) -> None:
    # The last one is the worked example with another random.
    with pytest.raises(ValueError):  # noqa: PT011 - any ValueError: "wrong password"
        decrypt_password(encrypted, "0123456789abcdef")


def test_phone_login_signature_of_the_curl_example() -> None:
    # API_accessInstruction.md, step 3: its curl request's signature.
    assert phone_login_signature(
        "86", "17132136550", "KbbO5AsWloh9gulLei6NhQ==", "abcdef", DOC_SECRET
    ) == ("1fd91ebf096be51dae1c6055bc930bd8e24b1f477d2a47ae87eedb0f73057bf0")


def test_email_login_signature_is_sha256_of_the_fields() -> None:
    # SHA256(email + pwd + random + userDomainSecret) of "a@b.cd", "p", "r", "s"
    assert email_login_signature("a@b.cd", "p", "r", "s") == (
        "e3a0b713bbfee90cf84bdbe90e6ba7131cbea16406409d393f1445c01195d01d"
    )
