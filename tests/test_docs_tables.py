"""The client's tables against the simulator's, both written from the API docs.

The client (``custom_components/quectel_iot/api``) and the simulator
(``simulator/docs.py``, ``simulator/crypto.py``) each keep their own copy of
what the docs say: endpoint paths and methods, error codes and their
messages, the coverMark / shareStatus / deviceType values, the password
encryption and the signatures. The simulator never imports the client, so a
mistake in one table is not silently copied into the other: this file fails
on any difference. A change to one table must be made knowingly in both.

Where the client's table disagrees with the docs, the simulator follows the
docs and the case is marked ``xfail(strict=True)`` below, naming the page.
"""

from __future__ import annotations

import pytest

from custom_components.quectel_iot.api import crypto as client_crypto
from custom_components.quectel_iot.api.const import (
    ENDPOINT_METHODS,
    BindStatus as ClientBindStatus,
    CoverMark as ClientCoverMark,
    DeviceType as ClientDeviceType,
    Endpoint as ClientEndpoint,
    ShareStatus as ClientShareStatus,
)
from custom_components.quectel_iot.api.errors import ERROR_CODES
from simulator import crypto as sim_crypto, docs as sim_docs

# The docs' worked examples (emailPwdLogin.md, API_accessInstruction.md).
DOC_RANDOM = "j1acpdj2bmtqZXVb"
DOC_PASSWORD = "china1234"
DOC_ENCRYPTED = "lkZMvj0KDSJXlp66jBieHA=="
DOC_SECRET = "57Fk69oYgbs2aWWN362NtZwYB2RqKNqQ7yZESnF5VM22"
DOC_PHONE_LOGIN_FIELDS = (
    "86",
    "17132136550",
    "KbbO5AsWloh9gulLei6NhQ==",
    "abcdef",
    DOC_SECRET,
)
DOC_PHONE_LOGIN_SIGNATURE = (
    "1fd91ebf096be51dae1c6055bc930bd8e24b1f477d2a47ae87eedb0f73057bf0"
)

# Codes whose message in the client's table is not the docs' wording: the
# pages that word them. The simulator answers with the docs' wording.
WORDED_OTHERWISE_BY_THE_DOCS: dict[int, str] = {
    5019: "phonePwdLogin.md",
    5056: "emailPwdLogin.md, phonePwdLogin.md",
    5134: "shareByUid.md, shareInfo.md",
    5147: "emailPwdLogin.md, phonePwdLogin.md",
    5325: "emailPwdLogin.md, phonePwdLogin.md",
    5360: "shareByUid.md, shareInfo.md",
    5579: "phonePwdLogin.md",
    5580: "phonePwdLogin.md",
    5581: "phonePwdLogin.md",
    5582: "phonePwdLogin.md",
    5583: "emailPwdLogin.md",
    5584: "emailPwdLogin.md",
    5585: "emailPwdLogin.md",
    5586: "emailPwdLogin.md",
    5864: "shareByUid.md",
    5891: "shareByUid.md",
    6084: "emailPwdLogin.md, phonePwdLogin.md",
    6085: "emailPwdLogin.md, phonePwdLogin.md",
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's fixture: no Home Assistant here."""


def _client_endpoints() -> list[sim_docs.Endpoint]:
    return [sim_docs.Endpoint(endpoint.value) for endpoint in ENDPOINT_METHODS]


def _sim_messages(code: int) -> set[str]:
    """The messages the simulator has for ``code`` on the client's endpoints."""
    return {
        message
        for endpoint in _client_endpoints()
        for answered, message in sim_docs.codes_answered(endpoint).items()
        if answered == code
    }


# --- endpoints ---------------------------------------------------------------


def test_every_client_endpoint_has_a_method() -> None:
    assert set(ENDPOINT_METHODS) == set(ClientEndpoint)


def test_share_code_endpoints_are_in_both_tables() -> None:
    # shareInfo.md, shareDevice.md, shareUserUnshareDevice.md.
    pages = {"shareInfo": "POST", "shareDevice": "POST"}
    pages["shareUserUnshareDevice"] = "DELETE"
    client = {
        endpoint.value.rsplit("/", 1)[1]: method
        for endpoint, method in ENDPOINT_METHODS.items()
    }
    served = {
        endpoint.value.rsplit("/", 1)[1]: method
        for endpoint, method in sim_docs.METHODS.items()
    }
    assert {page: client.get(page) for page in pages} == pages
    assert {page: served.get(page) for page in pages} == pages


def test_endpoint_paths_and_methods() -> None:
    client = {endpoint.value: method for endpoint, method in ENDPOINT_METHODS.items()}
    served = {endpoint.value: method for endpoint, method in sim_docs.METHODS.items()}
    assert {path: served.get(path) for path in client} == client


# --- error codes -------------------------------------------------------------


def test_error_code_sets() -> None:
    """The client knows exactly the codes the client's endpoints may answer."""
    simulator_codes = {
        code
        for endpoint in _client_endpoints()
        for code in sim_docs.codes_answered(endpoint)
    }
    assert set(ERROR_CODES) == simulator_codes


def _message_case(code: int) -> object:
    page = WORDED_OTHERWISE_BY_THE_DOCS.get(code)
    if page is None:
        return code
    return pytest.param(
        code,
        marks=pytest.mark.xfail(
            strict=True,
            reason=f"{page} words {code} otherwise than the client's table",
        ),
    )


@pytest.mark.parametrize("code", [_message_case(code) for code in sorted(ERROR_CODES)])
def test_error_message(code: int) -> None:
    assert ERROR_CODES[code].explanation in _sim_messages(code)


# --- enumerations ------------------------------------------------------------


def test_cover_mark_values() -> None:
    # shareByUid.md: 1 override (default), 2 add, 3 override if extended.
    assert [int(mark) for mark in ClientCoverMark] == [1, 2, 3]
    assert [int(mark) for mark in sim_docs.CoverMark] == [1, 2, 3]
    assert ClientCoverMark(1).name == "REPLACE"
    assert sim_docs.CoverMark(1).name == "OVERRIDE"
    assert ClientCoverMark(3).name == "EXTEND"
    assert sim_docs.CoverMark(3).name == "EXTEND_ONLY"


def test_share_status_values() -> None:
    client = {status.name: int(status) for status in ClientShareStatus}
    simulator = {status.name: int(status) for status in sim_docs.ShareStatus}
    assert client == simulator


def test_device_type_values() -> None:
    # userDeviceList.md: "1-Own device 2-Shared device".
    assert {int(t) for t in ClientDeviceType} == {int(t) for t in sim_docs.DeviceType}
    assert int(ClientDeviceType.OWNED) == int(sim_docs.DeviceType.OWN) == 1
    assert int(ClientDeviceType.SHARED_WITH_ME) == int(sim_docs.DeviceType.SHARED)


def test_binding_status_values() -> None:
    # userDeviceList.md, status and bindStatus: "1-Normal 2-Expired".
    assert {int(t) for t in ClientBindStatus} == {int(t) for t in sim_docs.BindStatus}
    assert int(ClientBindStatus.NORMAL) == int(sim_docs.BindStatus.NORMAL) == 1
    assert int(ClientBindStatus.EXPIRED) == int(sim_docs.BindStatus.EXPIRED) == 2


# --- crypto ------------------------------------------------------------------


def test_both_encrypt_the_worked_example_alike() -> None:
    assert client_crypto.encrypt_password(DOC_PASSWORD, DOC_RANDOM) == DOC_ENCRYPTED
    assert sim_crypto.decrypt_password(DOC_ENCRYPTED, DOC_RANDOM) == DOC_PASSWORD


@pytest.mark.parametrize(
    "password", ["owner-pass", "x", "sixteen-chars-16", "pässwörd-密码", ""]
)
def test_client_encryption_round_trips_through_the_simulator(password: str) -> None:
    for _ in range(5):
        random = client_crypto.make_random()
        encrypted = client_crypto.encrypt_password(password, random)
        assert sim_crypto.decrypt_password(encrypted, random) == password


def test_both_sign_the_worked_example_alike() -> None:
    assert client_crypto.sign(*DOC_PHONE_LOGIN_FIELDS) == DOC_PHONE_LOGIN_SIGNATURE
    assert (
        sim_crypto.phone_login_signature(*DOC_PHONE_LOGIN_FIELDS)
        == DOC_PHONE_LOGIN_SIGNATURE
    )
    email_fields = ("owner@example.test", DOC_ENCRYPTED, DOC_RANDOM, DOC_SECRET)
    assert client_crypto.sign(*email_fields) == sim_crypto.email_login_signature(
        *email_fields
    )
