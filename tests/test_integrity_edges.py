"""Bad input at the edges: control characters in redirect targets and paths, over-deep JSON,
spreadsheet formulas in staff-typed names, and the names uploads are served under. Each is a
clear 4xx or a harmless answer, and the server keeps answering."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import make_user, post_form

# -- redirect targets ------------------------------------------------------------------------


def assert_no_cr_lf_in_headers(response: httpx.Response) -> None:
    for name, value in response.headers.multi_items():
        assert not {"\r", "\n"} & set(name + value), (name, value)


BAD_NEXT = [
    "/bookings\r\nSet-Cookie: hub_session=stolen",
    "/bookings\nLocation: https://evil.example/",
    "/\t/evil.example/",  # browsers drop the tab: "//evil.example/"
    "/\x00/bookings",
]


@pytest.mark.parametrize("htmx", [False, True])
async def test_login_with_control_characters_in_next_goes_to_the_default_page(
    client: httpx.AsyncClient, htmx: bool
) -> None:
    await make_user("student", email="khoa@hs.vn")
    for target in BAD_NEXT:
        response = await post_form(
            client,
            "/login",
            {"email": "khoa@hs.vn", "password": "correct horse battery", "next": target},
            htmx=htmx,
        )
        assert_no_cr_lf_in_headers(response)
        if htmx:
            assert response.status_code == 200 and response.headers["hx-redirect"] == "/", target
        else:
            assert response.status_code == 303 and response.headers["location"] == "/", target
        assert "stolen" not in response.headers.get("set-cookie", "")
        assert (await client.get("/profile")).status_code == 200  # logged in all the same


async def test_the_login_form_drops_a_next_with_control_characters(
    client: httpx.AsyncClient,
) -> None:
    form = await client.get("/login", params={"next": BAD_NEXT[0]})
    assert form.status_code == 200
    assert 'value="/bookings' not in form.text and "stolen" not in form.text


@pytest.mark.parametrize("htmx", [False, True])
async def test_switching_language_with_control_characters_in_next_goes_home(
    client: httpx.AsyncClient, htmx: bool
) -> None:
    response = await post_form(
        client, "/language", {"locale": "en", "next": BAD_NEXT[0]}, htmx=htmx
    )
    assert_no_cr_lf_in_headers(response)
    target = response.headers["hx-redirect" if htmx else "location"]
    assert target == "/"


async def test_an_htmx_login_keeps_a_vietnamese_next_percent_encoded(
    client: httpx.AsyncClient,
) -> None:
    await make_user("student", email="khoa@hs.vn")
    response = await post_form(
        client,
        "/login",
        {"email": "khoa@hs.vn", "password": "correct horse battery", "next": "/spaces?q=Phường"},
        htmx=True,
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/spaces?q=Ph%C6%B0%E1%BB%9Dng"


# -- control characters in paths -------------------------------------------------------------


async def test_a_nul_byte_in_a_file_path_is_404(client: httpx.AsyncClient) -> None:
    for path in ("/static/css/hub%00.css", "/static/%00", "/spaces/photos/x%00.png"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
    assert (await client.get("/static/css/hub.css")).status_code == 200
