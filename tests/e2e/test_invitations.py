"""End to end: an invitation made by one account, accepted by another.

A real ``hass`` process with two accounts of the demo cloud: the owner makes
an invitation (a share code) for the bedroom light, whose QR image appears;
the guest's account, a second config entry of the same Home Assistant,
accepts it, and the light appears there as a device shared with it, with
its Access ends sensor; the owner's next read of the light's share list
turns the invitation into a share its Shares sensor counts, the image goes,
and the logbook tells of the acceptance. Few requests for all of it.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator import Simulator

from .harness import RealHass

OWNER_EMAIL = "owner@example.com"
GUEST_EMAIL = "guest@example.com"
GUEST_PASSWORD = "guest-pass-1"
GUEST_UID = "C1003"
LIGHT = ("pDemoLight", "DEMO-LIGHT-02")
SHARE_INFO = "/v2/binding/enduserapi/shareInfo"
SHARE_DEVICE = "/v2/binding/enduserapi/shareDevice"
INVITATION_IMAGE = "image.bedroom_light_invitation"


async def state(hass: RealHass, entity_id: str) -> dict[str, Any] | None:
    """The state of ``entity_id``, or ``None`` when it does not exist."""
    status, body = await hass.rest("GET", f"/api/states/{entity_id}", expect=None)
    return body if status == 200 else None


async def test_an_invitation_accepted_by_a_second_account(
    real_hass: RealHass, demo_cloud: Simulator, demo_account: dict[str, Any]
) -> None:
    owner = await real_hass.add_account(demo_account)
    guest = await real_hass.add_account(
        {**demo_account, "email": GUEST_EMAIL, "password": GUEST_PASSWORD}
    )
    assert guest["state"] == "loaded"
    registry = await real_hass.ws_command({"type": "config/device_registry/list"})
    [light] = [
        d
        for d in registry
        if ["quectel_iot", f"{LIGHT[0]}_{LIGHT[1]}"] in d["identifiers"]
    ]
    shares_before = await state(real_hass, "sensor.bedroom_light_shares")
    assert shares_before is not None
    demo_cloud.clear_requests()

    # The owner invites: one shareInfo, an image with the QR code.
    _, body = await real_hass.call_service(
        "quectel_iot",
        "create_invite",
        {
            "device_id": light["id"],
            "accept_within": {"hours": 1},
            "duration": {"days": 2},
        },
    )
    [invite] = body["service_response"]["invites"]
    code = invite["share_code"]
    [made] = demo_cloud.requests_to(SHARE_INFO)
    assert made.query["coverMark"] == "2"
    image = await state(real_hass, INVITATION_IMAGE)
    assert image is not None
    assert datetime.fromisoformat(image["attributes"]["accept_by"]) > datetime.now(
        UTC
    ) + timedelta(minutes=59)

    # The guest's account accepts the code: the light appears there, shared.
    _, body = await real_hass.call_service(
        "quectel_iot",
        "accept_invite",
        {"config_entry_id": guest["entry_id"], "share_code": code},
    )
    accepted = body["service_response"]
    assert accepted["share_code"] == code
    assert (accepted["device"]["product_key"], accepted["device"]["device_key"]) == (
        LIGHT
    )
    assert demo_cloud.share(code).share_uid == GUEST_UID
    registry = await real_hass.ws_command({"type": "config/device_registry/list"})
    received = next(d for d in registry if d["id"] == accepted["device"]["device_id"])
    assert guest["entry_id"] in received["config_entries"]
    assert owner["entry_id"] not in received["config_entries"]
    entities = await real_hass.ws_command({"type": "config/entity_registry/list"})
    [access_ends] = [
        e["entity_id"]
        for e in entities
        if e["device_id"] == received["id"] and e["entity_id"].startswith("sensor.")
    ]
    ends = await state(real_hass, access_ends)
    assert ends is not None
    # A timestamp sensor shows whole seconds.
    assert datetime.fromisoformat(ends["state"]) == datetime.fromisoformat(
        invite["expires_at"]
    ).replace(microsecond=0)

    # The owner's next read of the light's shares (here asked for at once)
    # shows a share in force: the sensor counts it, the image goes, and the
    # logbook says the invitation was accepted.
    await real_hass.call_service(
        "quectel_iot", "list_shares", {"device_id": light["id"]}
    )
    shares_after = await state(real_hass, "sensor.bedroom_light_shares")
    assert shares_after is not None
    assert int(shares_after["state"]) == int(shares_before["state"]) + 1
    assert await state(real_hass, INVITATION_IMAGE) is None

    async def logbook_tells() -> bool:
        # The recorder writes the event to its database within a second or so.
        _, logbook = await real_hass.rest("GET", "/api/logbook")
        return any(
            f"invitation {code} was accepted" in (entry.get("message") or "")
            for entry in logbook
        )

    for _ in range(40):
        if await logbook_tells():
            break
        await asyncio.sleep(0.25)
    assert await logbook_tells()

    # All of it in a few requests of each account's daily budget.
    assert len(demo_cloud.requests_to(SHARE_DEVICE)) == 1
    assert demo_cloud.requests_today(OWNER_EMAIL) < 30
    assert demo_cloud.requests_today(GUEST_EMAIL) < 30

    assert await real_hass.stop() == 0
    errors = [
        line
        for line in real_hass.log().splitlines()
        if " ERROR " in line and "quectel_iot" in line
    ]
    assert errors == []
