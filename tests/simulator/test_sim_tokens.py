"""Access and refresh tokens: 5106, 5032, expiry, revocation and rotation."""

from __future__ import annotations

import pytest

from simulator import Simulator
from simulator.docs import Endpoint
from simulator.models import TokenKind
from tests.simulator.sim_client import Client


async def test_missing_authorization_is_5106(client: Client) -> None:
    for endpoint in (Endpoint.USER_INFO, Endpoint.DEVICE_LIST, Endpoint.SHARE_BY_UID):
        reply = await client.request(endpoint)
        assert reply.status == 200
        assert reply.code == 5106


async def test_empty_authorization_is_5106(client: Client) -> None:
    reply = await client.request(Endpoint.USER_INFO, headers={"Authorization": ""})
    assert reply.code == 5106


async def test_token_must_match_exactly(client: Client, owner_token: str) -> None:
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).code == 200
    bare = owner_token.removeprefix("Bearer ")
    for wrong in (bare, "Bearer nonsense", owner_token + "x", owner_token.lower()):
        reply = await client.request(Endpoint.USER_INFO, token=wrong)
        assert reply.code == 5032, wrong


async def test_refresh_token_is_not_an_access_token(client: Client) -> None:
    data = await client.login("owner@example.test", "owner-pass")
    refresh = data["refreshToken"]["token"]
    assert (await client.request(Endpoint.USER_INFO, token=refresh)).code == 5032


async def test_expired_access_token_is_5032(client: Client, owner_token: str) -> None:
    client.sim.expire_access_tokens()
    assert (await client.request(Endpoint.USER_INFO, token=owner_token)).code == 5032
    # A token issued afterwards works.
    fresh = await client.token()
    assert (await client.request(Endpoint.USER_INFO, token=fresh)).code == 200


async def test_access_token_lifetime_and_clock(client: Client) -> None:
    sim = client.sim
    sim.access_token_lifetime = 60
    before = int(sim.now_ms() / 1000)
    data = await client.login("owner@example.test", "owner-pass")
    after = int(sim.now_ms() / 1000)
    token = data["accessToken"]["token"]
    # The clock may cross a second boundary while the login is handled.
    assert before + 60 <= data["accessToken"]["expirationTime"] <= after + 60
    sim.advance_clock(59)
    assert (await client.request(Endpoint.USER_INFO, token=token)).code == 200
    sim.advance_clock(2)
    assert (await client.request(Endpoint.USER_INFO, token=token)).code == 5032


async def test_revoked_tokens_are_5032(client: Client) -> None:
    data = await client.login("owner@example.test", "owner-pass")
    client.sim.revoke_tokens()
    access, refresh = data["accessToken"]["token"], data["refreshToken"]["token"]
    assert (await client.request(Endpoint.USER_INFO, token=access)).code == 5032
    reply = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": refresh})
    assert reply.code == 5032


async def test_revoke_tokens_of_one_user(client: Client) -> None:
    owner = await client.token("owner@example.test")
    guest = await client.token("guest@example.test")
    client.sim.revoke_tokens("U3")
    assert (await client.request(Endpoint.USER_INFO, token=owner)).code == 200
    assert (await client.request(Endpoint.USER_INFO, token=guest)).code == 5032


async def test_refresh_rotates_tokens(client: Client) -> None:
    data = await client.login("owner@example.test", "owner-pass")
    old_access, old_refresh = (
        data["accessToken"]["token"],
        data["refreshToken"]["token"],
    )
    reply = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": old_refresh})
    assert reply.code == 200
    new_access = reply.data["accessToken"]["token"]
    new_refresh = reply.data["refreshToken"]["token"]
    assert new_access.startswith("Bearer ")
    assert new_refresh.startswith("Bearer ")
    assert {new_access, new_refresh}.isdisjoint({old_access, old_refresh})
    assert (await client.request(Endpoint.USER_INFO, token=new_access)).code == 200
    # The old access token works until it expires; the old refresh token is spent.
    assert (await client.request(Endpoint.USER_INFO, token=old_access)).code == 200
    again = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": old_refresh})
    assert again.code == 5032
    # The new refresh token works.
    third = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": new_refresh})
    assert third.code == 200


async def test_refresh_with_expired_refresh_token_is_5032(client: Client) -> None:
    data = await client.login("owner@example.test", "owner-pass")
    client.sim.expire_refresh_tokens()
    refresh = data["refreshToken"]["token"]
    reply = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": refresh})
    assert reply.code == 5032
    # The access token is untouched.
    access = data["accessToken"]["token"]
    assert (await client.request(Endpoint.USER_INFO, token=access)).code == 200


async def test_refresh_token_lifetime(client: Client) -> None:
    client.sim.refresh_token_lifetime = 100
    data = await client.login("owner@example.test", "owner-pass")
    client.sim.advance_clock(101)
    refresh = data["refreshToken"]["token"]
    reply = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": refresh})
    assert reply.code == 5032


async def test_refresh_errors(client: Client) -> None:
    data = await client.login("owner@example.test", "owner-pass")
    assert (await client.request(Endpoint.REFRESH_TOKEN)).code == 5106
    for wrong in ("Bearer nope", data["accessToken"]["token"]):
        reply = await client.request(Endpoint.REFRESH_TOKEN, {"refreshToken": wrong})
        assert reply.code == 5032


async def test_token_lifetimes_from_constructor_and_scenario() -> None:
    sim = Simulator.from_scenario(
        "test", access_token_lifetime=10, refresh_token_lifetime=20
    )
    assert (sim.access_token_lifetime, sim.refresh_token_lifetime) == (10, 20)
    scenario = {
        "userDomain": "C.DM.1.1",
        "userDomainSecret": "s",
        "accessTokenLifetime": 30,
        "refreshTokenLifetime": 40,
    }
    custom = Simulator(scenario)
    assert (custom.access_token_lifetime, custom.refresh_token_lifetime) == (30, 40)


async def test_issued_tokens_are_listed(client: Client) -> None:
    sim = client.sim
    assert sim.tokens() == []
    data = await client.login("guest@example.test", "guest-pass")
    access, refresh = data["accessToken"], data["refreshToken"]
    assert [t.token for t in sim.tokens(TokenKind.ACCESS)] == [access["token"]]
    assert [t.token for t in sim.tokens(TokenKind.REFRESH)] == [refresh["token"]]
    issued = sim.token(access["token"])
    assert (issued.uid, issued.kind, issued.expires_at, issued.revoked) == (
        "U3",
        TokenKind.ACCESS,
        access["expirationTime"],
        False,
    )
    sim.revoke_tokens("U3")
    assert sim.token(refresh["token"]).revoked is True
    with pytest.raises(KeyError):
        sim.token("Bearer never-issued")
