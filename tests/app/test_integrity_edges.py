"""Bad input at the edges: control characters in redirect targets and paths, over-deep JSON,
spreadsheet formulas in staff-typed names, and the names uploads are served under. Each is a
clear 4xx or a harmless answer, and the server keeps answering."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import httpx
import pytest
from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.routes import HTTPRoute
from openpyxl import load_workbook

from innovation_hub.accounts.services import issue_api_token
from innovation_hub.core.clock import LOCAL_TZ
from innovation_hub.spaces.services import create_resource
from tests.helpers import bearer, csrf_token, log_in, make_user, post_form

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
    # The login form itself (the header's language switch carries the page's own address,
    # percent-encoded, and is checked when it is posted).
    login_form = form.text.split("<main", 1)[1]
    assert 'value="/bookings' not in login_form and "stolen" not in login_form


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


# -- JSON nested too deeply ------------------------------------------------------------------

DEEP_JSON = "[" * 1000 + "]" * 1000
FEE_ESTIMATE = "/api/v1/trademarks/fee-estimate"


async def token_for(role: str, email: str, **fields: str) -> str:
    user = await make_user(role, email=email, **fields)
    return (await issue_api_token(user, days=1))[0]


async def test_deep_json_to_the_anonymous_fee_estimate_is_a_400_and_the_next_call_works(
    client: httpx.AsyncClient,
) -> None:
    for body in (f'{{"classes": {DEEP_JSON}}}', DEEP_JSON, '{"a":' * 5000 + "1" + "}" * 5000):
        response = await client.post(
            FEE_ESTIMATE, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 400 and problem["code"] == "json_too_deep"
        assert problem["detail"] == "The JSON body is nested too deeply."  # English for API
    estimate = await client.post(FEE_ESTIMATE, json={"classes": [{"number": 9, "items": 8}]})
    assert estimate.status_code == 200 and estimate.json()["total_vnd"] > 0


def json_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path with sample ids) of every JSON API operation that takes a body."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        for handler in route.route_handlers:
            field = handler.parsed_data_field
            if field is None:
                continue
            media_type = getattr(field.kwarg_definition, "media_type", RequestEncodingType.JSON)
            if media_type != RequestEncodingType.JSON:
                continue
            path = re.sub(r"\{[^}]*:int\}", "1", route.path)
            path = re.sub(r"\{[^}]*:str\}", "x", path)
            found.extend((method, path) for method in sorted(handler.http_methods))
    return found


async def test_every_json_route_answers_deep_json_with_a_400(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    tokens = [
        await token_for("admin", "admin@hub.vn"),
        await token_for("enterprise", "tam@banhtrang.vn"),  # the only role that may apply
    ]
    routes = json_routes(app)
    assert ("POST", "/api/v1/bookings") in routes and ("PATCH", "/api/v1/applications/1") in routes
    for method, path in routes:
        for token in tokens:
            response = await client.request(
                method,
                path,
                content=DEEP_JSON,
                headers={"content-type": "application/json", **bearer(token)},
            )
            if response.status_code != 403:
                break
        assert response.status_code == 400, (method, path, response.text)
        assert response.json()["code"] == "json_too_deep", (method, path)
        assert response.json()["detail"] == "Nội dung JSON lồng nhau quá sâu."  # members: vi
    me = await client.get("/api/v1/me", headers=bearer(tokens[0]))
    assert me.status_code == 200 and me.json()["role"] == "admin"


# -- formulas in exports ---------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_NAMES = ['=HYPERLINK("https://evil.example/","Bấm")', "+1", "-2+3", "@SUM(1)"]


async def test_staff_typed_names_are_plain_text_in_every_export(
    client: httpx.AsyncClient, staff_token: str
) -> None:
    for name in [*FORMULA_NAMES, "Bàn\x01 02"]:
        created = await client.post(
            "/api/v1/resources",
            json={"name": name, "kind": "desk", "capacity": 1},
            headers=bearer(staff_token),
        )
        assert created.status_code == 201, created.text
    await log_in(client, "staff@hub.vn")
    query = "preset=this_year"

    csv_cells: list[str] = []
    for table in ("figures", "resources", "members", "hours"):
        response = await client.get(f"/staff/reports/{table}.csv?{query}")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        csv_cells += [cell for row in rows for cell in row]
        if table == "resources":
            names = {row[0] for row in rows[1:]}
            assert names >= {f"'{name}" for name in FORMULA_NAMES}
            assert all(row[1] == "0" for row in rows[1:])  # numbers stay numbers
    assert not [cell for cell in csv_cells if cell.startswith(FORMULA_STARTS)]

    response = await client.get(f"/staff/reports/report.xlsx?{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
    resources = list(book.worksheets[1].iter_rows(min_row=3, values_only=True))
    assert {row[0] for row in resources} >= {*FORMULA_NAMES, "Bàn 02"}
    assert all(row[1] == 0 and isinstance(row[4], int | float) for row in resources)


# -- names of served uploads -----------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_a_programme_document_downloads_as_a_pdf_attachment_with_a_safe_name(
    client: httpx.AsyncClient,
) -> None:
    staff = await token_for("staff", "ngoc@hub.vn")
    enterprise = await token_for(
        "enterprise", "tam@banhtrang.vn", tax_code="0100109106", organisation_name="Bánh tráng"
    )
    now = datetime.now(LOCAL_TZ)
    call = await client.post(
        "/api/v1/programmes",
        json={
            "name": "Hỗ trợ năng suất 2026",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "budget_vnd": 1_000_000_000,
            "support_types": [{"type": "5s", "cost_share_percent": 50, "cap_vnd": 20_000_000}],
        },
        headers=bearer(staff),
    )
    assert call.status_code == 201, call.text
    application = await client.post(
        f"/api/v1/programmes/{call.json()['id']}/applications",
        json={
            "enterprise_name": "Công ty TNHH Bánh tráng",
            "tax_code": "0100109106",
            "support_items": [{"type": "5s", "cost_vnd": 10_000_000}],
        },
        headers=bearer(enterprise),
    )
    assert application.status_code == 201, application.text
    app_id = application.json()["id"]
    await log_in(client, "tam@banhtrang.vn")
    path = f"/applications/{app_id}/documents"
    names = {"Giấy chứng nhận ĐKDN.pdf": "Giay_chung_nhan_DKDN", "hop-dong.html": "hop-dong"}
    for uploaded_as in names:
        response = await client.post(
            path,
            data={"_csrf_token": await csrf_token(client, "/programmes"), "kind": "registration"},
            files={"document": (uploaded_as, PDF, "application/pdf")},
        )
        assert response.status_code == 303, response.text
    documents = (
        await client.get(f"/api/v1/applications/{app_id}", headers=bearer(enterprise))
    ).json()["documents"]
    for document in documents:
        download = await client.get(f"{path}/{document['id']}")
        assert download.status_code == 200 and download.content == PDF
        assert download.headers["x-content-type-options"] == "nosniff"
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert f'filename="{names[document["filename"]]}.pdf"' in disposition
    vietnamese = next(d for d in documents if d["filename"].startswith("Giấy"))
    download = await client.get(f"{path}/{vietnamese['id']}")
    assert (
        "filename*=UTF-8''Gi%E1%BA%A5y%20ch%E1%BB%A9ng%20nh%E1%BA%ADn%20%C4%90KDN.pdf"
        in download.headers["content-disposition"]
    )


async def test_trademark_files_are_named_by_their_checked_type(
    client: httpx.AsyncClient,
) -> None:
    startup = await token_for("startup", "startup@example.vn")
    case = await client.post(
        "/api/v1/trademark-cases",
        json={
            "mark_name": "Bánh tráng Cô Tư",
            "mark_type": "collective",
            "classes": [{"number": 30, "items": ["Bánh tráng phơi sương"]}],
            "organisation_name": "Hợp tác xã Trảng Bàng",
        },
        headers=bearer(startup),
    )
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    url = f"/api/v1/trademark-cases/{case_id}/checklist/usage_regulation/files"
    uploads: dict[str, tuple[str, str]] = {}
    for name, body in (('Quy chế "sử dụng".html', PDF), ("logo.svg\r\nX-Evil: 1", PNG)):
        response = await client.post(
            url, files={"file": (name, body, "application/octet-stream")}, headers=bearer(startup)
        )
        assert response.status_code == 201, response.text
        uploads[str(response.json()["id"])] = (name, response.json()["content_type"])
    await log_in(client, "startup@example.vn")
    seen: dict[str, str] = {}
    for file_id, (_name, content_type) in uploads.items():
        download = await client.get(f"/trademarks/cases/{case_id}/files/{file_id}")
        assert download.status_code == 200, download.text
        assert_no_cr_lf_in_headers(download)
        assert "x-evil" not in download.headers
        assert download.headers["x-content-type-options"] == "nosniff"
        seen[content_type] = download.headers["content-disposition"]
    assert seen["application/pdf"].startswith('attachment; filename="Quy_che_su_dung.pdf";')
    assert seen["application/pdf"].endswith(
        "filename*=UTF-8''Quy%20ch%E1%BA%BF%20%22s%E1%BB%AD%20d%E1%BB%A5ng%22.pdf"
    )
    assert seen["image/png"].startswith('inline; filename="logo.png";')


async def test_a_space_photo_is_served_inline_under_its_stored_png_name(
    client: httpx.AsyncClient,
) -> None:
    room = await create_resource(
        {"name": "Phòng họp Sen", "kind": "meeting_room", "capacity": 8}, actor_id=None
    )
    await make_user("staff", email="ngoc@hub.vn")
    await log_in(client, "ngoc@hub.vn")
    response = await client.post(
        f"/staff/spaces/resources/{room.id}/photo",
        data={"_csrf_token": await csrf_token(client, "/staff/spaces")},
        files={"photo": ("sen.html", PNG, "text/html")},
    )
    assert response.status_code == 303
    photo_url = (await client.get("/api/v1/resources")).json()["items"][0]["photo_url"]
    photo = await client.get(photo_url)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    stored = photo_url.rsplit("/", 1)[1]
    assert photo.headers["content-disposition"].startswith(f'inline; filename="{stored}";')
    assert photo.headers["x-content-type-options"] == "nosniff"


async def test_switching_language_comes_back_to_the_same_page_and_query(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/spaces", params={"date": "2026-12-10", "kind": "desk"})
    assert 'name="next" value="/spaces?date=2026-12-10&amp;kind=desk"' in page.text
    for htmx in (False, True):
        response = await post_form(
            client,
            "/language",
            {"locale": "en", "next": "/spaces?date=2026-12-10&kind=desk"},
            htmx=htmx,
        )
        target = response.headers["hx-redirect" if htmx else "location"]
        assert target == "/spaces?date=2026-12-10&kind=desk"
    back = await client.get("/spaces?date=2026-12-10&kind=desk")
    assert '<html lang="en">' in back.text and 'value="2026-12-10"' in back.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/spaces",
        "//evil.example/spaces",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
async def test_switching_language_never_leaves_the_site(
    client: httpx.AsyncClient, target: str
) -> None:
    response = await post_form(client, "/language", {"locale": "en", "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"
