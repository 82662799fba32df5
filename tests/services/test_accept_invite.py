"""The `quectel_iot.accept_invite` action: two accounts in one Home Assistant.

The owner makes a share code (the simulator's control: the owner's own
action is another's); the guest's account accepts it.
"""

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

from custom_components.quectel_iot.api.const import Endpoint
from simulator import Fault, Simulator

from ..conftest import GUEST_UID, OWNER_UID, received_devices
from ..share_helpers import (
    access_ends_entity,
    call,
    invite,
    received_device_id,
    shares_state,
)

SERVICE = "accept_invite"
SHARE_DEVICE = Endpoint.SHARE_DEVICE.value
DEVICE_LIST = Endpoint.DEVICE_LIST.value


def accept(entry: MockConfigEntry, code: str, **more: str) -> dict[str, str]:
    return {"config_entry_id": entry.entry_id, "share_code": code, **more}


def paths(simulator: Simulator) -> list[str]:
    return [request.path for request in simulator.requests]


async def test_accepting_shows_the_device_and_the_owner_sees_the_share(
    hass: HomeAssistant,
    simulator: Simulator,
    init_integration: MockConfigEntry,
    recipient_entry: MockConfigEntry,
) -> None:
    invite(simulator, "INVITE-1")
    budget = recipient_entry.runtime_data.budget
    spent = budget.spent_today()
    simulator.clear_requests()

    response = await call(
        hass, SERVICE, accept(recipient_entry, "INVITE-1", device_name="Lamp of U1")
    )

    # One acceptance, then one read of the device list: both counted.
    assert paths(simulator) == [SHARE_DEVICE, DEVICE_LIST]
    assert simulator.requests[0].query == {
        "shareCode": "INVITE-1",
        "deviceName": "Lamp of U1",
    }
    assert budget.spent_today() == spent + 2
    assert response == {
        "share_code": "INVITE-1",
        "device": {
            "device_id": received_device_id(hass, recipient_entry, "DEV-1"),
            "product_key": "pTest",
            "device_key": "DEV-1",
            "name": "Lamp of U1",
            "expires_at": "2099-01-02T03:04:05+00:00",
        },
    }
    device = received_devices(hass, recipient_entry)["DEV-1"]
    assert device.name == "Lamp of U1 (shared with this account)"
    assert device.model == "Test product"
    entity_id = access_ends_entity(hass, recipient_entry, "DEV-1")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "2099-01-02T03:04:05+00:00"
    assert state.attributes["device_class"] == "timestamp"
    assert state.attributes["shared_by"] == OWNER_UID

    # The owner's Shares sensor shows the accepted share after its next read.
    assert shares_state(hass, "DEV-1").state == "0"
    await init_integration.runtime_data.shares.async_refresh_devices(["pTest_DEV-1"])
    await hass.async_block_till_done()
    state = shares_state(hass, "DEV-1")
    assert state.state == "1"
    [recipient] = state.attributes["recipients"]
    assert recipient["uid"] == GUEST_UID
    assert recipient["share_code"] == "INVITE-1"


async def test_access_for_life_has_no_end(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    invite(simulator, "FOREVER", expire_at_ms=None)
    response = await call(hass, SERVICE, accept(recipient_entry, "FOREVER"))
    assert response["device"]["expires_at"] is None
    # No name given: the device keeps the owner's.
    assert response["device"]["name"] == "Device 1"
    entity_id = access_ends_entity(hass, recipient_entry, "DEV-1")
    assert entity_id is not None
    assert hass.states.get(entity_id).state == "unknown"


# What the cloud answers shareDevice with (shareDevice.md), and what the user
# reads. 5032 and 5106 (the session token) are the client's: it renews.
REFUSALS = [
    (5049, "device_already_bound", "This account already has this device"),
    (5136, "share_code_missing", "The cloud asked for a share code"),
    (5137, "share_code_invalid", "The share code is not valid"),
    (5138, "share_accept_failed", "could not share the device with this account"),
    (5151, "share_code_not_longer", "for less time than the share of this device"),
    (5333, "device_name_too_long", "The device name is too long"),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda refusal: str(refusal[0]))
async def test_each_refusal_has_its_message(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    refusal: tuple[int, str, str],
) -> None:
    code, key, text = refusal
    invite(simulator, "INVITE-1")
    simulator.inject(Fault.ERROR_CODE, endpoint=SHARE_DEVICE, code=code, times=1)
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert err.value.translation_key == key
    assert text in str(err.value)
    assert f"cloud code {code}" in str(err.value)
    # A refusal is no lost answer: nothing is read to check it.
    assert paths(simulator) == [SHARE_DEVICE]
    assert received_devices(hass, recipient_entry) == {}


async def test_refusals_of_the_cloud_itself(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    """A wrong code, a code used twice, a name too long: the cloud's own rules."""
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "NO-SUCH-CODE"))
    assert err.value.translation_key == "share_code_invalid"

    invite(simulator, "INVITE-1")
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass, SERVICE, accept(recipient_entry, "INVITE-1", device_name="x" * 65)
        )
    assert err.value.translation_key == "device_name_too_long"

    await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert err.value.translation_key == "share_code_invalid"

    invite(simulator, "INVITE-2")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-2"))
    assert err.value.translation_key == "device_already_bound"
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


async def test_lost_answer_after_the_cloud_accepted_is_done(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    invite(simulator, "INVITE-1")
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=SHARE_DEVICE, times=1)
    simulator.clear_requests()
    response = await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    # Never sent twice; the one device-list read decides.
    assert paths(simulator) == [SHARE_DEVICE, DEVICE_LIST]
    assert response["device"]["device_key"] == "DEV-1"
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


async def test_lost_answer_before_the_cloud_accepted_is_not_done(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    invite(simulator, "INVITE-1")
    simulator.inject(Fault.HTTP_502, endpoint=SHARE_DEVICE, times=1)
    simulator.clear_requests()
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert not isinstance(err.value, ServiceValidationError)
    assert err.value.translation_key == "invite_not_accepted"
    assert "the share code was not accepted. You can try again" in str(err.value)
    assert paths(simulator) == [SHARE_DEVICE, DEVICE_LIST]
    assert received_devices(hass, recipient_entry) == {}

    # Safe to try again: the code is still open.
    await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert set(received_devices(hass, recipient_entry)) == {"DEV-1"}


async def test_lost_answer_and_unreadable_list_is_unknown(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    invite(simulator, "INVITE-1")
    simulator.inject(Fault.DROP_AFTER_EXECUTE, endpoint=SHARE_DEVICE, times=1)
    simulator.inject(Fault.HTTP_503, endpoint=DEVICE_LIST)
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert err.value.translation_key == "device_list_unverified"
    assert "check the devices in the app before you try again" in str(err.value)
    assert len(simulator.requests_to(SHARE_DEVICE)) == 1


async def test_accepted_but_list_unreadable_still_succeeds(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    """The code was accepted: the device appears at a later read."""
    invite(simulator, "INVITE-1")
    simulator.inject(Fault.HTTP_503, endpoint=DEVICE_LIST)
    response = await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert response == {"share_code": "INVITE-1", "device": None}
    assert simulator.share("INVITE-1").share_uid == GUEST_UID


async def test_refused_at_once_while_the_quota_is_used_up(
    hass: HomeAssistant, simulator: Simulator, recipient_entry: MockConfigEntry
) -> None:
    invite(simulator, "INVITE-1")
    simulator.inject(Fault.ERROR_CODE, endpoint=SHARE_DEVICE, code=4026, times=1)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert err.value.translation_key == "quota_exhausted"
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, accept(recipient_entry, "INVITE-1"))
    assert err.value.translation_key == "quota_exhausted"
    assert simulator.requests == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"share_code": "INVITE-1"}, "field_required"),
        ({"config_entry_id": "nope", "share_code": "INVITE-1"}, "unknown_config_entry"),
        ({"share_code": "INVITE 1"}, "field_bad_characters"),
        (
            {"share_code": "INVITE-1", "device_name": "Lamp\u202e"},
            "field_bad_characters",
        ),
        ({"share_code": "INVITE-1", "device_name": "x" * 129}, "field_too_long"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    data: dict[str, str],
    key: str,
) -> None:
    data = {"config_entry_id": recipient_entry.entry_id, **data}
    if key == "field_required":
        del data["config_entry_id"]
    simulator.clear_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, SERVICE, data)
    assert err.value.translation_key == key
    assert simulator.requests == []


async def test_only_for_administrators(
    hass: HomeAssistant,
    simulator: Simulator,
    recipient_entry: MockConfigEntry,
    hass_read_only_user: User,
) -> None:
    invite(simulator, "INVITE-1")
    simulator.clear_requests()
    with pytest.raises(Unauthorized):
        await call(
            hass,
            SERVICE,
            accept(recipient_entry, "INVITE-1"),
            Context(user_id=hass_read_only_user.id),
        )
    assert simulator.requests == []
