"""Login (email or phone plus password) and token refresh.

Checks, in this order, answering with the first that fails:

1. ``userDomain`` missing 5023; not shaped ``C.DM.<digits>.<digits>`` 5013;
   marked disabled by the scenario 5104; any other domain than the
   scenario's 5015.
2. ``signature`` missing 5550; ``pwd`` missing 5022; ``email`` missing 5026
   (``phone`` missing 5021); email without ``@``/dot 5040 (phone not 5-20
   digits 5019).
3. Signature wrong 5420. Email: SHA256(email + pwd + random + secret);
   phone: SHA256(internationalCode + phone + pwd + random + secret); absent
   optional fields count as "".
4. Unknown email 5031 (unknown phone 5004; when ``internationalCode`` is sent
   it must be the user's).
5. Account frozen 5147, even with the right password.
6. Wrong password (or one that does not decrypt with ``random``): 5586..5583
   for email, 5582..5579 for phone, saying 4..1 attempts are left; the fifth
   wrong password in a row freezes the account for ``freeze_seconds`` and
   answers 5147. The count is per account, shared by both login endpoints,
   and a successful login resets it.

``mcc`` is ignored (6084/6085 are not simulated), as is 5325.
"""

from __future__ import annotations

from enum import Enum
import re
from typing import Any

from .crypto import decrypt_password, email_login_signature, phone_login_signature
from .envelope import ApiError
from .models import IssuedToken, SimUser, TokenKind
from .params import Params
from .state import CloudState

USER_DOMAIN_FORMAT = re.compile(r"C\.DM\.\d+\.\d+")
EMAIL_FORMAT = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_FORMAT = re.compile(r"\d{5,20}")
MAX_FAILED_LOGINS = 5


class LoginKind(Enum):
    """The two password login endpoints and their error codes."""

    EMAIL = ("email", 5026, 5040, 5031, 5582)
    PHONE = ("phone", 5021, 5019, 5004, 5578)

    def __init__(
        self, field: str, missing: int, bad_format: int, unknown: int, base: int
    ) -> None:
        """Unpack the codes; ``base + n`` is "wrong password, n attempts left"."""
        self.field = field
        self.missing = missing
        self.bad_format = bad_format
        self.unknown = unknown
        self.base = base


def login(state: CloudState, params: Params, kind: LoginKind) -> dict[str, Any]:
    """Check a password login and return the documented token data."""
    _check_user_domain(state, params.get("userDomain"))
    signature = params.get("signature")
    if signature is None:
        raise ApiError(5550)
    pwd = params.get("pwd")
    if pwd is None:
        raise ApiError(5022)
    account = params.get(kind.field)
    if account is None:
        raise ApiError(kind.missing)
    account_format = EMAIL_FORMAT if kind is LoginKind.EMAIL else PHONE_FORMAT
    if not account_format.fullmatch(account):
        raise ApiError(kind.bad_format)
    random = params.text("random")
    international_code = params.get("internationalCode")
    if kind is LoginKind.EMAIL:
        expected = email_login_signature(account, pwd, random, state.user_domain_secret)
        user = state.user_by_email(account)
    else:
        expected = phone_login_signature(
            international_code or "", account, pwd, random, state.user_domain_secret
        )
        user = state.user_by_phone(account, international_code)
    if signature.lower() != expected:
        raise ApiError(5420)
    if user is None:
        raise ApiError(kind.unknown)
    _check_password(state, user, pwd, random, kind)
    user.failed_logins = 0
    user.last_login_time_ms = state.clock.now_ms()
    return token_data(*state.issue_tokens(user.uid))


def refresh(state: CloudState, params: Params) -> dict[str, Any]:
    """Exchange a refresh token for a new access and refresh token.

    The doc lists no error code. The simulator answers 5106 ("Please enter
    token") when ``refreshToken`` is missing and 5032 ("Token verification
    failed") when it is unknown, expired, revoked or an access token. The old
    refresh token stops working; the old access token keeps working until it
    expires.
    """
    value = params.get("refreshToken")
    if value is None:
        raise ApiError(5106)
    token = state.valid_token(value, TokenKind.REFRESH)
    if token is None or token.uid not in state.users:
        raise ApiError(5032)
    token.revoked = True
    return token_data(*state.issue_tokens(token.uid))


def token_data(access: IssuedToken, refresh_token: IssuedToken) -> dict[str, Any]:
    """Return the ``data`` of a login or refresh answer."""
    return {
        "accessToken": {"token": access.token, "expirationTime": access.expires_at},
        "refreshToken": {
            "token": refresh_token.token,
            "expirationTime": refresh_token.expires_at,
        },
    }


def _check_user_domain(state: CloudState, domain: str | None) -> None:
    if domain is None:
        raise ApiError(5023)
    if not USER_DOMAIN_FORMAT.fullmatch(domain):
        raise ApiError(5013)
    if domain in state.disabled_domains:
        raise ApiError(5104)
    if domain != state.user_domain:
        raise ApiError(5015)


def _check_password(
    state: CloudState, user: SimUser, pwd: str, random: str, kind: LoginKind
) -> None:
    now = state.clock.now()
    if user.frozen_until is not None:
        if now < user.frozen_until:
            raise ApiError(5147)
        user.frozen_until = None
    try:
        password = decrypt_password(pwd, random)
    except ValueError:
        password = None
    if password == user.password:
        return
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.failed_logins = 0
        user.frozen_until = now + state.freeze_seconds
        raise ApiError(5147)
    raise ApiError(kind.base + MAX_FAILED_LOGINS - user.failed_logins)
