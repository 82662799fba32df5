"""Serve a scenario: ``python -m simulator --port 8124 --scenario demo``."""

from __future__ import annotations

import argparse
import asyncio
from contextlib import suppress
import signal
import sys

from .scenario import bundled_scenarios
from .sim import Simulator
from .views import date_string


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Serve a local simulator of the Quectel IoT end-user cloud.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=8124, help="default: 8124; 0 picks a free port"
    )
    parser.add_argument(
        "--scenario",
        default="demo",
        help=f"bundled ({', '.join(bundled_scenarios())}) or a JSON file path",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay added to every answer"
    )
    parser.add_argument(
        "--lifetime",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop by itself after this long (default: run until Ctrl-C)",
    )
    return parser.parse_args(argv)


def describe(sim: Simulator) -> str:
    """Return what a developer needs to log in to ``sim``."""
    lines = [
        f"Quectel cloud simulator, scenario {sim.scenario_name!r}",
        f"  base URL:           {sim.base_url}",
        f"  user domain:        {sim.user_domain}",
        f"  user domain secret: {sim.user_domain_secret}",
        "  accounts:",
    ]
    for user in sim.users.values():
        phone = f"+{user.international_code} {user.phone}" if user.phone else "-"
        lines.append(
            f"    {user.uid:<8} email {user.email or '-'}  phone {phone}  "
            f"password {user.password!r}"
            + (f"  family {user.family_id}" if user.family_id else "")
        )
    owned: dict[str, list[str]] = {}
    for device in sim.devices.values():
        flags = "" if device.verified else " (unverified)"
        owned.setdefault(device.owner_uid, []).append(
            f"{device.pk}/{device.dk}  {device.name}{flags}"
        )
    for uid, devices in owned.items():
        lines.append(f"  devices of {uid} ({len(devices)}):")
        lines.extend(f"    {line}" for line in devices[:20])
        if len(devices) > 20:
            lines.append(f"    ... and {len(devices) - 20} more")
    active = sim.active_shares()
    if active:
        lines.append(f"  active shares ({len(active)}):")
    for share in active[:20]:
        until = date_string(share.expire_at_ms) or "for life"
        lines.append(
            f"    {share.share_code}  {share.pk}/{share.dk}  "
            f"{share.owner_uid} -> {share.share_uid}  until {until}"
        )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


async def serve(args: argparse.Namespace) -> None:
    """Run the simulator until Ctrl-C, SIGTERM or ``--lifetime`` is over."""
    sim = Simulator.from_scenario(args.scenario, latency=args.latency_ms / 1000)
    await sim.start(host=args.host, port=args.port)
    print(describe(sim), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread (or on Windows); Ctrl-C then
        # raises KeyboardInterrupt, which main() turns into a clean exit.
        with suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), args.lifetime)
    finally:
        for handled_signal in handled:
            loop.remove_signal_handler(handled_signal)
        await sim.stop()
        print("Simulator stopped.", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status."""
    args = parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:  # pragma: no cover - only without signal handlers
        pass
    except (OSError, ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
