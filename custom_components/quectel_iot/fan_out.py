"""Acting on many items at once, keeping each item's cloud failure apart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from .api import QuectelError


@dataclass(slots=True)
class FanOut[ItemT, ResultT]:
    """What became of each item: its result, or the cloud error it met."""

    done: list[tuple[ItemT, ResultT]] = field(default_factory=list)
    failed: list[tuple[ItemT, QuectelError]] = field(default_factory=list)


async def fan_out[ItemT, ResultT](
    items: Iterable[ItemT],
    act: Callable[[ItemT], Coroutine[Any, Any, ResultT]],
) -> FanOut[ItemT, ResultT]:
    """Run ``act`` on every item concurrently and sort out the outcomes.

    A `QuectelError` is that item's failure; anything else is a bug and is
    raised once every item has finished. The client bounds how many requests
    are in flight, so no limit is needed here.
    """
    items = list(items)
    outcomes = await asyncio.gather(
        *(act(item) for item in items), return_exceptions=True
    )
    result: FanOut[ItemT, ResultT] = FanOut()
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, QuectelError):
            result.failed.append((item, outcome))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            result.done.append((item, outcome))
    return result
