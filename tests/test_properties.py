"""Property-based tests: action input and cloud answers, whatever they hold.

* Action schemas and input checks either return validated data or raise a
  translated `ServiceValidationError`, never anything else.
* The client's envelope reader and the models either return a value or raise
  the client's own `QuectelError`, never anything else.

At least 1,000 examples per property with the "ci" profile (CI=true).
"""

# The properties say "returns, or raises this error": asserting on it is the point.
# ruff: noqa: PT017

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
import json
from typing import Any

from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.quectel_iot.api.client import _read_envelope
from custom_components.quectel_iot.api.errors import QuectelError
from custom_components.quectel_iot.api.models import (
    Device,
    DevicePage,
    Share,
    Tokens,
    User,
    parse_list,
)
from custom_components.quectel_iot.const import DOMAIN
from custom_components.quectel_iot.services import (
    LIST_SHARES_SCHEMA,
    SET_SHARE_EXPIRY_SCHEMA,
    SHARE_DEVICE_SCHEMA,
    UNSHARE_DEVICE_SCHEMA,
)
from custom_components.quectel_iot.validation import (
    device_key_field,
    expiry_from,
    non_empty_text,
    optional_recipient_from,
    recipient_from,
    required_expiry_from,
)

from .hypothesis_profiles import CI_EXAMPLES, PROFILE

SCHEMAS = {
    "share_device": SHARE_DEVICE_SCHEMA,
    "list_shares": LIST_SHARES_SCHEMA,
    "unshare_device": UNSHARE_DEVICE_SCHEMA,
    "set_share_expiry": SET_SHARE_EXPIRY_SCHEMA,
}
FIELDS = [
    "device_id",
    "product_key",
    "device_key",
    "config_entry_id",
    "email",
    "phone",
    "uid",
    "expires_at",
    "duration",
    "mode",
    "auth_key",
    "share_code",
    "include_inactive",
]
TIME_ZONES = ["UTC", "US/Pacific", "Pacific/Kiritimati", "Pacific/Pago_Pago"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(["", " ", "add", "replace", "extend", "a@b.cd", "+8613800000000"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
# Values an action may get from YAML or the UI, and from Python callers.
input_values = (
    json_values
    | st.datetimes(timezones=st.none() | st.timezones())
    | st.timedeltas()
    | st.dates()
    | st.dictionaries(
        st.sampled_from(["days", "hours", "minutes", "seconds", "milliseconds"]),
        st.integers() | st.floats(allow_nan=False),
        max_size=3,
    )
    | st.sampled_from(
        [
            "9999-12-31 23:59:59",
            "10000-01-01",
            "0001-01-01T00:00:00",
            "2999-01-01T00:00:00+14:00",
            "-1:00:00",
            "00:00:00",
            "99999999:00:00",
        ]
    )
)
action_data = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=10), input_values, max_size=6
)


@contextmanager
def time_zone(name: str) -> Iterator[None]:
    """Make ``name`` Home Assistant's time zone for a while."""
    previous = dt_util.DEFAULT_TIME_ZONE
    dt_util.set_default_time_zone(dt_util.get_time_zone(name))  # type: ignore[arg-type]
    try:
        yield
    finally:
        dt_util.set_default_time_zone(previous)


def assert_translated(err: ServiceValidationError) -> None:
    """A validation error names its translation."""
    assert err.translation_domain == DOMAIN
    assert err.translation_key


def test_ci_profile_runs_a_thousand_examples() -> None:
    ci = settings.get_profile("ci")
    assert ci.max_examples >= 1000
    assert CI_EXAMPLES >= 1000
    assert settings.get_profile("dev").max_examples < ci.max_examples
    assert settings.default.max_examples == settings.get_profile(PROFILE).max_examples


@pytest.mark.parametrize("service", list(SCHEMAS))
@given(data=action_data, zone=st.sampled_from(TIME_ZONES))
@example(data={"uid": "U3", "duration": {"days": 10**12}}, zone="UTC")
@example(data={"uid": "U3", "expires_at": "9999-12-31 23:59:59"}, zone="US/Pacific")
@example(data={"uid": "U3\n"}, zone="UTC")
@example(data={"email": "a\x00@b.cd"}, zone="UTC")
@example(data={"mode": "merge"}, zone="UTC")
def test_action_input_is_validated_or_refused(
    service: str, data: dict[str, Any], zone: str
) -> None:
    with time_zone(zone):
        try:
            validated = SCHEMAS[service](data)
        except ServiceValidationError as err:
            assert_translated(err)
            return
        assert isinstance(validated, dict)
        for check in (
            optional_recipient_from,
            recipient_from,
            expiry_from,
            required_expiry_from,
        ):
            try:
                result = check(validated)
            except ServiceValidationError as err:
                assert_translated(err)
                continue
            if isinstance(result, datetime):
                assert result.tzinfo is not None
                assert result > dt_util.utcnow()
                assert result.year <= 9999


@given(value=input_values)
@example(value="DEV-1\n")
@example(value=True)
def test_key_fields_accept_only_the_documented_shape(value: Any) -> None:
    for field in (device_key_field, non_empty_text):
        try:
            text = field(value)
        except Exception as err:
            assert type(err).__name__ in ("Invalid", "MultipleInvalid"), err
        else:
            assert isinstance(text, str)
            assert text
            if field is device_key_field:
                assert text.isascii()
                assert text.strip() == text
                assert len(text) <= 64


@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.none(),
    ),
    zone=st.sampled_from(TIME_ZONES),
)
def test_expiry_is_in_the_future_and_representable(moment: datetime, zone: str) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    with time_zone(zone):
        try:
            expiry = expiry_from({"expires_at": moment}, now=now)
        except ServiceValidationError as err:
            assert err.translation_key in ("expiry_in_past", "expiry_too_late")
            return
    assert expiry is not None
    assert expiry > now
    assert expiry.tzinfo is UTC
    # The client turns it into epoch milliseconds.
    assert int(expiry.timestamp() * 1000) > int(now.timestamp() * 1000)


@given(duration=st.timedeltas())
def test_duration_is_positive_and_representable(duration: timedelta) -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    try:
        expiry = expiry_from({"duration": duration}, now=now)
    except ServiceValidationError as err:
        assert err.translation_key in (
            "duration_not_positive",
            "expiry_in_past",
            "expiry_too_late",
        )
        # Under a millisecond is "now": the cloud keeps milliseconds.
        assert duration < timedelta(milliseconds=1) or duration > timedelta(
            days=365 * 7000
        )
        return
    exact = now + duration
    assert expiry == exact.replace(microsecond=exact.microsecond // 1000 * 1000)


# --- cloud answers ------------------------------------------------------------

MODEL_KEYS = [
    "code",
    "msg",
    "data",
    "accessToken",
    "refreshToken",
    "token",
    "expirationTime",
    "uid",
    "email",
    "phone",
    "nikeName",
    "productKey",
    "deviceKey",
    "deviceName",
    "productName",
    "deviceType",
    "authKey",
    "verified",
    "onlineStatus",
    "shareInfo",
    "userInfo",
    "shareCode",
    "shareUid",
    "pk",
    "dk",
    "shareStatus",
    "shareTimeTs",
    "acceptTimeTs",
    "sharingExpireAtTs",
    "list",
    "total",
    "hasNextPage",
]
cloud_scalars = scalars | st.sampled_from(
    [10**20, -(10**20), "200", "-5032", "\u00b2", "--5", "1_0", "\u0663", 2**63]
)
cloud_values = st.recursive(
    cloud_scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(MODEL_KEYS) | st.text(max_size=8), children, max_size=8
        )
    ),
    max_leaves=30,
)
bodies = (
    st.binary(max_size=200)
    | cloud_values.map(lambda value: json.dumps(value).encode())
    | st.builds(
        lambda code, msg, data: json.dumps(
            {"code": code, "msg": msg, "data": data}
        ).encode(),
        cloud_scalars,
        cloud_scalars,
        cloud_values,
    )
)


@given(status=st.integers(min_value=100, max_value=599), body=bodies)
@example(status=200, body=b'{"code": "\xc2\xb2"}')
@example(status=200, body=b'{"code": "--5"}')
@example(status=200, body=b'{"code": " 200 ", "data": 1}')
@example(status=200, body=b'{"code": "5032"}')
@example(status=200, body=b"[" * 100_000)
@example(status=200, body=b"\xff\xfe")
@example(status=404, body=b"<html>")
def test_envelope_is_read_or_refused(status: int, body: bytes) -> None:
    with suppress(QuectelError):
        _read_envelope(status, body)


@given(value=cloud_values, page=st.integers(1, 1000), size=st.integers(1, 1000))
@example(
    value={"accessToken": {"token": "t", "expirationTime": "\u00b2"}}, page=1, size=1
)
@example(
    value={"shareInfo": {"shareCode": "S", "sharingExpireAtTs": 10**20}}, page=1, size=1
)
@example(
    value={"list": [{"productKey": "p", "deviceKey": 1.5}], "total": "x"},
    page=1,
    size=1,
)
def test_models_parse_or_refuse(value: Any, page: int, size: int) -> None:
    parsers = [
        Tokens.from_api,
        User.from_api,
        Device.from_api,
        Share.from_api,
        lambda v: DevicePage.from_api(v, page, size),
        lambda v: parse_list(v, "list"),
    ]
    for parse in parsers:
        with suppress(QuectelError):
            parse(value)


@given(value=cloud_values)
def test_share_expiry_and_status_are_safe_to_use(value: Any) -> None:
    try:
        share = Share.from_api({"shareInfo": value, "userInfo": value})
    except QuectelError:
        return
    assert isinstance(share.share_code, str)
    assert isinstance(share.is_active(datetime(2025, 1, 1, tzinfo=UTC)), bool)
