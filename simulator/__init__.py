"""A local simulator of the Quectel IoT end-user cloud, for development and tests.

Usage::

    sim = Simulator.from_scenario("demo")
    await sim.start()  # a free port on 127.0.0.1
    ...  # point the client at sim.base_url
    await sim.stop()

Run ``python -m simulator --help`` to serve a scenario from the command line.
README.md in this folder lists the scenarios, the controls and the choices
made where the API docs are silent.
"""

from __future__ import annotations

from .faults import Fault, FaultRule
from .models import LoggedRequest, SimDevice, SimShare, SimUser
from .sim import Simulator

__all__ = [
    "Fault",
    "FaultRule",
    "LoggedRequest",
    "SimDevice",
    "SimShare",
    "SimUser",
    "Simulator",
]
