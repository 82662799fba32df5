"""A real Home Assistant process on loopback, for end-to-end tests and benchmarks.

`RealHass` writes a temporary configuration (HTTP on 127.0.0.1 and a free
port, the integration symlinked into ``custom_components``), starts ``hass``
as a subprocess, onboards an owner user through the REST onboarding API and
talks to it over REST and the websocket API. Every wait has a timeout, and
`stop` ends the process (SIGTERM, then SIGKILL) whatever happened before.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
import itertools
import json
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPONENT_DIR = PROJECT_ROOT / "custom_components" / "quectel_iot"
BLUEPRINT_DIR = PROJECT_ROOT / "blueprints" / "automation" / "quectel_iot"

OWNER_NAME = "Test Owner"
OWNER_USERNAME = "owner"
OWNER_PASSWORD = "owner-password-1"

BOOT_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0

# The configuration of scripts/develop, so that the tests boot exactly what a
# developer runs (an explicit list of integrations that set up offline with
# --skip-pip), on another port.
DEVELOP_CONFIGURATION = PROJECT_ROOT / "config" / "configuration.yaml"
INCLUDED_FILES = ("automations.yaml", "scripts.yaml", "scenes.yaml")


HTTP_YAML = re.compile(r"^http:\n(?:[ \t]+\S.*\n)+", re.MULTILINE)


def http_storage(configuration: str) -> dict[str, Any] | None:
    """Home Assistant's stored http config for the YAML's http: block, confirmed.

    ``None`` before Home Assistant kept its http config in storage (2026.x).
    """
    try:
        from homeassistant.components.http import config as http_config
    except ImportError:
        return None
    match = HTTP_YAML.search(configuration)
    if match is None:
        raise RuntimeError(f"{DEVELOP_CONFIGURATION} has no http: block")
    stable = {
        **http_config.HTTP_STORAGE_SCHEMA(yaml.safe_load(match.group(0))["http"]),
        http_config.HTTP_CONFIG_CREATED_AT: "2026-01-01T00:00:00+00:00",
        http_config.HTTP_CONFIG_ERROR: None,
        http_config.HTTP_CONFIG_ERROR_MESSAGE: None,
    }
    return {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {
            http_config.KEY_STABLE: stable,
            http_config.KEY_PENDING: None,
            http_config.KEY_YAML_MIGRATION_DONE: True,
        },
    }


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HassError(AssertionError):
    """Home Assistant answered something else than expected."""


class RealHass:
    """One ``hass`` subprocess with its own configuration directory."""

    def __init__(self, config_dir: Path, *, extra_yaml: str = "") -> None:
        """Prepare ``config_dir``; nothing runs until `start`."""
        self.config_dir = config_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client_id = f"{self.url}/"
        self.log_path = config_dir / "hass.log"
        self.output_path = config_dir / "hass.out"
        self.access_token = ""
        self.refresh_token = ""
        self.expires_in = 1800
        self._extra_yaml = extra_yaml
        self._process: subprocess.Popen[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    # --- process ----------------------------------------------------------

    async def start(self) -> None:
        """Write the configuration, start ``hass`` and wait for its HTTP API."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        configuration = DEVELOP_CONFIGURATION.read_text()
        if "server_port: 8123" not in configuration:
            raise RuntimeError(f"{DEVELOP_CONFIGURATION} no longer sets port 8123")
        configuration = configuration.replace(
            "server_port: 8123", f"server_port: {self.port}"
        )
        storage = self.config_dir / ".storage"
        storage.mkdir(exist_ok=True)
        if (stored_http := http_storage(configuration)) is not None:
            # Home Assistant 2026.x moves http: from YAML into storage as a
            # "pending" config that the UI asks to confirm (a modal dialog)
            # and that reverts after 5 minutes; store it as confirmed instead.
            (storage / "http").write_text(json.dumps(stored_http))
            configuration = HTTP_YAML.sub("", configuration)
        (self.config_dir / "configuration.yaml").write_text(
            configuration + self._extra_yaml
        )
        for included in INCLUDED_FILES:
            (self.config_dir / included).write_text("[]\n")
        components = self.config_dir / "custom_components"
        components.mkdir(exist_ok=True)
        link = components / "quectel_iot"
        if not link.exists():
            link.symlink_to(COMPONENT_DIR, target_is_directory=True)
        blueprints = self.config_dir / "blueprints" / "automation"
        blueprints.mkdir(parents=True, exist_ok=True)
        if BLUEPRINT_DIR.is_dir() and not (blueprints / "quectel_iot").exists():
            (blueprints / "quectel_iot").symlink_to(
                BLUEPRINT_DIR, target_is_directory=True
            )
        # Mark every onboarding step but the user done beforehand: the user
        # step is done over REST, and the core_config step would start config
        # flows of integrations (met, google_translate...) whose requirements
        # are not installed.
        (storage / "onboarding").write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["core_config", "analytics", "integration"]},
                }
            )
        )
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        with self.output_path.open("wb") as output:
            self._process = subprocess.Popen(  # noqa: ASYNC220, S603
                [
                    sys.executable,
                    "-m",
                    "homeassistant",
                    "--config",
                    str(self.config_dir),
                    "--skip-pip",
                    "--log-file",
                    str(self.log_path),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        )
        await self._wait_for_http()

    async def _wait_for_http(self) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive()
            with suppress(aiohttp.ClientError, TimeoutError):
                async with self.session.get(f"{self.url}/api/onboarding") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.25)
        raise HassError(f"Home Assistant did not start in {BOOT_TIMEOUT:g} s")

    def _check_alive(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise HassError(
                f"hass exited with {self._process.returncode}:\n{self.output()[-3000:]}"
            )

    async def stop(self) -> int | None:
        """Stop ``hass`` (SIGTERM, then SIGKILL); return its exit status."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            with suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        return process.returncode

    def kill(self) -> None:
        """Kill ``hass`` at once (for synchronous clean-up paths)."""
        if self._process is not None and self._process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(5)

    def output(self) -> str:
        """Return everything ``hass`` printed so far."""
        try:
            return self.output_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log(self) -> str:
        """Return Home Assistant's log file."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return self.output()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session talking to Home Assistant."""
        if self._session is None:
            raise RuntimeError("Home Assistant is not started")
        return self._session

    # --- onboarding and REST ------------------------------------------------

    async def onboard(self) -> None:
        """Create the owner user through onboarding and get its tokens."""
        async with self.session.post(
            f"{self.url}/api/onboarding/users",
            json={
                "client_id": self.client_id,
                "name": OWNER_NAME,
                "username": OWNER_USERNAME,
                "password": OWNER_PASSWORD,
                "language": "en",
            },
        ) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise HassError(f"onboarding/users: {resp.status} {body}")
        async with self.session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": body["auth_code"],
                "client_id": self.client_id,
            },
        ) as resp:
            tokens = await resp.json()
            if resp.status != 200:
                raise HassError(f"auth/token: {resp.status} {tokens}")
        self.access_token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]
        self.expires_in = int(tokens["expires_in"])
        await self.wait_until_running()

    async def wait_until_running(self) -> None:
        """Wait until Home Assistant reports the RUNNING state."""
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive()
            status, config = await self.rest("GET", "/api/config", expect=None)
            if status == 200 and config.get("state") == "RUNNING":
                return
            await asyncio.sleep(0.25)
        raise HassError("Home Assistant did not reach RUNNING")

    @property
    def headers(self) -> dict[str, str]:
        """The authorization header of the owner."""
        return {"Authorization": f"Bearer {self.access_token}"}

    async def rest(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        expect: int | None = 200,
    ) -> tuple[int, Any]:
        """Call the REST API; return the status and the decoded JSON body."""
        async with self.session.request(
            method, f"{self.url}{path}", json=payload, headers=self.headers
        ) as resp:
            text = await resp.text()
            try:
                body: Any = await resp.json(content_type=None)
            except ValueError:
                body = text
            if expect is not None and resp.status != expect:
                raise HassError(f"{method} {path}: {resp.status} {text}")
            return resp.status, body

    async def call_service(
        self, domain: str, service: str, data: dict[str, Any], *, expect: int = 200
    ) -> tuple[int, Any]:
        """Call an action over REST, asking for its response."""
        return await self.rest(
            "POST",
            f"/api/services/{domain}/{service}?return_response",
            data,
            expect=expect,
        )

    async def add_account(self, account: dict[str, Any]) -> dict[str, Any]:
        """Run the integration's config flow over REST; return the created entry."""
        _, form = await self.rest(
            "POST",
            "/api/config/config_entries/flow",
            {"handler": "quectel_iot", "show_advanced_options": False},
        )
        if form.get("type") != "form" or form.get("step_id") != "user":
            raise HassError(f"unexpected first step: {form}")
        flow = f"/api/config/config_entries/flow/{form['flow_id']}"
        _, result = await self.rest("POST", flow, account)
        if result.get("step_id") == "insecure_url":
            _, result = await self.rest("POST", flow, {})
        if result.get("type") != "create_entry":
            raise HassError(f"config flow did not create an entry: {result}")
        return dict(result["result"])

    async def add_local_calendar(self, name: str) -> str:
        """Add core's local calendar ``name``; return its entity id."""
        _, form = await self.rest(
            "POST", "/api/config/config_entries/flow", {"handler": "local_calendar"}
        )
        _, result = await self.rest(
            "POST",
            f"/api/config/config_entries/flow/{form['flow_id']}",
            {"calendar_name": name},
        )
        if result.get("type") != "create_entry":
            raise HassError(f"local calendar flow did not create an entry: {result}")
        return f"calendar.{name.lower()}"

    # --- websocket ----------------------------------------------------------

    async def ws_command(self, command: dict[str, Any]) -> Any:
        """Send one websocket command; return its result."""
        message = await self.ws_message(command)
        if not message.get("success"):
            raise HassError(f"{command['type']}: {message.get('error')}")
        return message["result"]

    async def ws_message(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one websocket command; return the whole result message."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as ws:
            await ws.receive_json(timeout=REQUEST_TIMEOUT)  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.access_token})
            auth = await ws.receive_json(timeout=REQUEST_TIMEOUT)
            if auth.get("type") != "auth_ok":
                raise HassError(f"websocket auth failed: {auth}")
            msg_id = next(self._ids)
            await ws.send_json({**command, "id": msg_id})
            while True:
                message = await ws.receive_json(timeout=REQUEST_TIMEOUT)
                if message.get("id") == msg_id and message.get("type") == "result":
                    return dict(message)
