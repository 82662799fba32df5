"""Email and phone password login: success and every documented error code."""

from __future__ import annotations

import time

import pytest

from simulator import Simulator
from simulator.crypto import encrypt_password, signature as sign
from simulator.docs import Endpoint
from tests.simulator.doc_messages import EMAIL_LOGIN_MESSAGES
from tests.simulator.sim_client import RANDOM, Client


async def test_email_login_success_returns_bearer_tokens(client: Client) -> None:
    before = int(time.time())
    reply = await client.request(
        Endpoint.EMAIL_LOGIN, client.email_params("owner@example.test", "owner-pass")
    )
    assert reply.status == 200
    assert reply.json["code"] == 200
    assert reply.json["msg"] == ""
    assert reply.json["extMsg"] is None
    access, refresh = reply.data["accessToken"], reply.data["refreshToken"]
    assert access["token"].startswith("Bearer ")
    assert refresh["token"].startswith("Bearer ")
    assert access["token"] != refresh["token"]
    assert before + 7200 <= access["expirationTime"] <= int(time.time()) + 7200
    assert refresh["expirationTime"] - access["expirationTime"] == 30 * 86400 - 7200
    assert client.sim.users["U1"].last_login_time_ms is not None


async def test_email_is_case_insensitive(client: Client) -> None:
    data = await client.login("Owner@Example.TEST", "owner-pass")
    assert data["accessToken"]["token"].startswith("Bearer ")


async def test_phone_login_success_with_and_without_international_code(
    client: Client,
) -> None:
    for code in ("1", None):
        reply = await client.request(
            Endpoint.PHONE_LOGIN,
            client.phone_params("5550001", "owner-pass", international_code=code),
        )
        assert reply.code == 200
        assert reply.data["accessToken"]["token"].startswith("Bearer ")


async def test_login_accepts_docs_signature_vector(client: Client) -> None:
    """The docs' AES example decrypts to its password."""
    sim = client.sim
    sim.set_password("owner@example.test", "china1234")
    pwd = "lkZMvj0KDSJXlp66jBieHA=="
    params = {
        "email": "owner@example.test",
        "pwd": pwd,
        "random": RANDOM,
        "userDomain": sim.user_domain,
        "signature": sign("owner@example.test", pwd, RANDOM, sim.user_domain_secret),
    }
    assert (await client.request(Endpoint.EMAIL_LOGIN, params)).code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"userDomain": ""}, 5023),
        ({"userDomain": "DM.5812"}, 5013),
        ({"userDomain": "C.DM.1000.x"}, 5013),
        ({"userDomain": "C.DM.1000.2"}, 5104),
        ({"userDomain": "C.DM.4242.1"}, 5015),
        ({"signature": None}, 5550),
        ({"signature": "0" * 64}, 5420),
    ],
)
async def test_email_login_domain_and_signature_errors(
    client: Client, change: dict[str, str | None], code: int
) -> None:
    params = client.email_params("owner@example.test", "owner-pass")
    params.update(change)
    reply = await client.request(Endpoint.EMAIL_LOGIN, params)
    assert reply.status == 200
    assert reply.json == {
        "code": code,
        "msg": EMAIL_LOGIN_MESSAGES[code],
        "data": None,
        "extMsg": None,
    }


async def test_signature_with_wrong_secret_is_5420(client: Client) -> None:
    params = client.email_params("owner@example.test", "owner-pass", secret="nope")
    assert (await client.request(Endpoint.EMAIL_LOGIN, params)).code == 5420


async def test_signature_covers_random(client: Client) -> None:
    params = client.email_params("owner@example.test", "owner-pass")
    params["random"] = "another-random-x"
    assert (await client.request(Endpoint.EMAIL_LOGIN, params)).code == 5420


@pytest.mark.parametrize(
    ("email", "password", "code"),
    [
        ("owner@example.test", None, 5022),
        (None, "owner-pass", 5026),
        ("not-an-email", "owner-pass", 5040),
        ("nobody@example.test", "owner-pass", 5031),
    ],
)
async def test_email_login_account_errors(
    client: Client, email: str | None, password: str | None, code: int
) -> None:
    reply = await client.request(
        Endpoint.EMAIL_LOGIN, client.email_params(email, password)
    )
    assert reply.code == code
    assert reply.json["msg"] == EMAIL_LOGIN_MESSAGES[code]


@pytest.mark.parametrize(
    ("phone", "international_code", "password", "code"),
    [
        ("5550001", "1", None, 5022),
        (None, "1", "owner-pass", 5021),
        ("12ab", "1", "owner-pass", 5019),
        ("5559999", "1", "owner-pass", 5004),
        ("5550001", "44", "owner-pass", 5004),
    ],
)
async def test_phone_login_account_errors(
    client: Client,
    phone: str | None,
    international_code: str,
    password: str | None,
    code: int,
) -> None:
    params = client.phone_params(phone, password, international_code=international_code)
    assert (await client.request(Endpoint.PHONE_LOGIN, params)).code == code


async def test_phone_signature_includes_international_code(client: Client) -> None:
    params = client.phone_params("5550001", "owner-pass", international_code="1")
    params["signature"] = sign(
        "5550001", params["pwd"], RANDOM, client.sim.user_domain_secret
    )
    assert (await client.request(Endpoint.PHONE_LOGIN, params)).code == 5420


async def test_email_countdown_then_freeze(client: Client) -> None:
    sim = client.sim
    wrong = client.email_params("owner@example.test", "wrong-pass")
    codes = [(await client.request(Endpoint.EMAIL_LOGIN, wrong)).code for _ in range(5)]
    assert codes == [5586, 5585, 5584, 5583, 5147]
    right = client.email_params("owner@example.test", "owner-pass")
    # Frozen: even the right password is refused, by either login endpoint.
    assert (await client.request(Endpoint.EMAIL_LOGIN, right)).code == 5147
    phone = client.phone_params("5550001", "owner-pass", international_code="1")
    assert (await client.request(Endpoint.PHONE_LOGIN, phone)).code == 5147
    sim.advance_clock(20 * 60 - 5)
    assert (await client.request(Endpoint.EMAIL_LOGIN, right)).code == 5147
    sim.advance_clock(10)
    assert (await client.request(Endpoint.EMAIL_LOGIN, right)).code == 200
    # The count starts again from 4 attempts left.
    assert (await client.request(Endpoint.EMAIL_LOGIN, wrong)).code == 5586


async def test_phone_countdown_then_freeze(client: Client) -> None:
    wrong = client.phone_params("5550003", "wrong-pass", international_code="1")
    codes = [(await client.request(Endpoint.PHONE_LOGIN, wrong)).code for _ in range(5)]
    assert codes == [5582, 5581, 5580, 5579, 5147]
    assert client.sim.users["U3"].frozen_until is not None


async def test_successful_login_resets_countdown(client: Client) -> None:
    wrong = client.email_params("owner@example.test", "wrong-pass")
    for expected in (5586, 5585, 5584):
        assert (await client.request(Endpoint.EMAIL_LOGIN, wrong)).code == expected
    await client.login("owner@example.test", "owner-pass")
    assert (await client.request(Endpoint.EMAIL_LOGIN, wrong)).code == 5586


async def test_password_that_does_not_decrypt_counts_as_wrong(client: Client) -> None:
    params = client.email_params("owner@example.test", "owner-pass")
    params["pwd"] = "not base64!"
    params["signature"] = sign(
        "owner@example.test", "not base64!", RANDOM, client.sim.user_domain_secret
    )
    assert (await client.request(Endpoint.EMAIL_LOGIN, params)).code == 5586


async def test_password_encrypted_with_other_random_is_wrong(client: Client) -> None:
    pwd = encrypt_password("owner-pass", "0123456789abcdef")
    params = {
        "email": "owner@example.test",
        "pwd": pwd,
        "random": RANDOM,
        "userDomain": client.sim.user_domain,
        "signature": sign(
            "owner@example.test", pwd, RANDOM, client.sim.user_domain_secret
        ),
    }
    assert (await client.request(Endpoint.EMAIL_LOGIN, params)).code == 5586


async def test_set_password_takes_effect(client: Client) -> None:
    client.sim.set_password("U1", "new-pass-1")
    old = client.email_params("owner@example.test", "owner-pass")
    assert (await client.request(Endpoint.EMAIL_LOGIN, old)).code == 5586
    await client.login("owner@example.test", "new-pass-1")


async def test_freeze_seconds_configurable() -> None:
    sim = Simulator.from_scenario("test", freeze_seconds=60)
    assert sim.freeze_seconds == 60


async def test_freeze_seconds_settable(client: Client) -> None:
    sim = client.sim
    sim.freeze_seconds = 5
    wrong = client.email_params("owner@example.test", "wrong-pass")
    codes = [(await client.request(Endpoint.EMAIL_LOGIN, wrong)).code for _ in range(5)]
    assert codes[-1] == 5147
    right = client.email_params("owner@example.test", "owner-pass")
    sim.advance_clock(4)
    assert (await client.request(Endpoint.EMAIL_LOGIN, right)).code == 5147
    sim.advance_clock(2)
    assert (await client.request(Endpoint.EMAIL_LOGIN, right)).code == 200
