"""Device ids: one id per pair of keys, for any keys the docs allow.

The docs give product and device keys no syntax (any string), so the ids are
checked for arbitrary text, including ``_``, ``%`` and the separator-looking
characters the action input accepts (``[A-Za-z0-9_.:-]``).
"""

from __future__ import annotations

from hypothesis import example, given, strategies as st

from custom_components.quectel_iot.api import Device, device_unique_id

from ..hypothesis_profiles import PROFILE  # noqa: F401  # loads the profile

keys = st.text(min_size=1, max_size=12)
action_keys = st.text(alphabet="Ab0_.:-%", min_size=1, max_size=8)


@given(st.tuples(keys, keys), st.tuples(keys, keys))
@example(("pA_B", "C"), ("pA", "B_C"))
@example(("pA%5FB", "C"), ("pA_B", "C"))
@example(("p%", "_"), ("p%_", ""))
def test_different_keys_never_share_an_id(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    if first != second:
        assert device_unique_id(*first) != device_unique_id(*second)


@given(st.tuples(action_keys, action_keys), st.tuples(action_keys, action_keys))
def test_keys_an_action_accepts_never_share_an_id(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    if first != second:
        assert device_unique_id(*first) != device_unique_id(*second)


def test_the_two_devices_of_the_issue_have_two_ids() -> None:
    assert device_unique_id("pA_B", "C") != device_unique_id("pA", "B_C")


def test_ordinary_keys_keep_the_readable_pk_dk() -> None:
    """Ids of real product keys (no ``_``) are those of earlier versions."""
    assert device_unique_id("p11pLZ", "D001") == "p11pLZ_D001"
    assert device_unique_id("pTest", "AA:BB:CC_01") == "pTest_AA:BB:CC_01"


def test_a_device_uses_the_one_function() -> None:
    device = Device.from_api({"productKey": "pA_B", "deviceKey": "C"})
    assert device.unique_id == device_unique_id("pA_B", "C")
