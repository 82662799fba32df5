"""Password encryption and signatures against the worked examples in the docs."""

from custom_components.quectel_iot.api.crypto import (
    RANDOM_LENGTH,
    aes_key_iv,
    decrypt_password,
    encrypt_password,
    make_random,
    sign,
)

DOC_SECRET = "57Fk69oYgbs2aWWN362NtZwYB2RqKNqQ7yZESnF5VM22"


def test_aes_key_and_iv_match_the_documented_example() -> None:
    key, iv = aes_key_iv("j1acpdj2bmtqZXVb")
    assert key == b"89A049614445CCA8"
    assert iv == b"4445CCA889A04961"


def test_password_encryption_matches_the_documented_example() -> None:
    assert (
        encrypt_password("china1234", "j1acpdj2bmtqZXVb") == "lkZMvj0KDSJXlp66jBieHA=="
    )
    assert (
        decrypt_password("lkZMvj0KDSJXlp66jBieHA==", "j1acpdj2bmtqZXVb") == "china1234"
    )


def test_phone_login_signature_matches_the_documented_curl_example() -> None:
    # internationalCode + phone + pwd + random + userDomainSecret
    signature = sign(
        "86", "17132136550", "KbbO5AsWloh9gulLei6NhQ==", "abcdef", DOC_SECRET
    )
    assert (
        signature == "1fd91ebf096be51dae1c6055bc930bd8e24b1f477d2a47ae87eedb0f73057bf0"
    )


def test_sms_signature_matches_the_documented_curl_example() -> None:
    # phone + codeType + random + ts + userDomainSecret
    signature = sign(
        "17132136550", "3", "76a6L647F02CAoN9", "1744773894369", DOC_SECRET
    )
    assert (
        signature == "2deb6518ca0ee701e28a6359a91270c59dbe69456a3336dc5f625bfa32e64df6"
    )


def test_each_login_gets_a_fresh_16_character_random() -> None:
    randoms = {make_random() for _ in range(50)}
    assert len(randoms) == 50
    assert all(len(r) == RANDOM_LENGTH and r.isalnum() for r in randoms)


def test_unicode_passwords_round_trip() -> None:
    random = make_random()
    assert (
        decrypt_password(encrypt_password("pässwörd-密码", random), random)
        == "pässwörd-密码"
    )
