"""Property-based tests: action input and cloud answers, whatever they hold.

* Action schemas and input checks either return validated data or raise a
  translated `ServiceValidationError` naming the field, never anything else;
  what they accept has the documented shape and valid values round-trip.
* The client's envelope reader and the models either return what the answer
  holds or raise the client's own `QuectelError`, never anything else.

At least 1,000 examples per property with the "ci" profile (CI=true).
"""

# The properties say "returns, or raises this error": asserting on it is the point.
# ruff: noqa: PT017

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
import re
from typing import Any
from zoneinfo import ZoneInfo

from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.quectel_iot.api.client import _read_envelope
from custom_components.quectel_iot.api.errors import QuectelError, QuectelResponseError
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
    expiry_from,
    optional_recipient_from,
    phone_field,
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXCEPTIONS: dict[str, Any] = json.loads(
    (
        Path(__file__).parents[1] / "custom_components/quectel_iot/translations/en.json"
    ).read_text(encoding="utf-8")
)["exceptions"]

# The shape of each text field as the README documents it, written here and
# not taken from `validation`.
KEY = r"[A-Za-z0-9_.:-]{1,64}"
REGISTRY_ID = r"[A-Za-z0-9_-]{1,64}"
CLOUD_TEXT = r"[!-~]{1,%d}"
TEXT_SHAPES = {
    "product_key": KEY,
    "device_key": KEY,
    "config_entry_id": REGISTRY_ID,
    "uid": CLOUD_TEXT % 64,
    "share_code": CLOUD_TEXT % 128,
    "auth_key": CLOUD_TEXT % 256,
    "phone": r"\+?[0-9]{5,20}",
}
# The errors a single field's refusal may be.
FIELD_ERRORS = {
    "field_not_text",
    "field_empty",
    "field_too_long",
    "field_bad_characters",
    "too_many_items",
    "invalid_email",
    "invalid_phone",
    "invalid_uid",
    "invalid_datetime",
    "invalid_duration",
    "invalid_choice",
    "invalid_boolean",
}

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


def schema_of(field: str) -> Any:
    """An action schema that has ``field``."""
    if field == "share_code":
        return UNSHARE_DEVICE_SCHEMA
    if field == "include_inactive":
        return LIST_SHARES_SCHEMA
    return SHARE_DEVICE_SCHEMA


@given(field=st.sampled_from([f for f in FIELDS if f != "mode"]), value=input_values)
@example(field="device_key", value="DEV-1\n")
@example(field="device_key", value=True)
@example(field="uid", value="U\u202e3")
@example(field="email", value="guest\u200b@example.com")
@example(field="auth_key", value="key\x00")
@example(field="share_code", value="CODE\r\nX")
@example(field="device_id", value="d" * 1_000_000)
@example(field="duration", value={"days": 10**12})
@example(field="phone", value="\u0665" * 8)
def test_each_field_is_refused_by_name_or_has_its_shape(field: str, value: Any) -> None:
    try:
        validated = schema_of(field)({field: value})
    except ServiceValidationError as err:
        assert err.translation_domain == DOMAIN
        assert err.translation_key in FIELD_ERRORS
        placeholders = err.translation_placeholders or {}
        assert placeholders["field"] == field
        message = EXCEPTIONS[str(err.translation_key)]["message"].format(**placeholders)
        assert field in message
        # A short message, whatever the input; no control, bidi or zero-width
        # character from it.
        assert len(message) < 400
        assert message.isprintable()
        return
    if value is None:
        assert field not in validated or field == "include_inactive"
        return
    result = validated[field]
    if field in TEXT_SHAPES:
        assert re.fullmatch(TEXT_SHAPES[field], result, re.ASCII), result
    elif field == "device_id":
        assert 1 <= len(result) <= 1000
        assert all(re.fullmatch(REGISTRY_ID, item) for item in result)
    elif field == "email":
        assert result.isascii()
        assert result.isprintable()
        assert result.count("@") == 1
        assert len(result) <= 254
    elif field == "expires_at":
        assert isinstance(result, datetime)
    elif field == "duration":
        assert isinstance(result, timedelta)
    else:
        assert isinstance(result, bool)


key_text = st.from_regex(KEY, fullmatch=True)
cloud_text = st.from_regex(CLOUD_TEXT % 128, fullmatch=True)
padding = st.sampled_from(["", " ", "\t ", "\n"])


@given(
    product_key=key_text,
    device_key=key_text,
    share_code=cloud_text,
    uid=st.from_regex(CLOUD_TEXT % 64, fullmatch=True),
    pad=padding,
)
def test_valid_values_round_trip(
    product_key: str, device_key: str, share_code: str, uid: str, pad: str
) -> None:
    """What has the documented shape comes back as given, blanks around removed."""
    validated = UNSHARE_DEVICE_SCHEMA(
        {
            "product_key": pad + product_key + pad,
            "device_key": device_key,
            "share_code": share_code + pad,
            "uid": pad + uid,
        }
    )
    assert validated == {
        "product_key": product_key,
        "device_key": device_key,
        "share_code": share_code,
        "uid": uid,
    }
    assert recipient_from(validated).as_kwargs() == {"uid": uid}


@given(
    plus=st.booleans(),
    digits=st.from_regex(r"[0-9]{5,20}", fullmatch=True),
    separators=st.lists(st.sampled_from([" ", "-", "(", ")"]), max_size=8),
    data=st.data(),
)
def test_phone_is_normalized_to_digits_and_plus(
    plus: bool, digits: str, separators: list[str], data: st.DataObject
) -> None:
    text = list(digits)
    for separator in separators:
        text.insert(data.draw(st.integers(0, len(text))), separator)
    written = ("+" if plus else "") + "".join(text)
    normalized = phone_field(written)
    assert normalized == ("+" if plus else "") + digits
    assert set(normalized) <= set("+0123456789")


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
    # Millisecond precision, as the cloud keeps it.
    assert expiry.microsecond % 1000 == 0
    instant = moment.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert timedelta(0) <= instant - expiry < timedelta(milliseconds=1)
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
    """Only a JSON object whose code means success gives its ``data``."""
    try:
        data = _read_envelope(status, body)
    except QuectelError as err:
        if isinstance(err, QuectelResponseError) and err.code is not None:
            assert err.code not in (0, 200)
        return
    assert status < 500
    envelope = json.loads(body)
    assert isinstance(envelope, dict)
    code = envelope["code"]
    assert not isinstance(code, bool)
    if isinstance(code, str):
        assert code.strip().lstrip("-").isascii()
    assert int(code) in (0, 200)
    assert data == envelope.get("data") or data != data  # noqa: PLR0124  (NaN)


finite_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


@given(
    code=st.sampled_from([0, 200, "200", " 0 "]),
    data=finite_json,
    msg=st.text(),
    error=st.integers(1, 10**6).filter(lambda c: c not in (200,)),
)
def test_envelope_round_trip(code: Any, data: Any, msg: str, error: int) -> None:
    """A success gives back its data; an error code its code and message."""
    body = json.dumps({"code": code, "msg": msg, "data": data}).encode()
    assert _read_envelope(200, body) == data
    body = json.dumps({"code": error, "msg": msg, "data": data}).encode()
    try:
        _read_envelope(200, body)
    except QuectelResponseError as err:
        assert err.code == error
        assert err.msg == msg
    else:
        pytest.fail("an error code was read as a success")


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
        try:
            parsed = parse(value)
        except QuectelError:
            continue
        if isinstance(parsed, Device):
            assert parsed.product_key
            assert parsed.device_key
            assert parsed.unique_id == f"{parsed.product_key}_{parsed.device_key}"
        elif isinstance(parsed, Tokens):
            assert parsed.access.token
            assert parsed.refresh.token
        elif isinstance(parsed, Share):
            assert parsed.share_code
            for moment in (parsed.shared_at, parsed.accepted_at, parsed.expires_at):
                assert moment is None or moment.tzinfo is UTC


names = st.text(min_size=1, max_size=20).filter(lambda text: text.strip() == text)
# Up to 2200: further out, epoch milliseconds read through a float lose
# sub-millisecond exactness (reported; not the integration's range in use).
epoch_ms = st.integers(1, 7_258_118_400_000)


@given(
    product_key=names,
    device_key=names,
    name=st.none() | names,
    verified=st.sampled_from([0, 1, "1", None]),
    share_code=names,
    status=st.none() | st.integers(0, 5),
    expires=st.none() | epoch_ms,
)
def test_models_round_trip(  # noqa: PLR0917
    product_key: str,
    device_key: str,
    name: str | None,
    verified: Any,
    share_code: str,
    status: int | None,
    expires: int | None,
) -> None:
    device = Device.from_api(
        {
            "productKey": product_key,
            "deviceKey": device_key,
            "deviceName": name,
            "verified": verified,
        }
    )
    assert (device.product_key, device.device_key) == (product_key, device_key)
    assert device.name == (name or device_key)
    assert device.verified is (verified in (1, "1"))
    share = Share.from_api(
        {
            "shareInfo": {
                "shareCode": share_code,
                "shareStatus": status,
                "sharingExpireAtTs": expires,
            },
            "userInfo": {"uid": "U3"},
        }
    )
    assert share.share_code == share_code
    assert share.status == status
    assert share.expires_at == (
        None if expires is None else EPOCH + timedelta(milliseconds=expires)
    )


@given(
    status=st.none() | st.integers(-1, 5), expires=st.none() | epoch_ms, now=epoch_ms
)
def test_share_is_active_exactly_while_in_force(
    status: int | None, expires: int | None, now: int
) -> None:
    """Pending (0), active (1) or without status, and not past its end."""
    share = Share.from_api(
        {
            "shareInfo": {
                "shareCode": "S",
                "shareStatus": status,
                "sharingExpireAtTs": expires,
                "shareUid": "U3",
            }
        }
    )
    in_force = status in (0, 1, None) and (expires is None or expires > now)
    assert share.is_active(EPOCH + timedelta(milliseconds=now)) is in_force


@given(
    status=st.none() | st.integers(-1, 5),
    accept_by=st.none() | epoch_ms,
    expires=st.none() | epoch_ms,
    now=epoch_ms,
)
def test_an_invitation_is_never_active_and_open_only_until_its_deadline(
    status: int | None, accept_by: int | None, expires: int | None, now: int
) -> None:
    """No recipient and no acceptTime: nobody can use the device through it."""
    invitation = Share.from_api(
        {
            "shareInfo": {
                "shareCode": "S",
                "shareStatus": status,
                "acceptingExpireAtTs": accept_by,
                "sharingExpireAtTs": expires,
            },
            "userInfo": None,
        }
    )
    moment = EPOCH + timedelta(milliseconds=now)
    assert not invitation.is_active(moment)
    still_open = (
        status not in (2, 3)
        and (accept_by is None or accept_by > now)
        and (expires is None or expires > now)
    )
    assert invitation.is_open_invitation(moment) is still_open
