"""Static files: URLs carry a content hash, and hashed URLs may be cached for a year."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from innovation_hub.core.templating import (
    IMMUTABLE_CACHE,
    SHORT_CACHE,
    STATIC_DIR,
    StaticFiles,
    content_hash,
)

HUB_CSS_HASH = content_hash((STATIC_DIR / "css" / "hub.css").read_bytes())


async def test_pages_link_static_files_by_content_hash(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert f'href="/static/css/hub.css?v={HUB_CSS_HASH}"' in page.text
    # Every static reference in the page is versioned.
    references = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert references and all("?v=" in url for url in references)


async def test_hashed_url_is_immutable_for_a_year(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/static/css/hub.css?v={HUB_CSS_HASH}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == IMMUTABLE_CACHE
    assert response.content == (STATIC_DIR / "css" / "hub.css").read_bytes()


@pytest.mark.parametrize("query", ["", "?v=000000000000"])
async def test_unversioned_or_stale_url_is_cached_briefly(
    client: httpx.AsyncClient, query: str
) -> None:
    # A stale hash may reach an instance still running another release: never pin it.
    response = await client.get(f"/static/css/hub.css{query}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == SHORT_CACHE


async def test_unknown_static_file_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/css/no-such-file.css?v=0123456789ab")
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


def test_hash_changes_with_content(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    stylesheet = tmp_path / "css" / "app.css"
    stylesheet.write_text("body { color: black; }")
    before = StaticFiles(tmp_path).url("css/app.css")
    assert StaticFiles(tmp_path).url("css/app.css") == before  # same content, same URL
    stylesheet.write_text("body { color: navy; }")
    after = StaticFiles(tmp_path).url("css/app.css")
    prefix = "/static/css/app.css?v="
    assert before.startswith(prefix) and after.startswith(prefix)
    assert after != before
    assert content_hash(b"a") != content_hash(b"b")


def test_static_url_refuses_a_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match=r"css/missing\.css"):
        StaticFiles(tmp_path).url("css/missing.css")
