"""End to end: a real ``hass`` process, its REST and websocket APIs, the demo cloud.

Onboards an owner, adds the demo account through the config flow, checks the
device registry, shares, lists and revokes over REST, then stops Home
Assistant and checks the integration logged no error.
"""

import socket
from typing import Any

from simulator import Simulator

from .harness import RealHass

SHARE_BY_UID = "/v2/binding/enduserapi/shareByUid"
OWNER_UID = "C1001"
GUEST_EMAIL = "guest@example.com"  # not in the owner's family; no share of LIGHT yet
LIGHT = ("pDemoLight", "DEMO-LIGHT-02")
LOCK = ("pDemoLock", "DEMO-LOCK-01")  # bound but unverified: the cloud says 5360


def _config_entry_id(device: dict[str, Any]) -> str | None:
    """The config entry of a device as the websocket API lists it.

    ``config_entry_id`` since 2026.8, ``primary_config_entry`` before.
    """
    if "config_entry_id" in device:
        return device["config_entry_id"]  # type: ignore[no-any-return]
    return device["primary_config_entry"]  # type: ignore[no-any-return]


def _by_cloud_id(devices: list[dict[str, Any]], entry_id: str) -> dict[str, Any]:
    """The entry's cloud devices by identifier (not the account's service one)."""
    ours: dict[str, Any] = {}
    for device in devices:
        if _config_entry_id(device) != entry_id:
            continue
        if device["entry_type"] == "service":
            continue
        for domain, identifier in device["identifiers"]:
            if domain == "quectel_iot":
                ours[identifier] = device
    return ours


async def test_share_through_a_real_home_assistant(
    real_hass: RealHass, demo_cloud: Simulator, demo_account: dict[str, Any]
) -> None:
    # 1-2. Onboarded by the fixture; add the account through the config flow.
    entry = await real_hass.add_account(demo_account)
    assert entry["domain"] == "quectel_iot"
    assert entry["title"] == "o***@example.com"  # owner@example.com, masked
    assert entry["state"] == "loaded"

    # 3. One registry device per device the demo owner owns; the friend's
    # camera shared with them is registered apart, under its own identifier.
    registry = await real_hass.ws_command({"type": "config/device_registry/list"})
    ours = _by_cloud_id(registry, entry["entry_id"])
    received_prefix = f"received {entry['entry_id']} "
    received = {
        identifier.removeprefix(received_prefix): ours.pop(identifier)
        for identifier in list(ours)
        if identifier.startswith(received_prefix)
    }
    assert set(received) == {"pDemoCam_FRIEND-CAM-01"}
    owned = {
        f"{device.pk}_{device.dk}": device
        for device in demo_cloud.devices.values()
        if device.owner_uid == OWNER_UID
    }
    assert set(ours) == set(owned)
    # And the account itself: a service device with the requests sensor.
    [account] = [
        device
        for device in registry
        if _config_entry_id(device) == entry["entry_id"]
        and device["entry_type"] == "service"
    ]
    assert account["identifiers"] == [["quectel_iot", f"account {entry['entry_id']}"]]
    for unique_id, device in owned.items():
        assert ours[unique_id]["name"] == device.name
        assert ours[unique_id]["manufacturer"] == "Quectel"
    light_id = ours[f"{LIGHT[0]}_{LIGHT[1]}"]["id"]

    # 4. share_device over REST, with its response.
    demo_cloud.clear_requests()
    _, body = await real_hass.call_service(
        "quectel_iot",
        "share_device",
        {"device_id": light_id, "email": GUEST_EMAIL, "duration": {"hours": 24}},
    )
    shares = body["service_response"]["shares"]
    assert len(shares) == 1
    share = shares[0]
    assert share["device_id"] == light_id
    assert (share["product_key"], share["device_key"]) == LIGHT
    assert share["recipient"] == GUEST_EMAIL
    [made] = demo_cloud.active_shares(*LIGHT)
    assert share["share_code"] == made.share_code
    assert made.share_uid == demo_cloud.user(GUEST_EMAIL).uid

    [request] = demo_cloud.requests_to(SHARE_BY_UID)
    assert request.method == "POST"
    assert request.body == ""  # every parameter goes in the query string
    assert set(request.query) == {
        "pk",
        "dk",
        "authKey",
        "coverMark",
        "email",
        "sharingExpireAt",
    }
    assert (request.query["pk"], request.query["dk"]) == LIGHT
    assert request.query["email"] == GUEST_EMAIL
    assert request.query["coverMark"] == "1"
    assert request.query["authKey"] == demo_cloud.devices[LIGHT].auth_key
    assert int(request.query["sharingExpireAt"]) == made.expire_at_ms
    assert request.headers["Authorization"].startswith("Bearer ")

    # 5. list_shares shows it; unshare_device revokes it.
    _, body = await real_hass.call_service(
        "quectel_iot", "list_shares", {"device_id": light_id}
    )
    [listed] = body["service_response"]["devices"]
    assert listed["device_id"] == light_id
    assert (listed["product_key"], listed["device_key"]) == LIGHT
    assert made.share_code in {s["share_code"] for s in listed["shares"]}

    _, body = await real_hass.call_service(
        "quectel_iot",
        "unshare_device",
        {"device_id": light_id, "email": GUEST_EMAIL},
    )
    revoked = body["service_response"]["revoked"]
    assert len(revoked) == 1
    assert made.share_code in str(revoked[0])
    assert demo_cloud.active_shares(*LIGHT) == []

    # A cloud error reaches the caller translated (over the websocket; Home
    # Assistant's REST API answers 500 for any action error).
    lock_id = ours[f"{LOCK[0]}_{LOCK[1]}"]["id"]
    message = await real_hass.ws_message(
        {
            "type": "call_service",
            "domain": "quectel_iot",
            "service": "share_device",
            "service_data": {"device_id": lock_id, "email": GUEST_EMAIL},
            "return_response": True,
        }
    )
    assert message["success"] is False
    # A refusal of what was asked: a validation error, logged without traceback.
    assert message["error"]["code"] == "service_validation_error"
    assert message["error"]["translation_key"] == "device_unverified"
    assert message["error"]["message"] == (
        "Validation error: The device is bound but not verified, so the cloud "
        "does not allow sharing it (cloud code 5360). Verify the device in the "
        "app first (open it there and follow the verification prompt), then try "
        "again"
    )
    assert demo_cloud.active_shares(*LOCK) == []

    # 6. A clean stop, and no error from the integration in the log.
    assert await real_hass.stop() == 0
    log = real_hass.log()
    assert "custom_components.quectel_iot" in log  # debug logging is on
    errors = [
        line for line in log.splitlines() if " ERROR " in line and "quectel_iot" in line
    ]
    assert errors == []
    # No deprecated call: Home Assistant reports each one with this phrase.
    deprecations = [
        line
        for line in log.splitlines()
        if "Detected that custom integration 'quectel_iot'" in line
        or ("quectel_iot" in line and "deprecated" in line.lower())
    ]
    assert deprecations == []


async def test_a_hostname_data_center_that_cannot_be_reached_says_so(
    real_hass: RealHass, demo_account: dict[str, Any]
) -> None:
    """The setup dialog looks a host name up through Home Assistant's resolver.

    "localhost" resolves with no network; nothing listens on the port, so
    the dialog must say it cannot connect, not "Unexpected error" (which a
    broken resolver, such as aiodns with an unpinned pycares, would give).
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    _, form = await real_hass.rest(
        "POST",
        "/api/config/config_entries/flow",
        {"handler": "quectel_iot", "show_advanced_options": False},
    )
    _, result = await real_hass.rest(
        "POST",
        f"/api/config/config_entries/flow/{form['flow_id']}",
        {**demo_account, "base_url": f"https://localhost:{closed_port}"},
    )
    assert result["type"] == "form"
    assert result["errors"] == {"base": "cannot_connect"}
