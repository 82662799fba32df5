"""The share_for_a_while blueprint, run by Home Assistant against the simulator."""

from pathlib import Path
import shutil

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .conftest import GUEST_EMAIL, cloud_device

BLUEPRINT = (
    Path(__file__).parents[1]
    / "blueprints/automation/quectel_iot/share_for_a_while.yaml"
)


async def test_blueprint_shares_devices_when_triggered(
    hass: HomeAssistant, init_integration: MockConfigEntry, simulator: Simulator
) -> None:
    target = Path(hass.config.path("blueprints/automation/quectel_iot"))
    await hass.async_add_executor_job(lambda: target.mkdir(parents=True, exist_ok=True))
    await hass.async_add_executor_job(shutil.copy, BLUEPRINT, target)
    devices = [
        cloud_device(hass, pk, dk)
        for pk, dk in (("pTest", "DEV-1"), ("pTest2", "DEV-3"))
    ]
    assert all(devices)

    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: {
                "id": "guest_arrives",
                "alias": "Share with the guest",
                "use_blueprint": {
                    "path": "quectel_iot/share_for_a_while.yaml",
                    "input": {
                        "trigger": [
                            {"trigger": "event", "event_type": "guest_arrived"}
                        ],
                        "devices": [device.id for device in devices if device],
                        "email": GUEST_EMAIL,
                        "duration": {"hours": 2},
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("automation.share_with_the_guest").state == "on"
    assert simulator.active_shares("pTest", "DEV-1") == []

    start_ms = simulator.now_ms()
    hass.bus.async_fire("guest_arrived")
    await hass.async_block_till_done()

    guest = simulator.user(GUEST_EMAIL).uid
    shared = {
        (share.pk, share.dk): share
        for share in simulator.active_shares()
        if share.share_uid == guest
    }
    assert set(shared) == {("pTest", "DEV-1"), ("pTest2", "DEV-3")}
    for share in shared.values():
        assert share.expire_at_ms is not None
        # Two hours from when the automation ran, give or take a few seconds.
        assert abs(share.expire_at_ms - start_ms - 2 * 3600 * 1000) < 60_000
