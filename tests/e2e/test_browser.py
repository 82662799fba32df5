"""The real frontend in Chromium: add the integration and open its action.

Drives Debian's Chromium (``/usr/bin/chromium``) with Playwright against the
real ``hass`` of the e2e fixtures. It adds the demo account through the
"Add integration" dialog and screenshots the config flow form and the
``share_device`` action in Developer tools, and (Home Assistant 2026.3 and
later) checks the integration's own brand icon shows on the integrations
dashboard. Then a guest with a window and one that follows a calendar go
through *Add guest*, and an invitation's QR picture opens in its more-info
dialog. The browser may only reach Home Assistant on 127.0.0.1; every
other request is aborted. Set ``QUECTEL_SCREENSHOTS`` to a folder (e.g.
``docs``) to keep the screenshots; they go to a temporary folder otherwise.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
import json
import os
from pathlib import Path
import re
import struct
from typing import Any

from homeassistant import const as ha_const
from playwright.async_api import Browser, Page, Route, async_playwright, expect
import pytest

from custom_components.quectel_iot.api import Endpoint
from simulator import Simulator

from .harness import COMPONENT_DIR, RealHass

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_TIMEOUT_MS = 20_000
LOOPBACK = re.compile(r"^https?://127\.0\.0\.1[:/]")
# Home Assistant serves a custom integration's brand/ folder since 2026.3.
BRAND_DIR = COMPONENT_DIR / "brand"
SERVES_CUSTOM_BRANDS = (ha_const.MAJOR_VERSION, ha_const.MINOR_VERSION) >= (2026, 3)
# The frontend the tests drive: 20250411 on the minimum lane (Home Assistant
# 2025.4), a 2026 one on the current lane, whose device, entity and AM/PM
# pickers are other widgets (see pick and pick_half).
FRONTEND_VERSION = int(version("home-assistant-frontend").split(".")[0])
FRONTEND_2026 = FRONTEND_VERSION >= 20260101
expect.set_options(timeout=UI_TIMEOUT_MS)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Where the screenshots go: $QUECTEL_SCREENSHOTS or a temporary folder."""
    folder = Path(os.environ.get("QUECTEL_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser(socket_enabled: None) -> AsyncIterator[Browser]:
    """Headless Chromium, closed after the test."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=UI_TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


async def logged_in_page(browser: Browser, hass: RealHass) -> Page:
    """Open a page whose local storage holds the owner's tokens."""
    context = await browser.new_context(
        viewport={"width": 1280, "height": 1400},
        locale="en-US",
        timezone_id="UTC",  # Home Assistant's zone in config/configuration.yaml
    )
    context.set_default_timeout(UI_TIMEOUT_MS)
    await context.route(lambda url: not LOOPBACK.match(url), abort)
    tokens = {
        "hassUrl": hass.url,
        "clientId": hass.client_id,
        "access_token": hass.access_token,
        "refresh_token": hass.refresh_token,
        "token_type": "Bearer",
        "expires_in": hass.expires_in,
    }
    await context.add_init_script(
        f"""
        const tokens = {json.dumps(tokens)};
        tokens.expires = Date.now() + tokens.expires_in * 1000;
        window.localStorage.setItem("hassTokens", JSON.stringify(tokens));
        """
    )
    return await context.new_page()


async def abort(route: Route) -> None:
    """Refuse a request that would leave 127.0.0.1 (e.g. the brands CDN)."""
    await route.abort()


def assert_png(path: Path) -> None:
    """Check ``path`` is a non-empty PNG of a plausible size."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 600
    assert height >= 400
    assert len(data) > 10_000


async def fill(page: Page, label: str, value: str) -> None:
    """Type ``value`` into the dialog's text field labelled ``label``."""
    required = re.compile(rf"^{re.escape(label)}\*?$")
    await page.get_by_role("textbox", name=required).fill(value)


async def test_add_integration_and_open_its_action(
    browser: Browser,
    real_hass: RealHass,
    demo_cloud: Simulator,
    demo_account: dict[str, Any],
    screenshot_dir: Path,
) -> None:
    page = await logged_in_page(browser, real_hass)

    # Settings -> Devices & services -> Add integration -> Quectel IoT.
    await page.goto(f"{real_hass.url}/config/integrations/dashboard")
    await page.get_by_role("button", name="Add integration").click()
    # Labelled before 2026.x, only a placeholder since.
    search = page.get_by_role("textbox", name="Search for a brand name")
    await search.or_(page.get_by_placeholder("Search for a brand name")).fill("Quectel")
    await page.get_by_text("Quectel IoT", exact=True).click()

    # The user step, with its translated labels and help texts.
    await expect(page.get_by_text("Connect a Quectel IoT app account")).to_be_visible()
    await expect(
        page.get_by_text(re.compile(r"^User domain secret\*?$"))
    ).to_be_visible()
    await expect(
        page.get_by_text("App Development → AppSDK Development", exact=False)
    ).to_be_visible()
    # A combobox of options before 2026.x, a list item opening a menu since.
    data_center = page.get_by_role("combobox", name=re.compile("^Data center"))
    await data_center.or_(page.get_by_text(re.compile(r"^Data center"))).first.click()
    custom = page.get_by_role("option", name="Custom URL")
    await custom.or_(page.get_by_role("menuitem", name="Custom URL")).first.click()
    await fill(page, "Custom base URL", demo_account["base_url"])
    await fill(page, "User domain", demo_account["user_domain"])
    await fill(page, "User domain secret", demo_account["user_domain_secret"])
    await fill(page, "Email", demo_account["email"])
    await fill(page, "Password", demo_account["password"])
    config_flow_png = screenshot_dir / "config_flow.png"
    await page.screenshot(path=config_flow_png)
    assert_png(config_flow_png)

    # Submit, confirm the plain-HTTP warning, and the entry exists.
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_text("Plain HTTP connection")).to_be_visible()
    await page.get_by_role("button", name="Submit").click()
    # The success step: "Created configuration" before 2026.x, "Name and assign" since.
    created = page.get_by_text("Created configuration", exact=False)
    await expect(
        created.or_(page.get_by_text("Name and assign", exact=True)).first
    ).to_be_visible()
    _, entries = await real_hass.rest("GET", "/api/config/config_entries/entry")
    ours = [e for e in entries if e["domain"] == "quectel_iot"]
    # The title is the masked address (every user sees it).
    assert [(e["title"], e["state"]) for e in ours] == [("o***@example.com", "loaded")]

    # Developer tools -> Actions -> quectel_iot.share_device, in UI mode. Newer
    # frontends moved the page to Settings -> Tools and redirect there without
    # the query, so the action is asked for again at the new address.
    query = "?service=quectel_iot.share_device"
    await page.goto(f"{real_hass.url}/developer-tools/action{query}")
    await page.wait_for_load_state("networkidle")
    if "/config/tools/" in page.url:
        await page.goto(f"{real_hass.url}/config/tools/action{query}")
    await expect(page.get_by_text("Recipient email", exact=True)).to_be_visible()
    await expect(
        page.get_by_text("Shares Quectel IoT devices with another user", exact=False)
    ).to_be_visible()
    await expect(page.get_by_text("Duration", exact=True)).to_be_visible()
    action_png = screenshot_dir / "share_device_action.png"
    await page.screenshot(path=action_png, full_page=True)
    assert_png(action_png)


@pytest.mark.skipif(
    not SERVES_CUSTOM_BRANDS,
    reason=f"Home Assistant {ha_const.__version__} does not serve custom integrations' "
    "brand images (2026.3 and later do)",
)
async def test_integrations_dashboard_shows_our_brand_icon(
    browser: Browser,
    real_hass: RealHass,
    demo_account: dict[str, Any],
    screenshot_dir: Path,
) -> None:
    await real_hass.add_account(demo_account)

    # Every image of brand/ is served as is by the brands API.
    names = sorted(path.name for path in BRAND_DIR.glob("*.png"))
    assert "icon.png" in names
    for name in names:
        async with real_hass.session.get(
            f"{real_hass.url}/api/brands/integration/quectel_iot/{name}",
            headers=real_hass.headers,
        ) as resp:
            assert resp.status == 200, name
            assert resp.content_type == "image/png"
            assert await resp.read() == (BRAND_DIR / name).read_bytes(), name

    # The dashboard's card shows it, and the browser decoded the image.
    page = await logged_in_page(browser, real_hass)
    await page.goto(f"{real_hass.url}/config/integrations/dashboard")
    await expect(page.get_by_text("Quectel IoT", exact=True).first).to_be_visible()
    icon = page.locator('img[src*="/api/brands/integration/quectel_iot/"]').first
    await expect(icon).to_be_visible()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await icon.element_handle()
    )
    src = await icon.get_attribute("src")
    assert src is not None
    async with real_hass.session.get(src) as resp:  # signed URL: no header
        assert resp.status == 200
        served = await resp.read()
    assert served[:8] == b"\x89PNG\r\n\x1a\n"
    image_name = src.split("?")[0].rsplit("/", 1)[-1]
    assert served == (BRAND_DIR / image_name).read_bytes()
    brand_png = screenshot_dir / "integrations_brand.png"
    await page.screenshot(path=brand_png)
    assert_png(brand_png)


# --- guests ---------------------------------------------------------------------

GUEST_UID = "C1003"  # guest@example.com in the demo scenario
GUEST_DEVICES = {"Bedroom light": "DEMO-LIGHT-02", "Kitchen plug": "DEMO-PLUG-01"}
START_AHEAD = timedelta(seconds=65)
SHARE_WAIT = 120  # seconds, at most, for the shares the start makes


def guest_shares(demo_cloud: Simulator) -> set[str]:
    """The device keys the guest holds an active share of, but DEMO-LIGHT-01."""
    return {
        share.dk
        for share in demo_cloud.active_shares()
        if share.share_uid == GUEST_UID and share.dk in GUEST_DEVICES.values()
    }


async def wait_for(check: Any, seconds: float) -> None:
    """Wait until ``check()`` is true, at most ``seconds`` (polled twice a second)."""
    for _ in range(int(seconds * 2)):
        if check():
            return
        await asyncio.sleep(0.5)
    assert check()


async def pick(page: Page, label: str, placeholder: str, name: str) -> None:
    """Pick ``name`` in the empty device or entity picker of the field ``label``.

    2025.4: the picker is a combo box named after its field; typing filters
    its options. 2026.x: the field shows only its ``placeholder`` ("Select a
    device"); a click opens a popover (``ha-picker-combo-box``) with a search
    box and the items, which closes once one is picked.
    """
    if not FRONTEND_2026:
        picker = page.get_by_role("combobox", name=re.compile(rf"^{label}"))
        await picker.last.click()
        await picker.last.fill(name)
        await page.get_by_role("option", name=name).first.click()
        return
    await page.get_by_text(placeholder).last.click()
    popover = page.locator("ha-picker-combo-box")
    await popover.get_by_placeholder("Search").fill(name)
    await popover.get_by_text(name, exact=True).click()
    await expect(popover).to_be_hidden()


async def pick_half(page: Page, row: int, half: str) -> None:
    """Choose ``half`` (AM or PM) in the ``row``-th time field.

    2025.4: a combo box whose options are AM and PM. 2026.x: a select shown
    as a list item in the time field's group, opening a menu of AM and PM.
    """
    if not FRONTEND_2026:
        await page.get_by_role("combobox").nth(row).click()
        await page.get_by_role("option", name=half).last.click()
        return
    time_field = page.get_by_role("group").filter(has=page.get_by_role("spinbutton"))
    await time_field.nth(row).get_by_role("listitem").click()
    item = page.get_by_role("menuitem", name=half, exact=True).filter(visible=True)
    await item.click()
    await expect(item).to_be_hidden()


async def set_time(page: Page, row: int, label: str, moment: datetime) -> None:
    """Set the ``row``-th date-time field to today, ``moment``'s time (12-hour).

    The date is picked as "Today" in the date picker: a date left as shown
    is sent as "YYYY-MM-DDT00:00:00 HH:MM:SS" by the 2025.4 frontend, which
    the date-time selector refuses. The time is typed once the date picker
    has closed: while it is open the form behind it is inert, and the 2026.x
    frontend never takes the numbers typed there. Each number is taken when
    its field loses focus, the last one when the AM/PM picker is opened.
    """
    await page.get_by_role("textbox", name=re.compile(rf"^{label}\*?$")).click()
    await page.get_by_role("button", name="Today").click()
    ok = page.get_by_role("button", name="OK")
    await ok.click()
    await expect(ok).to_be_hidden()
    spins = page.get_by_role("spinbutton")
    hour = moment.hour % 12 or 12
    for offset, value in enumerate((hour, moment.minute, moment.second)):
        await spins.nth(row * 3 + offset).fill(str(value))
    await pick_half(page, row, "AM" if moment.hour < 12 else "PM")


async def test_guest_in_the_browser(
    browser: Browser,
    real_hass: RealHass,
    demo_cloud: Simulator,
    demo_account: dict[str, Any],
    screenshot_dir: Path,
) -> None:
    """Add a guest whose window starts in a minute, then Revoke access."""
    entry = await real_hass.add_account(demo_account)
    page = await logged_in_page(browser, real_hass)
    await page.goto(f"{real_hass.url}/config/integrations/integration/quectel_iot")

    # The entry's ⋮ menu holds "Add guest" on 2025.x.
    add_guest = page.get_by_text("Add guest", exact=True).first
    await expect(page.get_by_text("o***@example.com").first).to_be_visible()
    if not await add_guest.is_visible():
        await page.get_by_role("button", name="Menu").last.click()
    await add_guest.click()
    await expect(page.get_by_text("Add a guest", exact=True)).to_be_visible()
    await page.get_by_role("textbox", name=re.compile(r"^Name\*?$")).fill("Cleaner")
    await page.get_by_role("textbox", name="Email").fill("guest@example.com")
    for name in GUEST_DEVICES:
        await pick(page, "Device", "Select a device", name)
    await page.get_by_role("radio", name="From a start time until an end time").check()
    flow_png = screenshot_dir / "guest_flow.png"
    await page.screenshot(path=flow_png, full_page=True)
    assert_png(flow_png)
    await page.get_by_role("button", name="Submit").click()

    # The window: start in about a minute, end at 23:59:59 the same day.
    await expect(page.get_by_text("Access window", exact=True)).to_be_visible()
    now = datetime.now(UTC)
    if (now + START_AHEAD + timedelta(minutes=1)).date() != now.date():
        await asyncio.sleep(150)  # past midnight: the date fields show today
        now = datetime.now(UTC)
    start = (now + START_AHEAD).replace(microsecond=0)
    await set_time(page, 0, "Start", start)
    await set_time(page, 1, "End", start.replace(hour=23, minute=59, second=59))
    window_png = screenshot_dir / "guest_window.png"
    await page.screenshot(path=window_png)
    assert_png(window_png)
    demo_cloud.clear_requests()
    await page.get_by_role("button", name="Submit").click()
    await expect(page.get_by_text("Access window", exact=True)).to_be_hidden()

    # Saved, and nothing shared before the start; then one share per device.
    subentries = await real_hass.ws_command(
        {"type": "config_entries/subentries/list", "entry_id": entry["entry_id"]}
    )
    [guest] = [s for s in subentries if s["subentry_type"] == "guest"]
    assert guest["title"] == "Cleaner"
    if datetime.now(UTC) < start:
        assert demo_cloud.requests_to(Endpoint.SHARE_BY_UID) == []
    await wait_for(lambda: len(guest_shares(demo_cloud)) == 2, SHARE_WAIT)
    assert datetime.now(UTC) >= start
    assert guest_shares(demo_cloud) == set(GUEST_DEVICES.values())
    assert len(demo_cloud.requests_to(Endpoint.SHARE_BY_UID)) == 2

    # The guest's device page: its Access sensor and buttons.
    devices = await real_hass.ws_command({"type": "config/device_registry/list"})
    [device] = [
        d
        for d in devices
        if ["quectel_iot", f"guest {guest['subentry_id']}"] in d["identifiers"]
    ]
    await page.goto(f"{real_hass.url}/config/devices/device/{device['id']}")
    await expect(page.get_by_text("Revoke access", exact=True).first).to_be_visible()
    await expect(page.get_by_text("Access ends", exact=True).first).to_be_visible()
    _, access = await real_hass.rest("GET", "/api/states/sensor.cleaner_access")
    assert access["state"] == "active"
    await page.wait_for_load_state("networkidle")
    device_png = screenshot_dir / "guest_device.png"
    await page.screenshot(path=device_png, full_page=True)
    assert_png(device_png)

    # Revoke access: one revoke per share, and the shares end.
    demo_cloud.clear_requests()
    # The Controls card lists Extend by one day, then Revoke access.
    revoke_row = page.locator("hui-generic-entity-row", has_text="Revoke access")
    press = revoke_row.get_by_role("button", name="Press")
    if not await press.count():
        press = page.get_by_role("button", name="Press").nth(1)
    await press.click()
    await wait_for(lambda: not guest_shares(demo_cloud), SHARE_WAIT)
    assert len(demo_cloud.requests_to(Endpoint.OWNER_UNSHARE)) == 2
    assert demo_cloud.requests_to(Endpoint.SHARE_BY_UID) == []
    _, access = await real_hass.rest("GET", "/api/states/sensor.cleaner_access")
    assert access["state"] == "revoked"


async def test_calendar_guest_in_the_browser(
    browser: Browser,
    real_hass: RealHass,
    demo_cloud: Simulator,
    demo_account: dict[str, Any],
    screenshot_dir: Path,
) -> None:
    """Add a guest who follows a local calendar; its page shows the next booking."""
    await real_hass.add_account(demo_account)
    calendar = await real_hass.add_local_calendar("Rentals")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    starts = datetime.combine(tomorrow, datetime.min.time(), UTC).replace(hour=15)
    ends = starts + timedelta(days=2, hours=-4)  # 11:00 two days later
    await real_hass.rest(
        "POST",
        "/api/services/calendar/create_event",
        {
            "entity_id": calendar,
            "summary": "Ana Lima, booking 4711",
            "start_date_time": starts.isoformat(),
            "end_date_time": ends.isoformat(),
        },
    )
    demo_cloud.clear_requests()

    page = await logged_in_page(browser, real_hass)
    await page.goto(f"{real_hass.url}/config/integrations/integration/quectel_iot")
    add_guest = page.get_by_text("Add guest", exact=True).first
    await expect(page.get_by_text("o***@example.com").first).to_be_visible()
    if not await add_guest.is_visible():
        await page.get_by_role("button", name="Menu").last.click()
    await add_guest.click()
    await fill(page, "Name", "Ana")
    await page.get_by_role("textbox", name="Email").fill("guest@example.com")
    await pick(page, "Device", "Select a device", "Bedroom light")
    await page.get_by_role("radio", name="Follows a calendar").check()
    await page.get_by_role("button", name="Submit").click()

    await expect(
        page.get_by_text("Access that follows a calendar", exact=True)
    ).to_be_visible()
    await pick(page, "Calendar", "Select an entity", "Rentals")
    match = page.get_by_role(
        "textbox", name=re.compile(r"^Events whose title or description contains")
    )
    await match.click()
    await match.press_sequentially("Ana Lima")
    await page.get_by_text("Margin before the start").click()
    calendar_png = screenshot_dir / "guest_calendar.png"
    await page.screenshot(path=calendar_png)
    assert_png(calendar_png)
    await page.get_by_role("button", name="Submit").click()
    await expect(
        page.get_by_text("Access that follows a calendar", exact=True)
    ).to_be_hidden()

    # The booking is tomorrow: the guest waits for it, and nothing is sent.
    async def next_window() -> tuple[str, str, str]:
        states = {
            name: (await real_hass.rest("GET", f"/api/states/sensor.ana_{name}"))[1]
            for name in ("access", "access_starts", "access_ends")
        }
        return (
            states["access"]["state"],
            states["access_starts"]["state"],
            states["access_ends"]["state"],
        )

    for _ in range(40):
        if (await next_window())[0] == "scheduled":
            break
        await asyncio.sleep(0.25)
    access, starts_text, ends_text = await next_window()
    assert access == "scheduled"
    assert datetime.fromisoformat(starts_text) == starts
    assert datetime.fromisoformat(ends_text) == ends
    assert demo_cloud.requests_to(Endpoint.SHARE_BY_UID) == []

    devices = await real_hass.ws_command({"type": "config/device_registry/list"})
    [device] = [d for d in devices if d["name"] == "Ana"]
    await page.goto(f"{real_hass.url}/config/devices/device/{device['id']}")
    await expect(page.get_by_text("Access starts", exact=True).first).to_be_visible()
    await page.wait_for_load_state("networkidle")
    device_png = screenshot_dir / "guest_calendar_device.png"
    await page.screenshot(path=device_png, full_page=True)
    assert_png(device_png)


async def test_an_invitations_qr_code_loads_in_the_browser(
    browser: Browser,
    real_hass: RealHass,
    demo_cloud: Simulator,
    demo_account: dict[str, Any],
    screenshot_dir: Path,
) -> None:
    """create_invite, then the invitation's picture in its more-info dialog."""
    await real_hass.add_account(demo_account)
    devices = await real_hass.ws_command({"type": "config/device_registry/list"})
    [light] = [d for d in devices if d["name"] == "Bedroom light"]
    _, body = await real_hass.call_service(
        "quectel_iot",
        "create_invite",
        {"device_id": light["id"], "accept_within": {"hours": 24}},
    )
    [invite] = body["service_response"]["invites"]
    code = invite["share_code"]
    made = demo_cloud.share(code)
    assert (made.pk, made.dk) == ("pDemoLight", "DEMO-LIGHT-02")
    assert made.share_uid is None  # an invitation: nobody has accepted it yet

    page = await logged_in_page(browser, real_hass)
    await page.goto(f"{real_hass.url}/config/devices/device/{light['id']}")
    await page.get_by_text("Invitation", exact=True).first.click()
    picture = page.locator("img[src*='/api/image_proxy/']").first
    await expect(picture).to_be_visible()
    width = await picture.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width > 0  # the browser decoded the SVG
    await page.wait_for_load_state("networkidle")
    invitation_png = screenshot_dir / "invitation.png"
    await page.screenshot(path=invitation_png)
    assert_png(invitation_png)

    # The picture is the one Home Assistant serves for the entity, with the code.
    async with real_hass.session.get(await picture.evaluate("img => img.src")) as resp:
        assert resp.status == 200
        assert resp.content_type == "image/svg+xml"
        assert code in await resp.text()
