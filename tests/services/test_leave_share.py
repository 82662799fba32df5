"""The `quectel_iot.leave_share` action: the recipient gives a device back."""

from __future__ import annotations

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.quectel_iot.api.const import Endpoint, ShareStatus
from custom_components.quectel_iot.devices import account_identifier
from simulator import Fault, Simulator

from ..conftest import GUEST_UID, received_devices, registry_device
from ..share_helpers import (
    access_ends_entity,
    call,
    device_id,
    invite,
    received_device_id,
)

SERVICE = "leave_share"
RECIPIENT_UNSHARE = Endpoint.RECIPIENT_UNSHARE.value
DEVICE_LIST = Endpoint.DEVICE_LIST.value


@pytest.fixture
async def holding(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> str:
    """The guest's account holds DEV-1 by share code INVITE-1; its registry id."""
    invite(simulator, "INVITE-1")
    await call(
        hass,
        "accept_invite",
        {"config_entry_id": recipient_entry.entry_id, "share_code": "INVITE-1"},
    )
    simulator.clear_requests()
    return received_device_id(hass, recipient_entry, "DEV-1")


def paths(simulator: Simulator) -> list[str]:
    return [request.path for request in simulator.requests]


async def test_leaving_removes_the_device_and_the_owner_sees_it_cancelled(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    recipient_entry: MockConfigEntry,
    holding: str,
) -> None:
    spent = recipient_entry.runtime_data.budget.spent_today()
    response = await call(hass, SERVICE, {"device_id": holding})
    await hass.async_block_till_done()

    assert response == {
        "left": [{"device_id": holding, "product_key": "pTest", "device_key": "DEV-1"}]
    }
    # One request, counted; the device leaves Home Assistant at once.
    assert paths(simulator) == [RECIPIENT_UNSHARE]
    assert simulator.requests[0].query == {"shareCode": "INVITE-1"}
    assert recipient_entry.runtime_data.budget.spent_today() == spent + 1
    assert received_devices(hass, recipient_entry) == {}
    assert access_ends_entity(hass, recipient_entry, "DEV-1") is None

    listed = await call(
        hass,
        "list_shares",
        {"device_id": device_id(hass, "DEV-1"), "include_inactive": True},
    )
    [shown] = [
        share
        for share in listed["devices"][0]["shares"]
        if share["share_code"] == "INVITE-1"
    ]
    assert shown["status"] == "cancelled"


async def test_a_list_still_showing_it_does_not_bring_it_back(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    holding: str,
) -> None:
    """A list read under way while leaving (or a cloud late to update)."""
    await call(hass, SERVICE, {"device_id": holding})
    simulator.share("INVITE-1").status = ShareStatus.ACTIVE  # listed once more
    await recipient_entry.runtime_data.devices.async_read_now()
    await hass.async_block_till_done()
    assert received_devices(hass, recipient_entry) == {}

    # A new share of the same device is a new share: it appears.
    simulator.share("INVITE-1").status = ShareStatus.CANCELLED
    invite(simulator, "INVITE-2")
    await call(
        hass,
        "accept_invite",
        {"config_entry_id": recipient_entry.entry_id, "share_code": "INVITE-2"},
    )
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


async def test_share_already_over_counts_as_left(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    holding: str,
) -> None:
    """5142 for a share held when last read: our own request, sent again."""
    simulator.inject(Fault.ERROR_CODE, endpoint=RECIPIENT_UNSHARE, code=5142, times=1)
    await call(hass, SERVICE, {"device_id": holding})
    await hass.async_block_till_done()
    assert received_devices(hass, recipient_entry) == {}


async def test_lost_answer_after_the_cloud_acted_is_done(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    holding: str,
) -> None:
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=RECIPIENT_UNSHARE, times=1)
    await call(hass, SERVICE, {"device_id": holding})
    await hass.async_block_till_done()
    assert simulator.share("INVITE-1").status == ShareStatus.CANCELLED
    assert received_devices(hass, recipient_entry) == {}


async def test_lost_answer_before_the_cloud_acted_is_not_done(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    holding: str,
) -> None:
    simulator.inject(Fault.HTTP_502, endpoint=RECIPIENT_UNSHARE, times=1)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": holding})
    assert err.value.translation_key == "share_not_left"
    assert "the share was not given back. You can try again" in str(err.value)
    assert paths(simulator) == [RECIPIENT_UNSHARE, DEVICE_LIST]
    assert simulator.share("INVITE-1").status == ShareStatus.ACTIVE
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}

    await call(hass, SERVICE, {"device_id": holding})
    assert simulator.share("INVITE-1").status == ShareStatus.CANCELLED


async def test_lost_answer_and_a_list_showing_it_expired_is_done(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    """Still listed, but with status 2 (Expired): the access is over anyway."""
    simulator.keep_expired_received = "status"
    invite(simulator, "HALF-HOUR", expire_at_ms=simulator.now_ms() + 1_800_000)
    await call(
        hass,
        "accept_invite",
        {"config_entry_id": recipient_entry.entry_id, "share_code": "HALF-HOUR"},
    )
    held = received_device_id(hass, recipient_entry, "DEV-1")
    # The share ends in the cloud (its clock only): Home Assistant's clock
    # is still before its end, so only the status tells.
    simulator.advance_clock(31 * 60)
    simulator.inject(Fault.HTTP_502, endpoint=RECIPIENT_UNSHARE, times=1)
    simulator.clear_requests()

    await call(hass, SERVICE, {"device_id": held})
    await hass.async_block_till_done()

    assert paths(simulator) == [RECIPIENT_UNSHARE, DEVICE_LIST]
    assert received_devices(hass, recipient_entry) == {}


async def test_lost_answer_and_unreadable_list_is_unknown(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    holding: str,
) -> None:
    simulator.inject(Fault.HTTP_502, endpoint=RECIPIENT_UNSHARE, times=1)
    simulator.inject(Fault.HTTP_503, endpoint=DEVICE_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, {"device_id": holding})
    assert err.value.translation_key == "device_list_unverified"
    # Kept until a list tells.
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


# What the cloud answers shareUserUnshareDevice with (shareUserUnshareDevice.md),
# besides 5142 (left, above) and the token codes (the client renews).
@pytest.mark.parametrize(
    "refusal",
    [
        (5041, "no_permission", "only its recipient can leave it"),
        (5136, "share_code_missing", "The cloud asked for a share code"),
    ],
    ids=lambda refusal: str(refusal[0]),
)
async def test_each_refusal_has_its_message(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    holding: str,
    refusal: tuple[int, str, str],
) -> None:
    code, key, text = refusal
    simulator.inject(Fault.ERROR_CODE, endpoint=RECIPIENT_UNSHARE, code=code, times=1)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, {"device_id": holding})
    assert err.value.translation_key == key
    assert text in str(err.value)
    assert paths(simulator) == [RECIPIENT_UNSHARE]
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


async def test_only_devices_shared_with_an_account(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    recipient_entry: MockConfigEntry,
) -> None:
    account = registry_device(hass, account_identifier(recipient_entry))
    assert account is not None
    simulator.clear_requests()
    for target in (device_id(hass, "DEV-1"), account.id, "no-such-device"):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, SERVICE, {"device_id": target})
        assert err.value.translation_key == "not_a_received_device"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, {})
    assert err.value.translation_key == "field_required"
    assert paths(simulator) == []


async def test_only_for_administrators(
    hass: HomeAssistant,
    simulator: Simulator,
    holding: str,
    hass_read_only_user: User,
) -> None:
    with pytest.raises(Unauthorized):
        await call(
            hass,
            SERVICE,
            {"device_id": holding},
            Context(user_id=hass_read_only_user.id),
        )
    assert simulator.share("INVITE-1").share_uid == GUEST_UID
    assert simulator.share("INVITE-1").status == ShareStatus.ACTIVE
