"""Paging of the device list follows what the cloud answered.

The cloud may answer with a smaller ``pageSize`` than the one asked for, and
may leave fields of its PageInfo out. The answers below are literal (what a
cloud could send), served by the simulator over real HTTP where the client
walks the pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.quectel_iot.api import Endpoint, QuectelClient
from custom_components.quectel_iot.api.models import DevicePage
from simulator import Fault, Simulator

# What the client asks for, from the docs' cap ("pageSize" at most 100).
ASKED = 100


def device(number: int) -> dict[str, Any]:
    return {"productKey": "pPage", "deviceKey": f"PAGE-{number:02d}", "deviceType": 1}


def devices(first: int, last: int) -> list[dict[str, Any]]:
    return [device(number) for number in range(first, last + 1)]


def envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {"code": 200, "msg": "", "data": data, "extMsg": ""}


# --- the model, with literal answers -----------------------------------------


def test_a_smaller_page_size_answered_with_total_continues() -> None:
    """total 25, pageSize 10, no hasNextPage: 10 of 25 is not the end."""
    page = DevicePage.from_api(
        {"list": devices(1, 10), "total": 25, "pageSize": 10},
        1,
        ASKED,
        received_before=0,
    )
    assert page.has_next_page


def test_total_reached_ends_the_walk() -> None:
    page = DevicePage.from_api(
        {"list": devices(21, 25), "total": 25, "pageSize": 10},
        3,
        ASKED,
        received_before=20,
    )
    assert not page.has_next_page


def test_total_is_counted_in_the_clouds_page_size_by_default() -> None:
    """Without a count of what came before, pages of the answered size."""
    second = DevicePage.from_api(
        {"list": devices(11, 20), "total": 25, "pageSize": 10}, 2, ASKED
    )
    assert second.has_next_page
    third = DevicePage.from_api(
        {"list": devices(21, 25), "total": 25, "pageSize": 10}, 3, ASKED
    )
    assert not third.has_next_page


@pytest.mark.parametrize(
    ("pages", "page", "expected"), [(3, 1, True), (3, 2, True), (3, 3, False)]
)
def test_pages_is_followed(pages: int, page: int, expected: bool) -> None:
    answer = {"list": devices(1, 10), "pageSize": 10, "pages": pages}
    assert DevicePage.from_api(answer, page, ASKED).has_next_page is expected


@pytest.mark.parametrize(("is_last", "expected"), [(False, True), (True, False)])
def test_is_last_page_is_followed(is_last: bool, expected: bool) -> None:
    answer = {"list": devices(1, 10), "isLastPage": is_last}
    assert DevicePage.from_api(answer, 1, ASKED).has_next_page is expected


def test_a_full_page_of_the_answered_size_may_have_a_next_one() -> None:
    full = DevicePage.from_api({"list": devices(1, 10), "pageSize": 10}, 1, ASKED)
    assert full.has_next_page
    short = DevicePage.from_api({"list": devices(1, 4), "pageSize": 10}, 2, ASKED)
    assert not short.has_next_page


def test_a_page_without_any_paging_field_is_not_taken_as_the_last() -> None:
    """Ten devices when a hundred were asked: the cloud may have capped them."""
    page = DevicePage.from_api({"list": devices(1, 10)}, 1, ASKED)
    assert page.has_next_page


@pytest.mark.parametrize(
    "answer",
    [
        {"list": [], "hasNextPage": True, "total": 25, "pages": 3},
        {"list": None, "total": 25, "pageSize": 10},
        {},
    ],
)
def test_an_empty_page_is_the_last(answer: dict[str, Any]) -> None:
    assert not DevicePage.from_api(answer, 2, ASKED).has_next_page


# --- the client, over HTTP ---------------------------------------------------


async def test_walks_every_page_of_a_smaller_page_size_without_has_next_page(
    simulator: Simulator, client: QuectelClient
) -> None:
    """The cloud answers pageSize 10 with total 25 and no hasNextPage."""
    await client.login()
    simulator.clear_requests()
    for first, last in ((1, 10), (11, 20), (21, 25)):
        simulator.inject(
            Fault.BAD_ENVELOPE,
            endpoint=Endpoint.DEVICE_LIST.value,
            times=1,
            body=envelope({"list": devices(first, last), "total": 25, "pageSize": 10}),
        )

    listed = await client.devices()

    assert [item.device_key for item in listed] == [
        f"PAGE-{number:02d}" for number in range(1, 26)
    ]
    requests = simulator.requests_to(Endpoint.DEVICE_LIST.value)
    assert [request.query["page"] for request in requests] == ["1", "2", "3"]


async def test_walks_on_when_the_cloud_sends_no_paging_field(
    simulator: Simulator, client: QuectelClient
) -> None:
    """Only lists: pages are read until an empty one."""
    await client.login()
    simulator.clear_requests()
    for body in (devices(1, 10), devices(11, 12), []):
        simulator.inject(
            Fault.BAD_ENVELOPE,
            endpoint=Endpoint.DEVICE_LIST.value,
            times=1,
            body=envelope({"list": body}),
        )

    listed = await client.devices()

    assert len(listed) == 12
    assert len(simulator.requests_to(Endpoint.DEVICE_LIST.value)) == 3
