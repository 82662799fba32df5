"""The command line: ``python -m simulator``."""

from __future__ import annotations

import http.client
import os
from pathlib import Path
import signal
import subprocess
import sys
import threading
import time

import pytest

from simulator import Simulator
from simulator.__main__ import describe, main, parse_args
from simulator.docs import Endpoint

ROOT = Path(__file__).resolve().parents[2]


def test_defaults() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.scenario) == ("127.0.0.1", 8124, "demo")
    assert args.latency_ms == 0.0
    assert args.lifetime is None


def test_main_serves_for_its_lifetime(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    assert main(["--port", "0", "--lifetime", "0.2", "--latency-ms", "5"]) == 0
    assert time.monotonic() - started < 5
    out = capsys.readouterr().out
    assert "base URL:           http://127.0.0.1:" in out
    assert "C.DM.5812.1" in out
    assert "a1o9QlUhMy3ItATgiUyZcsi0nxeU68uQOKSD3p6ZtT8x" in out
    assert "owner@example.com" in out
    assert "+44 7700900123" in out
    assert "'demo-pass-1'" in out
    assert "pDemoLight/DEMO-LIGHT-01  Living room light" in out
    assert "pDemoLock/DEMO-LOCK-01  Front door lock (unverified)" in out
    assert (
        "DEMOSHARE0002  pDemoPlug/DEMO-PLUG-01  C1001 -> C1004  until for life" in out
    )
    assert "DEMOSHARE0003" not in out  # cancelled
    assert out.rstrip().endswith("Simulator stopped.")


def test_main_in_a_thread_without_signal_handlers(
    socket_enabled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            main(["--port", "0", "--scenario", "test", "--lifetime", "0.1"])
        )
    )
    thread.start()
    thread.join(timeout=10)
    assert result == [0]
    assert "owner@example.test" in capsys.readouterr().out


def test_main_reports_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--scenario", "no-such-scenario", "--lifetime", "0"]) == 1
    err = capsys.readouterr().err
    assert "error: no scenario 'no-such-scenario'" in err
    assert "demo" in err


def test_describe_shortens_long_device_lists() -> None:
    sim = Simulator.from_scenario("bench_1000")
    sim._base_url = "http://127.0.0.1:1"  # describe() runs on a started simulator
    text = describe(sim)
    assert "devices of B1 (1000):" in text
    assert "... and 980 more" in text
    assert "BENCH0020" in text
    assert "BENCH0021" not in text


def test_ctrl_c_stops_cleanly(socket_enabled: None) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--scenario", "test"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        base_url = None
        for line in process.stdout:
            if "base URL:" in line:
                base_url = line.split()[-1]
            if line.startswith("Press Ctrl-C"):
                break
        assert base_url is not None
        host, port = base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", Endpoint.USER_INFO)
        assert b'"code": 5106' in connection.getresponse().read()
        connection.close()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in err
    assert "Simulator stopped." in out
