"""The access-control matrix: every route the app registers, every method, every kind of caller.

``TABLE`` says, for each (method, path) the app registers, who may use it and, where the path
names an object, which account of the first organisation owns it. A route added to the app
without an entry here fails ``test_every_route_has_an_entry``; each role's test then calls every
route with real ids and checks the answer:

- anonymous: a public route lets them in; a members or staff page redirects to the login page,
  an API route answers 401;
- a role the route does not allow: 403;
- an allowed role: never 401 or 403 (a 2xx, a 3xx or a 4xx from validation or a workflow rule);
- an object owned by the first organisation: its owner finds it (no 404 on a GET), and any
  other member, above all the second startup ``other_startup``, gets 404, never the object;
- no answer to anyone but the owner and staff carries the owner's private text (a booking's
  purpose, a visit's school, a mark, an application's plan): no list, page or feed leaks it.

Nothing answers 5xx. Litestar's automatic OPTIONS answers are left out: they list methods only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.helpers import bearer, csrf_token, log_in
from tests.matrix_roles import (
    ACCOUNTS,
    PDF,
    PNG,
    ROLES,
    SECRETS,
    World,
    build_world,
    fill_path,
    http_routes,
)

PUBLIC = "public"
ANY = frozenset({"student", "startup", "enterprise", "staff", "admin"})
STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})
ENTERPRISE = frozenset({"enterprise"})
CASE = frozenset({"startup", "enterprise", "staff", "admin"})  # who may ask for trademark help
MEMBER_ROLES = frozenset({"student", "startup", "enterprise"})
SAFE = frozenset({"GET", "HEAD"})

Access = str | frozenset[str]


@dataclass(frozen=True)
class Rule:
    access: Access
    # The account of the first organisation whose object the path names (see matrix_roles).
    owner: str | None = None
    # Only the owner acts here: the service refuses staff with 403 (they work on their side).
    owner_only: bool = False
    # The owner's answer when it is not a success, e.g. 404 for the receipt of an unpaid booking.
    owner_status: int | None = None
    # Reached by a secret link (a feed token, a teacher's emailed token): whoever holds the
    # link sees what it shows, so the leak check does not apply.
    secret_link: bool = False
    # A well-formed body, so that a non-owner meets the ownership check and not validation.
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


CLASSES = {"classes": [{"number": 9, "items": ["Phần mềm quản lý"]}]}
REVIEW = {
    "scores": {"need": 3, "plan": 3, "consultant": 3, "commitment": 3, "impact": 3},
    "recommendation": "maybe",
}
PNG_FILE = {"image": ("mau.png", PNG, "image/png")}
PDF_FILE = {"file": ("to-khai.pdf", PDF, "application/pdf")}


def applicant(**body: Any) -> Rule:
    """A route only the enterprise that applied uses; staff are refused by the service."""
    return Rule(ANY, owner="enterprise", owner_only=True, **body)


TABLE: dict[tuple[str, str], Rule] = {
    # pages and health
    ("GET", "/"): Rule(PUBLIC),
    ("GET", "/healthz"): Rule(PUBLIC),
    ("GET", "/readyz"): Rule(PUBLIC),
    ("GET", "/static/{file_path:path}"): Rule(PUBLIC),
    ("HEAD", "/static/{file_path:path}"): Rule(PUBLIC),
    ("GET", "/schema"): Rule(PUBLIC),
    ("GET", "/schema/openapi.json"): Rule(PUBLIC),
    ("GET", "/schema/{path:str}"): Rule(PUBLIC),
    ("POST", "/stripe/webhook"): Rule(PUBLIC),
    # accounts
    ("GET", "/register"): Rule(PUBLIC),
    ("POST", "/register"): Rule(PUBLIC),
    ("GET", "/register/sent"): Rule(PUBLIC),
    ("GET", "/login"): Rule(PUBLIC),
    ("POST", "/login"): Rule(PUBLIC),
    ("POST", "/logout"): Rule(PUBLIC),
    ("POST", "/language"): Rule(PUBLIC),
    ("GET", "/verify-email/{token:str}"): Rule(PUBLIC),
    ("POST", "/verify-email/resend"): Rule(ANY),
    ("GET", "/password/forgot"): Rule(PUBLIC),
    ("POST", "/password/forgot"): Rule(PUBLIC),
    ("GET", "/password/reset/{token:str}"): Rule(PUBLIC),
    ("POST", "/password/reset/{token:str}"): Rule(PUBLIC),
    ("GET", "/profile"): Rule(ANY),
    ("POST", "/profile"): Rule(ANY),
    ("POST", "/profile/reminders"): Rule(ANY),
    ("GET", "/reminders/off/{token:str}"): Rule(PUBLIC),
    ("POST", "/reminders/off/{token:str}"): Rule(PUBLIC),
    ("POST", "/profile/password"): Rule(ANY),
    # the spare token of the first organisation's startup (no caller uses it)
    ("POST", "/profile/tokens/{token_id:int}/revoke"): Rule(ANY, owner="startup"),
    ("GET", "/admin/users"): Rule(ADMIN),
    ("POST", "/admin/users"): Rule(ADMIN),
    # the account is the second startup's; no form or body the matrix sends changes it
    ("GET", "/admin/users/{user_id:int}"): Rule(ADMIN),
    ("POST", "/admin/users/{user_id:int}/role"): Rule(ADMIN),
    ("GET", "/admin/users/{user_id:int}/deactivate"): Rule(ADMIN),
    ("POST", "/admin/users/{user_id:int}/deactivate"): Rule(ADMIN),
    ("POST", "/admin/users/{user_id:int}/reactivate"): Rule(ADMIN),
    ("POST", "/admin/users/{user_id:int}/verification"): Rule(ADMIN),
    ("POST", "/admin/users/{user_id:int}/password-reset"): Rule(ADMIN),
    ("PATCH", "/api/v1/admin/users/{user_id:int}"): Rule(ADMIN, json={}),
    ("POST", "/api/v1/admin/users/{user_id:int}/verification"): Rule(ADMIN),
    ("POST", "/api/v1/admin/users/{user_id:int}/password-reset"): Rule(ADMIN),
    ("POST", "/api/v1/auth/tokens"): Rule(PUBLIC),
    ("GET", "/api/v1/me"): Rule(ANY),
    ("GET", "/api/v1/me/tokens"): Rule(ANY),
    ("DELETE", "/api/v1/me/tokens/{token_id:int}"): Rule(ANY, owner="startup"),
    ("PUT", "/api/v1/me/reminders"): Rule(ANY, json={"enabled": True}),
    # spaces and bookings: pages
    ("GET", "/spaces"): Rule(PUBLIC),
    ("GET", "/spaces/photos/{name:str}"): Rule(PUBLIC),
    ("GET", "/spaces/plan"): Rule(PUBLIC),
    ("GET", "/spaces/plans/{name:str}"): Rule(PUBLIC),
    ("GET", "/bookings/new"): Rule(ANY),
    ("POST", "/bookings/new"): Rule(ANY),
    ("POST", "/bookings/new/preview"): Rule(ANY),
    ("GET", "/bookings"): Rule(ANY),
    ("GET", "/bookings/waitlist"): Rule(ANY),
    ("GET", "/bookings/{booking_id:int}/cancel"): Rule(ANY, owner="startup"),
    ("POST", "/bookings/{booking_id:int}/cancel"): Rule(ANY, owner="startup"),
    ("POST", "/bookings/{booking_id:int}/check-in"): Rule(ANY, owner="startup"),
    ("GET", "/bookings/series/{series_id:int}/cancel"): Rule(ANY, owner="startup"),
    ("POST", "/bookings/series/{series_id:int}/cancel"): Rule(ANY, owner="startup"),
    ("GET", "/bookings/{name:str}"): Rule(ANY, owner="startup"),
    ("POST", "/waitlist"): Rule(ANY),
    ("POST", "/waitlist/{entry_id:int}/accept"): Rule(ANY, owner="startup"),
    ("POST", "/waitlist/{entry_id:int}/leave"): Rule(ANY, owner="startup"),
    ("GET", "/bookings/{booking_id:int}/pay"): Rule(ANY, owner="startup"),
    ("GET", "/bookings/{booking_id:int}/payment-return"): Rule(ANY, owner="startup"),
    ("GET", "/bookings/{booking_id:int}/receipt"): Rule(ANY, owner="startup", owner_status=404),
    ("GET", "/staff/board"): Rule(STAFF),
    ("POST", "/staff/board/bookings/{booking_id:int}/approve"): Rule(STAFF),
    ("POST", "/staff/board/bookings/{booking_id:int}/decline"): Rule(STAFF),
    ("POST", "/staff/board/bookings/{booking_id:int}/cancel"): Rule(STAFF),
    ("POST", "/staff/board/bookings/{booking_id:int}/check-in"): Rule(STAFF),
    ("POST", "/staff/board/bookings/{booking_id:int}/move"): Rule(STAFF),
    ("POST", "/staff/board/resources/{resource_id:int}/block"): Rule(STAFF),
    ("GET", "/staff/spaces"): Rule(STAFF),
    ("POST", "/staff/spaces/resources"): Rule(STAFF),
    ("POST", "/staff/spaces/resources/{resource_id:int}/photo"): Rule(STAFF),
    ("GET", "/staff/spaces/resources/{resource_id:int}/edit"): Rule(STAFF),
    ("POST", "/staff/spaces/resources/{resource_id:int}/edit"): Rule(STAFF),
    ("POST", "/staff/spaces/closures"): Rule(STAFF),
    ("POST", "/staff/spaces/locations/{location_id:int}/plan"): Rule(
        STAFF, files={"plan": ("tang-3.png", PNG, "image/png")}
    ),
    ("POST", "/staff/spaces/locations/{location_id:int}/plan/remove"): Rule(STAFF),
    ("GET", "/staff/spaces/locations/{location_id:int}/placement"): Rule(STAFF),
    ("POST", "/staff/spaces/locations/{location_id:int}/placement"): Rule(STAFF),
    # the front desk: a space's QR check-in page, its signs, the kiosk screens
    ("GET", "/spaces/{resource_id:int}/here"): Rule(ANY),
    ("POST", "/spaces/{resource_id:int}/here/check-in"): Rule(ANY),
    ("POST", "/spaces/{resource_id:int}/here/book"): Rule(ANY),
    ("GET", "/staff/spaces/{resource_id:int}/sign"): Rule(STAFF),
    ("GET", "/staff/spaces/signs"): Rule(STAFF),
    ("GET", "/staff/kiosks"): Rule(STAFF),
    ("POST", "/staff/kiosks"): Rule(STAFF),
    ("POST", "/staff/kiosks/{kiosk_id:int}/revoke"): Rule(STAFF),
    ("GET", "/kiosk/{token:str}"): Rule(PUBLIC, secret_link=True),
    # spaces and bookings: API
    ("GET", "/api/v1/resources"): Rule(PUBLIC),
    ("POST", "/api/v1/resources"): Rule(STAFF),
    ("PATCH", "/api/v1/resources/{resource_id:int}"): Rule(STAFF),
    ("GET", "/api/v1/locations"): Rule(PUBLIC),
    ("GET", "/api/v1/locations/{location_id:int}/plan"): Rule(PUBLIC),
    ("PUT", "/api/v1/staff/resources/{resource_id:int}/position"): Rule(
        STAFF, json={"x": 40, "y": 60}
    ),
    ("POST", "/api/v1/closures"): Rule(STAFF),
    ("GET", "/api/v1/availability"): Rule(PUBLIC),
    ("POST", "/api/v1/bookings"): Rule(ANY),
    ("GET", "/api/v1/bookings"): Rule(ANY),
    ("GET", "/api/v1/bookings/{booking_id:int}"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/bookings/{booking_id:int}/cancel"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/bookings/{booking_id:int}/check-in"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/bookings/{booking_id:int}/approve"): Rule(STAFF),
    ("POST", "/api/v1/bookings/decisions"): Rule(STAFF),
    ("POST", "/api/v1/bookings/{booking_id:int}/decline"): Rule(STAFF),
    ("POST", "/api/v1/bookings/{booking_id:int}/move"): Rule(STAFF),
    ("POST", "/api/v1/blocks"): Rule(STAFF),
    ("POST", "/api/v1/booking-series/preview"): Rule(ANY),
    ("POST", "/api/v1/booking-series"): Rule(ANY),
    ("POST", "/api/v1/booking-series/{series_id:int}/cancel"): Rule(ANY, owner="startup"),
    ("GET", "/api/v1/waitlist"): Rule(ANY),
    ("POST", "/api/v1/waitlist"): Rule(ANY),
    ("POST", "/api/v1/waitlist/{entry_id:int}/accept"): Rule(ANY, owner="startup"),
    ("DELETE", "/api/v1/waitlist/{entry_id:int}"): Rule(ANY, owner="startup"),
    ("GET", "/api/v1/bookings/{booking_id:int}/payment"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/bookings/{booking_id:int}/payment"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/bookings/{booking_id:int}/refunds"): Rule(STAFF),
    # calendars
    ("GET", "/feeds"): Rule(ANY),
    ("POST", "/feeds/rotate"): Rule(ANY),
    ("GET", "/feeds/private/{name:str}"): Rule(PUBLIC, secret_link=True),
    ("HEAD", "/feeds/private/{name:str}"): Rule(PUBLIC, secret_link=True),
    ("GET", "/feeds/resources/{name:str}"): Rule(PUBLIC),
    ("HEAD", "/feeds/resources/{name:str}"): Rule(PUBLIC),
    ("GET", "/feeds/events.ics"): Rule(PUBLIC),
    ("HEAD", "/feeds/events.ics"): Rule(PUBLIC),
    ("GET", "/api/v1/me/feeds"): Rule(ANY),
    ("POST", "/api/v1/me/feeds/rotate"): Rule(ANY),
    # research visits (the teacher's pages are reached by the private token in the email)
    ("GET", "/visits"): Rule(PUBLIC),
    ("POST", "/visits"): Rule(PUBLIC),
    ("GET", "/visits/sent"): Rule(PUBLIC),
    ("GET", "/visits/status/{token:str}"): Rule(PUBLIC, secret_link=True),
    ("GET", "/visits/status/{token:str}/cancel"): Rule(PUBLIC, secret_link=True),
    ("POST", "/visits/status/{token:str}/cancel"): Rule(PUBLIC, secret_link=True),
    ("POST", "/visits/status/{token:str}/reply"): Rule(PUBLIC, secret_link=True),
    ("POST", "/visits/status/{token:str}/feedback"): Rule(PUBLIC, secret_link=True),
    ("GET", "/visits/status/{token:str}/visit.ics"): Rule(PUBLIC, secret_link=True),
    ("GET", "/staff/visits"): Rule(STAFF),
    ("GET", "/staff/visits/{visit_id:int}"): Rule(STAFF),
    ("POST", "/staff/visits/{visit_id:int}/approve"): Rule(STAFF),
    ("POST", "/staff/visits/{visit_id:int}/more-info"): Rule(STAFF),
    ("POST", "/staff/visits/{visit_id:int}/decline"): Rule(STAFF),
    ("POST", "/staff/visits/{visit_id:int}/cancel"): Rule(STAFF),
    ("POST", "/staff/visits/{visit_id:int}/host"): Rule(STAFF),
    ("POST", "/staff/visits/{visit_id:int}/attendance"): Rule(STAFF),
    ("POST", "/api/v1/visits"): Rule(PUBLIC),
    ("GET", "/api/v1/visits"): Rule(STAFF),
    ("GET", "/api/v1/visits/{visit_id:int}"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/visits/{visit_id:int}/decision"): Rule(STAFF),
    ("POST", "/api/v1/visits/{visit_id:int}/more-info"): Rule(STAFF),
    ("POST", "/api/v1/visits/{visit_id:int}/host"): Rule(STAFF),
    ("POST", "/api/v1/visits/{visit_id:int}/attendance"): Rule(STAFF),
    ("POST", "/api/v1/visits/{visit_id:int}/cancel"): Rule(ANY, owner="startup"),
    # trademark guidance
    ("GET", "/trademarks"): Rule(PUBLIC),
    ("GET", "/trademarks/fees"): Rule(PUBLIC),
    ("GET", "/trademarks/classes"): Rule(PUBLIC),
    ("GET", "/trademarks/classes/row"): Rule(CASE),
    ("GET", "/trademarks/cases"): Rule(CASE),
    ("GET", "/trademarks/cases/new"): Rule(CASE),
    ("POST", "/trademarks/cases/new"): Rule(CASE),
    ("GET", "/trademarks/cases/{case_id:int}"): Rule(ANY, owner="startup"),
    ("POST", "/trademarks/cases/{case_id:int}/checklist/{code:str}"): Rule(
        CASE, owner="startup", form={"state": "ready"}
    ),
    ("POST", "/trademarks/cases/{case_id:int}/image"): Rule(CASE, owner="startup", files=PNG_FILE),
    ("GET", "/trademarks/cases/{case_id:int}/files/{file_id:int}"): Rule(ANY, owner="startup"),
    ("GET", "/trademarks/cases/{case_id:int}/classes"): Rule(CASE, owner="startup"),
    ("POST", "/trademarks/cases/{case_id:int}/classes"): Rule(
        CASE, owner="startup", form={"items_9": "Phần mềm quản lý"}
    ),
    ("GET", "/staff/trademarks"): Rule(STAFF),
    ("GET", "/staff/trademarks/{case_id:int}"): Rule(STAFF),
    ("POST", "/staff/trademarks/{case_id:int}/events"): Rule(STAFF),
    ("POST", "/staff/trademarks/{case_id:int}/assign"): Rule(STAFF),
    ("POST", "/staff/trademarks/{case_id:int}/consultations"): Rule(STAFF),
    ("POST", "/staff/trademarks/{case_id:int}/consultations/{consultation_id:int}/cancel"): Rule(
        STAFF
    ),
    ("GET", "/api/v1/nice-classes"): Rule(PUBLIC),
    ("POST", "/api/v1/trademarks/fee-estimate"): Rule(PUBLIC),
    ("GET", "/api/v1/trademark-cases"): Rule(CASE),
    ("POST", "/api/v1/trademark-cases"): Rule(CASE),
    ("GET", "/api/v1/trademark-cases/{case_id:int}"): Rule(ANY, owner="startup"),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/events"): Rule(STAFF),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/assign"): Rule(STAFF),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/consultations"): Rule(STAFF),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/classes"): Rule(
        CASE, owner="startup", json=CLASSES
    ),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/checklist/{code:str}"): Rule(
        CASE, owner="startup", json={"state": "ready"}
    ),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/image"): Rule(
        CASE, owner="startup", files=PNG_FILE
    ),
    ("POST", "/api/v1/trademark-cases/{case_id:int}/checklist/{code:str}/files"): Rule(
        CASE, owner="startup", files=PDF_FILE
    ),
    # support programme (applications belong to the first organisation's enterprise account;
    # the review pages to the reviewer the staff assigned, a member of staff)
    ("GET", "/programmes"): Rule(PUBLIC),
    ("GET", "/programmes/{programme_id:int}"): Rule(PUBLIC),
    ("GET", "/programmes/{programme_id:int}/apply"): Rule(ENTERPRISE),
    ("POST", "/programmes/{programme_id:int}/apply"): Rule(ENTERPRISE),
    ("GET", "/applications"): Rule(ENTERPRISE),
    ("GET", "/applications/{application_id:int}"): Rule(ANY, owner="enterprise"),
    ("GET", "/applications/{application_id:int}/edit"): applicant(),
    ("POST", "/applications/{application_id:int}/edit"): applicant(),
    ("POST", "/applications/{application_id:int}/documents"): applicant(
        form={"kind": "registration"},
        files={"document": PDF_FILE["file"]},
    ),
    ("GET", "/applications/{application_id:int}/documents/{document_id:int}"): Rule(
        ANY, owner="enterprise"
    ),
    ("POST", "/applications/{application_id:int}/documents/{document_id:int}/delete"): applicant(),
    ("POST", "/applications/{application_id:int}/reply"): applicant(
        form={"message": "Đã bổ sung."}
    ),
    ("GET", "/applications/{application_id:int}/withdraw"): applicant(),
    ("POST", "/applications/{application_id:int}/withdraw"): applicant(),
    ("POST", "/applications/{application_id:int}/milestones/{milestone_id:int}/report"): applicant(
        form={"report": "Đã hoàn thành."}
    ),
    ("POST", "/applications/{application_id:int}/indicators"): applicant(),
    ("GET", "/reviews"): Rule(ANY),
    ("GET", "/reviews/{application_id:int}"): Rule(ANY, owner="staff"),
    ("POST", "/reviews/{application_id:int}"): Rule(ANY, owner="staff"),
    ("GET", "/staff/programmes"): Rule(STAFF),
    ("GET", "/staff/programmes/new"): Rule(STAFF),
    ("POST", "/staff/programmes/new"): Rule(STAFF),
    ("GET", "/staff/applications/{application_id:int}"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/screening"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/more-info"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/reviewers"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/reviewers/{reviewer_id:int}/remove"): Rule(
        STAFF
    ),
    ("POST", "/staff/applications/{application_id:int}/review"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/decision"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/milestones"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/milestones/{milestone_id:int}/confirm"): (
        Rule(STAFF)
    ),
    ("POST", "/staff/applications/{application_id:int}/acceptance"): Rule(STAFF),
    ("POST", "/staff/applications/{application_id:int}/close"): Rule(STAFF),
    ("GET", "/api/v1/programmes"): Rule(PUBLIC),
    ("POST", "/api/v1/programmes"): Rule(STAFF),
    ("GET", "/api/v1/programmes/{programme_id:int}"): Rule(PUBLIC),
    ("PATCH", "/api/v1/programmes/{programme_id:int}"): Rule(STAFF),
    ("POST", "/api/v1/programmes/{programme_id:int}/events"): Rule(STAFF),
    ("POST", "/api/v1/programmes/{programme_id:int}/applications"): Rule(ENTERPRISE),
    ("GET", "/api/v1/applications"): Rule(ANY),
    ("GET", "/api/v1/applications/{application_id:int}"): Rule(ANY, owner="enterprise"),
    ("PATCH", "/api/v1/applications/{application_id:int}"): applicant(json={}),
    ("POST", "/api/v1/applications/{application_id:int}/submit"): applicant(),
    ("POST", "/api/v1/applications/{application_id:int}/reply"): applicant(
        json={"message": "Đã bổ sung."}
    ),
    ("POST", "/api/v1/applications/{application_id:int}/withdraw"): applicant(),
    ("POST", "/api/v1/applications/{application_id:int}/reviews"): Rule(
        ANY, owner="staff", json=REVIEW
    ),
    ("POST", "/api/v1/applications/{application_id:int}/milestones/{milestone_id:int}/report"): (
        applicant(json={"report": "Đã hoàn thành."})
    ),
    ("POST", "/api/v1/applications/{application_id:int}/indicators"): applicant(
        json={"output_per_worker_after_vnd": 1_000_000}
    ),
    ("POST", "/api/v1/applications/{application_id:int}/screening"): Rule(STAFF),
    ("POST", "/api/v1/applications/{application_id:int}/more-info"): Rule(STAFF),
    ("POST", "/api/v1/applications/{application_id:int}/reviewers"): Rule(STAFF),
    ("POST", "/api/v1/applications/{application_id:int}/reviewers/{reviewer_id:int}/remove"): (
        Rule(STAFF)
    ),
    ("POST", "/api/v1/applications/{application_id:int}/decision"): Rule(STAFF),
    ("POST", "/api/v1/applications/{application_id:int}/milestones"): Rule(STAFF),
    ("POST", "/api/v1/applications/{application_id:int}/milestones/{milestone_id:int}/confirm"): (
        Rule(STAFF)
    ),
    ("POST", "/api/v1/applications/{application_id:int}/acceptance"): Rule(STAFF),
    ("POST", "/api/v1/applications/{application_id:int}/close"): Rule(STAFF),
    # staff home and reports
    ("GET", "/staff"): Rule(STAFF),
    ("GET", "/staff/reports"): Rule(STAFF),
    ("GET", "/staff/reports/{file:str}"): Rule(STAFF),
    ("GET", "/api/v1/reports/summary"): Rule(STAFF),
    ("GET", "/staff/waiting"): Rule(STAFF),
    ("GET", "/api/v1/staff/waiting"): Rule(STAFF),
    ("POST", "/staff/waiting/bookings"): Rule(STAFF),
}


def registered_routes(app: Litestar) -> dict[tuple[str, str], Access | None]:
    """(method, path) -> the handler's declared access, for everything but automatic OPTIONS."""
    return {
        (method, route.path): handler.opt.get("access")
        for route in http_routes(app)
        for handler in route.route_handlers
        for method in handler.http_methods
        if method != "OPTIONS"
    }


def run_order(key: tuple[str, str]) -> tuple[int, str, str]:
    """Reads first, then writes; logging out last, since it ends the caller's session."""
    method, path = key
    return (0 if method in SAFE else 2 if path == "/logout" else 1, path, method)


async def caller(client: httpx.AsyncClient, role: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    if role != "anonymous":
        await log_in(browser, ACCOUNTS[role][1])
    return browser


async def call(
    browser: httpx.AsyncClient, role: str, world: World, key: tuple[str, str], csrf: str
) -> httpx.Response:
    method, path = key
    rule = TABLE[key]
    url = fill_path(path, world)
    if path.startswith("/api/"):
        headers = bearer(world.tokens[role]) if role != "anonymous" else {}
        if rule.files:
            return await browser.request(method, url, files=rule.files, headers=headers)
        return await browser.request(method, url, json=rule.json, headers=headers)
    if method in SAFE:
        return await browser.request(method, url)
    data = {**rule.form, "_csrf_token": csrf}
    return await browser.request(method, url, data=data, files=rule.files or None)


def leaks(role: str, rule: Rule, response: httpx.Response) -> str | None:
    if role in ("staff", "admin") or rule.secret_link:
        return None
    text = response.text.replace("\r\n ", "")  # unfold iCalendar lines
    return next(
        (
            secret
            for owner, secrets in SECRETS.items()
            if owner != role
            for secret in secrets
            if secret in text
        ),
        None,
    )


def problem_with(role: str, key: tuple[str, str], response: httpx.Response) -> str | None:
    """What is wrong with the answer, or None when it is what the matrix expects."""
    method, path = key
    rule = TABLE[key]
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if leaked := leaks(role, rule, response):
        return f"shows another organisation's private text {leaked!r}"
    if role == "anonymous":
        login_redirect = status == 302 and response.headers.get("location", "").startswith(
            "/login?next="
        )
        if rule.access == PUBLIC:
            return None if status not in (401, 403) and not login_redirect else "locked out"
        if path.startswith("/api/"):
            return None if status == 401 else "expected 401"
        return None if login_redirect else "expected a redirect to /login"
    app_role = ACCOUNTS[role][0]
    if rule.access != PUBLIC and app_role not in rule.access:
        return None if status == 403 else "expected 403"
    if rule.owner_only and app_role in STAFF:
        return None if status == 403 else "expected 403: only the owner acts here"
    if status in (401, 403):
        return "allowed role refused"
    if rule.owner is None:
        return None
    if role == rule.owner:
        if method in SAFE and status == 404 and rule.owner_status != 404:
            return "owner cannot find the object"
        if rule.owner_status is not None and status != rule.owner_status:
            return f"expected {rule.owner_status} for the owner"
        return None
    if app_role in MEMBER_ROLES:
        return None if status == 404 else "another member reached the object (expected 404)"
    return None


def test_every_route_has_an_entry(app: Litestar, capsys: pytest.CaptureFixture[str]) -> None:
    routes = registered_routes(app)
    with capsys.disabled():
        print(f"\naccess matrix: {len(routes)} routes registered, {len(TABLE)} in the table")
    missing = sorted(set(routes) - set(TABLE))
    assert not missing, f"routes with no entry in TABLE (add who may use them): {missing}"
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, f"TABLE entries for routes the app no longer has: {stale}"
    differs = {key: access for key, access in routes.items() if access != TABLE[key].access}
    assert not differs, f"declared access differs from the table: {differs}"
    assert len(routes) == len(TABLE)


@pytest.mark.parametrize("role", ROLES)
async def test_matrix(
    app: Litestar, client: httpx.AsyncClient, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = registered_routes(app)
    world = await build_world(client)
    browser = await caller(client, role)
    try:
        csrf = await csrf_token(browser, "/")
        problems = []
        covered = 0
        for key in sorted(routes, key=run_order):
            if key not in TABLE:
                problems.append(f"{key}: no entry in TABLE")
                continue
            response = await call(browser, role, world, key, csrf)
            covered += 1
            if problem := problem_with(role, key, response):
                problems.append(
                    f"{key[0]} {key[1]} -> {response.status_code}: {problem} "
                    f"({response.text[:120]!r})"
                )
    finally:
        await browser.aclose()
    with capsys.disabled():
        print(f"\naccess matrix [{role}]: {covered} of {len(routes)} registered routes called")
    assert not problems, f"{role}:\n" + "\n".join(problems)
    assert covered == len(routes)
