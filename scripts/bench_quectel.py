"""Benchmarks of the integration against the simulator, on 127.0.0.1 only.

Run with ``scripts/bench`` (``--latency-ms 50`` by default). Two parts:

- a simulated day of polling for 10, 100 and 1,000 owned devices
  (``scripts/bench_day.py``: Home Assistant's test harness with its clock moved
  by hand), for requests per day, at setup, and how stale share lists get;
- actions in a real Home Assistant: the simulator in this process (so its
  request log can be counted), ``hass`` as a subprocess driven over REST (the
  same harness as the end-to-end tests).

Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import json
import math
import os
from pathlib import Path
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from custom_components.quectel_iot.api import (  # noqa: E402
    CoverMark,
    EmailAccount,
    QuectelClient,
)
from custom_components.quectel_iot.api.const import (  # noqa: E402
    DEVICE_PAGE_SIZE,
    MAX_CONCURRENT_REQUESTS,
    Endpoint,
)
from simulator import Simulator  # noqa: E402
from simulator.scenario import bench_scenario  # noqa: E402
from tests.e2e.harness import RealHass  # noqa: E402

RECIPIENT = "recipient1@example.com"
OVERHEAD_SAMPLES = 40


@dataclass
class Row:
    """One line of the result table."""

    measure: str
    result: str
    reference: str


def account(sim: Simulator, email: str, password: str) -> dict[str, Any]:
    """The config flow's user step for an account on ``sim``."""
    return {
        "data_center": "custom",
        "base_url": sim.base_url,
        "user_domain": sim.user_domain,
        "user_domain_secret": sim.user_domain_secret,
        "email": email,
        "password": password,
    }


def count(sim: Simulator, endpoint: Endpoint) -> int:
    """Requests ``sim`` received for ``endpoint``."""
    return len(sim.requests_to(endpoint.value))


async def timed(coro: Any) -> tuple[float, Any]:
    """Await ``coro``; return (seconds, result)."""
    start = time.perf_counter()
    result = await coro
    return time.perf_counter() - start, result


async def device_ids(hass: RealHass, entry_id: str) -> list[str]:
    """Registry ids of the entry's devices, in device key order."""
    devices = await hass.ws_command({"type": "config/device_registry/list"})
    ours = [
        d
        for d in devices
        if d.get("config_entry_id", d.get("primary_config_entry")) == entry_id
        and d["entry_type"] != "service"
    ]
    ours.sort(key=lambda d: d["serial_number"] or "")
    return [d["id"] for d in ours]


async def share(hass: RealHass, ids: list[str], mode: str = "replace") -> Any:
    """Share ``ids`` with the recipient through Home Assistant's REST API."""
    _, body = await hass.call_service(
        "quectel_iot",
        "share_device",
        {"device_id": ids, "email": RECIPIENT, "duration": {"hours": 1}, "mode": mode},
    )
    return body


async def run(latency: float) -> list[Row]:
    """Run every measurement; return the table rows."""
    rows: list[Row] = []
    ms = latency * 1000
    sim100 = Simulator(bench_scenario(100, uid="B100", email="bench100@example.com"))
    sim1000 = Simulator.from_scenario("bench_1000")
    await sim100.start()
    await sim1000.start()
    hass = RealHass(Path(tempfile.mkdtemp(prefix="quectel-bench-")) / "config")
    try:
        await hass.start()
        await hass.onboard()
        entry = await hass.add_account(
            account(sim100, "bench100@example.com", "bench-pass-1")
        )
        ids = await device_ids(hass, entry["entry_id"])
        assert len(ids) == 100, len(ids)

        # 1. Requests per share_device on one device, token valid.
        sim100.latency = latency
        await share(hass, ids[:1])  # warm up
        sim100.clear_requests()
        await share(hass, ids[:1])
        in_order = [r.path.rsplit("/", 1)[-1] for r in sim100.requests]
        rows.append(
            Row(
                "Cloud requests per share_device (1 device, valid token)",
                f"{len(in_order)}: {' then '.join(in_order)}",
                "2: replace mode reads the share list first (coverMark 1 only "
                "when no other recipient holds a share), then shareByUid; the "
                "sensor is updated from the answer",
            )
        )

        # 2. Overhead above the cloud round trip, no injected latency.
        sim100.latency = 0
        rows.extend(await overhead(hass, sim100, ids[0]))

        # 3. One call on 100 devices.
        sim100.latency = latency
        sim100.clear_requests()
        sim100.reset_max_in_flight()
        seconds, body = await timed(share(hass, ids))
        assert len(body["service_response"]["shares"]) == 100
        waves = math.ceil(100 / MAX_CONCURRENT_REQUESTS)
        rows.append(
            Row(
                f"share_device on 100 devices, {ms:g} ms latency: wall time",
                f"{seconds:.2f} s ({count(sim100, Endpoint.SHARE_BY_UID)} shareByUid"
                f" + {count(sim100, Endpoint.SHARE_USER_LIST)} share list requests, "
                f"max {sim100.max_in_flight} in flight)",
                f"2 x ceil(100/10) x latency = {2 * waves * latency:.2f} s "
                f"(a list read, then the share); sequential {200 * latency:.2f} s",
            )
        )

        # 4. 100 concurrent calls with an expired access token.
        sim100.expire_access_tokens()
        sim100.clear_requests()
        seconds, _ = await timed(
            asyncio.gather(*(share(hass, [device]) for device in ids))
        )
        rows.append(
            Row(
                "100 concurrent share_device calls, access token expired: "
                "refresh requests",
                f"{count(sim100, Endpoint.REFRESH_TOKEN)} refresh, "
                f"{count(sim100, Endpoint.EMAIL_LOGIN)} login, "
                f"{count(sim100, Endpoint.SHARE_BY_UID)} shareByUid "
                f"({seconds:.2f} s)",
                "floor 1 refresh, 0 logins; only the requests already in "
                "flight are rejected (5032) and retried once",
            )
        )

        # 5. Setup of an account with 1,000 devices.
        sim1000.latency = latency
        seconds, entry1000 = await timed(
            hass.add_account(account(sim1000, "bench@example.com", "bench-pass-1"))
        )
        assert entry1000["state"] == "loaded", entry1000
        pages = math.ceil(1000 / DEVICE_PAGE_SIZE)
        rows.append(
            Row(
                f"Setup of an account with 1,000 devices, {ms:g} ms latency",
                f"{seconds:.2f} s; {count(sim1000, Endpoint.DEVICE_LIST)} device "
                f"list pages, {count(sim1000, Endpoint.SHARE_USER_LIST)} share "
                f"lists, {len(sim1000.requests)} requests in all",
                f"login + {pages} pages of {DEVICE_PAGE_SIZE} + the first 20 "
                "share lists (the rest follow within the budget); goal <= 60",
            )
        )

    finally:
        await hass.stop()
        hass.kill()
        await sim100.stop()
        await sim1000.stop()
    return rows


async def overhead(hass: RealHass, sim: Simulator, device_id: str) -> list[Row]:
    """Median times: raw cloud request, client call, Home Assistant action."""
    device = next(iter(sorted(sim.devices.values(), key=lambda d: d.dk)))
    async with aiohttp.ClientSession() as session:
        client = QuectelClient(
            session,
            base_url=sim.base_url,
            user_domain=sim.user_domain,
            user_domain_secret=sim.user_domain_secret,
            account=EmailAccount("bench100@example.com"),
            password="bench-pass-1",
        )
        tokens = await client.login()
        params = {
            "pk": device.pk,
            "dk": device.dk,
            "email": RECIPIENT,
            "coverMark": str(int(CoverMark.REPLACE)),
        }
        headers = {"Authorization": tokens.access.token}

        async def raw() -> None:
            async with session.post(
                sim.base_url + Endpoint.SHARE_BY_UID.value,
                params=params,
                headers=headers,
            ) as resp:
                body = await resp.json()
                assert body["code"] in (0, 200), body

        async def via_client() -> None:
            await client.share_device(device.pk, device.dk, email=RECIPIENT)

        async def via_hass() -> None:
            # add mode: one shareByUid, like the raw call (replace reads first).
            await share(hass, [device_id], mode="add")

        medians = {}
        for name, call in (("raw", raw), ("client", via_client), ("hass", via_hass)):
            for _ in range(5):  # warm up
                await call()
            samples = [(await timed(call()))[0] for _ in range(OVERHEAD_SAMPLES)]
            medians[name] = statistics.median(samples) * 1000
    return [
        Row(
            "Cloud round trip of shareByUid, 0 ms latency (median, raw aiohttp)",
            f"{medians['raw']:.2f} ms",
            f"{OVERHEAD_SAMPLES} samples",
        ),
        Row(
            "Overhead of the client above it (median)",
            f"{medians['client'] - medians['raw']:.2f} ms",
            "QuectelClient.share_device",
        ),
        Row(
            "Overhead of Home Assistant + client above it (median)",
            f"{medians['hass'] - medians['raw']:.2f} ms",
            "REST action call (mode add: one request) with return_response, "
            "incl. the REST hop",
        ),
    ]


def machine() -> str:
    """The machine the numbers come from."""
    cpu = platform.processor() or "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    date = time.strftime("%Y-%m-%d")
    version = subprocess.run(
        [sys.executable, "-c", "import homeassistant.const as c; print(c.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{date}, nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}, "
        f"Home Assistant {version}"
    )


def main() -> int:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=50.0,
        help="latency the simulator adds to every answer (default 50)",
    )
    args = parser.parse_args()
    day = a_day_of_polling()
    rows = asyncio.run(asyncio.wait_for(run(args.latency_ms / 1000), 600))
    print(f"Machine: {machine()}\n")
    print("A simulated day of polling (no actions, default budget):\n")
    print(
        "| Owned devices | Requests at setup (share lists read) "
        "| Requests in 24 h, setup included | Worst staleness of a share list "
        "| Lists never read in 24 h |"
    )
    print("|---|---|---|---|---|")
    for figures in day:
        print(
            f"| {figures['devices']:,} | {figures['requests_at_setup']} "
            f"({figures['lists_read_at_setup']}) | {figures['requests_in_24h']:,} "
            f"(budget {figures['budget']:,}) | {figures['worst_staleness_hours']} h "
            f"| {figures['lists_never_read']} |"
        )
    print("\nActions in a real Home Assistant:\n")
    print("| Measure | Result | Reference |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row.measure} | {row.result} | {row.reference} |")
    return 0


def a_day_of_polling() -> list[dict[str, Any]]:
    """Run scripts/bench_day.py under pytest; return its figures per account."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "day.jsonl"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "scripts/bench_day.py",
                "-q",
                "--no-cov",
                "-p",
                "no:cacheprovider",
            ],
            cwd=PROJECT_ROOT,
            env={**os.environ, "QUECTEL_BENCH_DAY_OUT": str(out)},
            check=True,
        )
        return [json.loads(line) for line in out.read_text().splitlines()]


if __name__ == "__main__":
    sys.exit(main())
