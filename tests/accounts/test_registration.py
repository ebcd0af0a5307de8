"""Self-registration: good input creates an account and a verification email; bad input is
answered next to the field and creates nothing."""

from __future__ import annotations

import re

import httpx
import pytest

from innovation_hub.accounts.tables import User
from innovation_hub.core.audit import AuditEntry
from innovation_hub.core.mail import OutboxMessage
from tests.helpers import log_in, make_user, post_form

GOOD = {
    "role": "enterprise",
    "name": "Nguyễn Thị Mai",
    "email": "mai@banhtrang.vn",
    "password": "mật khẩu đủ dài 2026",
    "organisation_name": "Công ty TNHH Bánh tráng Trảng Bàng",
    "tax_code": "0100109106",
}


def field_error(html: str, field: str) -> str:
    """The text of the error message tied to ``field`` (empty when there is none)."""
    input_tag = re.search(rf'<input id="f-{field}"[^>]*>', html) or re.search(
        rf'<input type="radio" name="{field}"[^>]*>', html
    )
    assert input_tag, f"no input for {field}"
    if 'aria-invalid="true"' not in input_tag.group(0):
        return ""
    assert f"e-{field}" in input_tag.group(0), "error not tied to the input by aria-describedby"
    match = re.search(rf'<small id="e-{field}"[^>]*>(.*?)</small>', html, re.S)
    assert match, f"no error element for {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("⚠", "").strip()


async def counts() -> tuple[int, int, int]:
    return (await User.count(), await OutboxMessage.count(), await AuditEntry.count())


async def test_register_enterprise_queues_verification_and_says_check_your_inbox(
    client: httpx.AsyncClient,
) -> None:
    response = await post_form(client, "/register", GOOD)
    assert response.status_code == 303
    assert response.headers["location"] == "/register/sent"
    sent = await client.get("/register/sent")
    assert "Hãy kiểm tra email" in sent.text

    user = await User.objects().where(User.email == "mai@banhtrang.vn").first()
    assert user is not None and user.role == "enterprise" and user.tax_code == "0100109106"
    assert user.email_verified_at is None
    assert user.password_hash.startswith("$argon2id$")

    mail = await OutboxMessage.objects().first()
    assert mail is not None and mail.to_address == "mai@banhtrang.vn"
    assert "Xác nhận email" in mail.subject  # Vietnamese by default
    assert "http://testserver/verify-email/" in mail.body_text

    # Not logged in by registering (an existing email could not be): logging in works.
    assert (await client.get("/profile")).status_code == 302
    await log_in(client, "mai@banhtrang.vn", GOOD["password"])
    profile = await client.get("/profile")
    assert profile.status_code == 200
    assert "Nguyễn Thị Mai" in profile.text
    assert "Vui lòng xác nhận địa chỉ email." in profile.text


@pytest.mark.parametrize(
    ("typed", "stored", "kind"),
    [
        # A household business: its tax code is the owner's 12-digit personal number.
        ("072 186 003 517", "072186003517", "Mã số thuế hộ kinh doanh/cá nhân (12 số)"),
        # A branch typed without its hyphen is stored with it.
        ("0100109106001", "0100109106-001", "Mã số thuế chi nhánh, đơn vị phụ thuộc (13 số)"),
    ],
)
async def test_a_household_business_or_a_branch_registers_as_an_enterprise(
    client: httpx.AsyncClient, typed: str, stored: str, kind: str
) -> None:
    household = {**GOOD, "organisation_name": "Hộ kinh doanh Bánh tráng Cô Cúc"}
    response = await post_form(client, "/register", {**household, "tax_code": typed})
    assert response.status_code == 303, field_error(response.text, "tax_code")
    user = await User.objects().where(User.email == "mai@banhtrang.vn").first()
    assert user is not None and user.role == "enterprise" and user.tax_code == stored
    await log_in(client, "mai@banhtrang.vn", GOOD["password"])
    profile = await client.get("/profile")
    assert f'value="{stored}"' in profile.text and kind in profile.text
    # Every page's footer names the department the way official texts do.
    assert "Sở Khoa học và Công nghệ tỉnh Tây Ninh" in profile.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "ngắn quá"}, "password", "Cần ít nhất 12 ký tự."),
        ({"tax_code": "0100109107"}, "tax_code", "Hãy nhập mã số thuế hợp lệ"),
        ({"tax_code": "01001091AB"}, "tax_code", "Hãy nhập mã số thuế hợp lệ"),
        ({"tax_code": "010010910"}, "tax_code", "Hãy nhập mã số thuế hợp lệ"),
        # A household business's 12-digit personal number with no such province code
        # (003), one digit short, or with a letter.
        ({"tax_code": "003186003517"}, "tax_code", "số định danh cá nhân 12 chữ số"),
        ({"tax_code": "07218600351"}, "tax_code", "số định danh cá nhân 12 chữ số"),
        ({"tax_code": "07218600351A"}, "tax_code", "số định danh cá nhân 12 chữ số"),
        ({"email": "not-an-email"}, "email", "Hãy nhập một địa chỉ email hợp lệ."),
        ({"name": "   "}, "name", "Hãy nhập họ và tên."),
        ({"role": "admin"}, "role", "Hãy chọn một loại tài khoản"),
        ({"organisation_name": ""}, "organisation_name", "Hãy nhập tên tổ chức"),
    ],
)
async def test_bad_input_is_answered_next_to_the_field_and_creates_nothing(
    client: httpx.AsyncClient, change: dict[str, str], field: str, message: str
) -> None:
    before = await counts()
    response = await post_form(client, "/register", {**GOOD, **change})
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    assert await counts() == before
    # What the person typed is kept, except the password.
    if field != "name":
        assert 'value="Nguyễn Thị Mai"' in response.text
    assert GOOD["password"] not in response.text


async def test_a_duplicate_email_gets_the_same_answer_and_its_owner_a_notice(
    client: httpx.AsyncClient,
) -> None:
    await make_user("student", email="mai@banhtrang.vn")
    users, mails, audits = await counts()
    response = await post_form(client, "/register", {**GOOD, "email": "  MAI@banhtrang.vn "})
    assert response.status_code == 303
    assert response.headers["location"] == "/register/sent"
    assert await counts() == (users, mails + 1, audits)
    notice = await OutboxMessage.objects().first()
    assert notice is not None and notice.to_address == "mai@banhtrang.vn"
    assert "/verify-email/" not in notice.body_text


async def test_htmx_gets_only_the_form_back_with_errors(client: httpx.AsyncClient) -> None:
    response = await post_form(client, "/register", {**GOOD, "password": "short"}, htmx=True)
    assert response.status_code == 422
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text
    assert field_error(response.text, "password")


async def test_student_needs_a_school(client: httpx.AsyncClient) -> None:
    data = {"role": "student", "name": "Lê Văn Tí", "email": "ti@hs.vn", "password": "x" * 12}
    response = await post_form(client, "/register", data)
    assert response.status_code == 422
    assert field_error(response.text, "school") == "Hãy nhập tên trường của bạn."
    response = await post_form(client, "/register", {**data, "school": "THPT Trảng Bàng"})
    assert response.status_code == 303


async def test_a_failure_while_registering_leaves_nothing_half_written(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from innovation_hub.core import mail

    async def broken_enqueue(**_: object) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(mail, "enqueue", broken_enqueue)
    before = await counts()
    response = await post_form(client, "/register", GOOD)
    assert response.status_code == 500
    assert await counts() == before


async def test_staff_roles_cannot_be_self_registered(client: httpx.AsyncClient) -> None:
    response = await post_form(client, "/register", {**GOOD, "role": "staff"})
    assert response.status_code == 422
    assert await User.count() == 0
