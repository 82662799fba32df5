"""An HTTP client of the simulator for its tests (a test helper, not a client)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from simulator import Simulator
from simulator.crypto import encrypt_password, signature as sign
from simulator.docs import METHODS, Endpoint

RANDOM = "j1acpdj2bmtqZXVb"


@dataclass
class Reply:
    """An HTTP answer: status, raw text and (when JSON) the parsed body."""

    status: int
    text: str
    json: Any

    @property
    def code(self) -> Any:
        """The envelope's code."""
        return self.json["code"]

    @property
    def data(self) -> Any:
        """The envelope's data."""
        return self.json["data"]


class Client:
    """A tiny client speaking to the simulator over real HTTP."""

    def __init__(self, sim: Simulator, session: aiohttp.ClientSession) -> None:
        self.sim = sim
        self.session = session

    async def request(
        self,
        endpoint: str,
        params: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        method: str | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Call ``endpoint`` with query ``params`` and return the reply."""
        method = method or METHODS[Endpoint(endpoint)]
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = token
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        async with self.session.request(
            method,
            self.sim.base_url + endpoint,
            params=query,
            data=data,
            headers=all_headers,
        ) as response:
            text = await response.text()
            try:
                body = await response.json(content_type=None)
            except ValueError:
                body = None
            return Reply(response.status, text, body)

    def email_params(
        self,
        email: str | None,
        password: str | None,
        *,
        random: str = RANDOM,
        domain: str | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        """Build signed emailPwdLogin parameters."""
        pwd = encrypt_password(password, random) if password is not None else None
        signature = sign(
            email or "", pwd or "", random, secret or self.sim.user_domain_secret
        )
        return {
            "email": email,
            "pwd": pwd,
            "random": random,
            "userDomain": domain or self.sim.user_domain,
            "signature": signature,
        }

    def phone_params(
        self,
        phone: str | None,
        password: str | None,
        *,
        international_code: str | None = None,
        random: str = RANDOM,
    ) -> dict[str, Any]:
        """Build signed phonePwdLogin parameters."""
        pwd = encrypt_password(password, random) if password is not None else None
        signature = sign(
            international_code or "",
            phone or "",
            pwd or "",
            random,
            self.sim.user_domain_secret,
        )
        return {
            "internationalCode": international_code,
            "phone": phone,
            "pwd": pwd,
            "random": random,
            "userDomain": self.sim.user_domain,
            "signature": signature,
        }

    async def login(self, email: str, password: str) -> dict[str, Any]:
        """Log in by email and return the token data."""
        reply = await self.request(
            Endpoint.EMAIL_LOGIN, self.email_params(email, password)
        )
        assert reply.code == 200, reply.json
        return reply.data  # type: ignore[no-any-return]

    async def token(self, email: str = "owner@example.test") -> str:
        """Log in as the test scenario's account ``email``; return the access token."""
        password = self.sim.user(email).password
        return (await self.login(email, password))["accessToken"]["token"]  # type: ignore[no-any-return]
