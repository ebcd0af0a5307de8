"""Email (and other channels) through an outbox.

``enqueue`` writes the message in the caller's transaction, so a message exists exactly
when the change that caused it was committed: a text and an HTML body, both ending with the
centre's footer, and, for a member who gave their Zalo user id when Zalo is configured, a
second row with a short Zalo message. ``deliver_due`` sends the emails that are due through
SMTP (``HUB_SMTP_URL``) or, without it, to ``.eml`` files under ``var/mail/``; ``deliver``
does the same for any ``channels.Channel``. Failures are retried with exponential backoff.
Several instances may run them at once: each message is claimed by a conditional update
before it is sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.headerregistry import UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment
from markupsafe import Markup, escape
from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.core import channels, i18n
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import is_sqlite
from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import Settings, get_settings
from innovation_hub.core.templating import make_environment, render_blocks

logger = logging.getLogger("innovation_hub.mail")

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 120
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 6 * 3600


class OutboxMessage(Table, tablename="outbox"):
    id: Serial
    created_at = Timestamptz(default=TimestamptzNow())
    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body_text = Text()
    body_html = Text(default="")
    # Which ``channels.Channel`` delivers it: "email", or "zalo" (``to_address`` is then the
    # member's Zalo user id and ``body_text`` a short message).
    channel = Varchar(length=10, default=channels.EMAIL)
    # [{"filename", "content_type", "data_b64"}]
    attachments = JSON(default="[]")
    headers = JSON(default="{}")  # extra header fields, e.g. {"List-Unsubscribe": "<…>"}
    status = Varchar(length=10, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    sent_at = Timestamptz(null=True, default=None)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


_environment: Environment | None = None


def configure(environment: Environment) -> None:
    """Give the outbox the Jinja environment its email templates render in."""
    global _environment
    _environment = environment


def footer_lines(settings: Settings) -> list[str]:
    """Who sent the email, printed once under every one of them."""
    lines = [
        settings.centre_name,
        settings.department_full_name,
        settings.centre_address,
        settings.centre_contact,
        settings.base_url,
    ]
    return [line for line in lines if line.strip()]


_URL = re.compile(r"https?://[^\s<>\"]+")


def _html_line(line: str) -> Markup:
    """One line of text, escaped, its addresses made into links."""
    pieces: list[Markup] = []
    position = 0
    for found in _URL.finditer(line):
        pieces.append(escape(line[position : found.start()]))
        pieces.append(Markup('<a href="{0}">{0}</a>').format(found.group(0)))
        position = found.end()
    pieces.append(escape(line[position:]))
    return Markup("").join(pieces)


def html_blocks(text: str) -> list[tuple[str, list[Markup]]]:
    """The text's paragraphs (split by blank lines) as ("list", items) when every line is a
    "- " item, else ("paragraph", lines)."""
    blocks: list[tuple[str, list[Markup]]] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            blocks.append(("list", [_html_line(line[2:]) for line in lines]))
        else:
            blocks.append(("paragraph", [_html_line(line) for line in lines]))
    return blocks


def _environment_now() -> Environment:
    global _environment
    if _environment is None:  # outside the web app: command line, jobs, tests
        _environment = make_environment(get_settings())
    return _environment


async def enqueue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str,
    attachments: tuple[Attachment, ...] = (),
    zalo_user_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Render ``templates/email/<template>.txt`` in ``locale`` and queue it: plain text and
    HTML with the centre's footer, with any extra ``headers`` (``List-Unsubscribe`` on
    reminders). With ``zalo_user_id`` and Zalo configured, a short Zalo message is queued
    too."""
    environment = _environment_now()
    settings: Settings = environment.globals["settings"]  # type: ignore[assignment]
    footer = footer_lines(settings)
    with i18n.use_locale(locale):
        subject, body = render_blocks(
            environment, f"email/{template}.txt", context, "subject", "body"
        )
        subject = " ".join(subject.split())
        html = environment.get_template("email/_layout.html").render(
            lang=i18n.normalise_locale(locale) or i18n.DEFAULT_LOCALE,
            subject=subject,
            blocks=html_blocks(body),
            footer=[_html_line(line) for line in footer],
        )
    rows = [
        OutboxMessage(
            to_address=to,
            subject=subject,
            body_text=body + "\n\n-- \n" + "\n".join(footer) + "\n",
            body_html=html,
            attachments=[
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "data_b64": base64.b64encode(a.data).decode(),
                }
                for a in attachments
            ],
            headers=dict(headers or {}),
            next_attempt_at=utcnow(),
        )
    ]
    if zalo_user_id and settings.zalo_enabled:
        rows.append(
            OutboxMessage(
                to_address=zalo_user_id,
                subject=subject,
                body_text=channels.short_text(subject, body),
                channel=channels.ZALO,
                next_attempt_at=utcnow(),
            )
        )
    await OutboxMessage.insert(*rows).run()


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """``smtp://user:pass@host:port`` (``?starttls=true`` to upgrade) or ``smtps://``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("HUB_SMTP_URL must look like smtp://host:port or smtps://host:port")
        self.use_ssl = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.use_ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() == "true"

    def _send_blocking(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=30, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=30)
        with smtp:
            if self.starttls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send_blocking, message)


class FileTransport:
    """Writes each message as a readable ``.eml`` file: the default on a laptop."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        outbox_id = message["X-Hub-Outbox-Id"]
        (self.directory / f"{stamp}-{outbox_id}.eml").write_bytes(bytes(message))


def transport_for(smtp_url: str | None, mail_dir: Path) -> Transport:
    return SmtpTransport(smtp_url) if smtp_url else FileTransport(mail_dir)


class _WordKeepingPolicy(EmailPolicy):
    """The default policy, except that non-ASCII free text (the subject) is folded by
    ``email.header.Header``. Python's own folder (3.11) can end one encoded word before a
    space and start the next after it; whitespace between encoded words is not text
    (RFC 2047 §6.2), so mail clients showed "Trường THCS Hòa Thành" as "THCSHòa Thành".
    ``Header`` keeps every space inside an encoded word."""

    def _whole_words(self, name: str, value: Any) -> str | None:
        if not isinstance(value, UnstructuredHeader) or str(value).isascii():
            return None
        words = Header(str(value), "utf-8", self.max_line_length or 78, header_name=name)
        return f"{name}: {words.encode(linesep=self.linesep)}{self.linesep}"

    def fold(self, name: str, value: Any) -> str:
        return self._whole_words(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._whole_words(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)


MAIL_POLICY = _WordKeepingPolicy()


def build_message(row: dict[str, Any], mail_from: str) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = mail_from
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row['id']}")
    message["X-Hub-Outbox-Id"] = str(row["id"])
    extra_headers = row.get("headers") or {}
    if isinstance(extra_headers, str):  # SQLite hands JSON back as text
        extra_headers = json.loads(extra_headers)
    for name, value in extra_headers.items():
        message[name] = value
    message.set_content(row["body_text"])
    if row.get("body_html"):
        message.add_alternative(row["body_html"], subtype="html")
    attachments = row["attachments"]
    if isinstance(attachments, str):  # SQLite hands JSON back as text
        attachments = json.loads(attachments)
    for item in attachments:
        maintype, _, subtype = item["content_type"].partition("/")
        # Our text attachments (calendar files) are UTF-8; without the charset a mail
        # client reads Vietnamese letters as US-ASCII.
        params = {"charset": "utf-8"} if maintype == "text" else None
        message.add_attachment(
            base64.b64decode(item["data_b64"]),
            maintype=maintype,
            subtype=subtype,
            filename=item["filename"],
            params=params,
        )
    return message


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS))


class EmailChannel:
    """The ``email`` channel: each row as a MIME message through a transport."""

    name = channels.EMAIL

    def __init__(self, transport: Transport, mail_from: str) -> None:
        self.transport = transport
        self.mail_from = mail_from

    async def send(self, row: dict[str, Any]) -> None:
        await self.transport.send(build_message(row, self.mail_from))


def _due(now: datetime, channel: str) -> Any:
    return (
        (OutboxMessage.status == "pending")
        & (OutboxMessage.channel == channel)
        & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
    )


async def _claim_next(channel: str) -> dict[str, Any] | None:
    """Claims the oldest due message in one statement and returns it, or None. On PostgreSQL
    the row is picked FOR UPDATE SKIP LOCKED, so instances claiming at the same moment take
    different messages instead of queueing on one; SQLite has a single writer. The claim
    starts now, not when the batch began, so a slow server cannot send a message after its
    claim has lapsed and another instance has taken it."""
    now = utcnow()
    oldest = (
        OutboxMessage.select(OutboxMessage.id)
        .where(_due(now, channel))
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if not is_sqlite():
        oldest = oldest.lock_rows("UPDATE", skip_locked=True)
    claimed = (
        await OutboxMessage.update(
            {OutboxMessage.claimed_until: now + timedelta(seconds=CLAIM_SECONDS)}
        )
        .where(OutboxMessage.id.is_in(oldest))
        .returning(*OutboxMessage.all_columns())
        .run()
    )
    return claimed[0] if claimed else None


async def deliver_due(transport: Transport, mail_from: str, *, batch_size: int = 20) -> int:
    """Send up to ``batch_size`` emails that are due; returns how many were sent."""
    return await deliver(EmailChannel(transport, mail_from), batch_size=batch_size)


async def deliver(channel: channels.Channel, *, batch_size: int = 20) -> int:
    """Send up to ``batch_size`` of the channel's messages that are due; returns how many
    were sent. A failure is recorded on the row and retried later."""
    sent = 0
    for _ in range(batch_size):
        row = await _claim_next(channel.name)
        if row is None:
            break
        try:
            await channel.send(row)
        except Exception as exc:
            attempts = row["attempts"] + 1
            failed = attempts >= MAX_ATTEMPTS
            error = f"{type(exc).__name__}: {exc}"
            logger.warning("outbox message %s attempt %s failed: %s", row["id"], attempts, error)
            await (
                OutboxMessage.update(
                    {
                        OutboxMessage.attempts: attempts,
                        OutboxMessage.status: "failed" if failed else "pending",
                        OutboxMessage.next_attempt_at: utcnow() + retry_delay(attempts),
                        OutboxMessage.claimed_until: None,
                        OutboxMessage.last_error: error[:2000],
                    }
                )
                .where(OutboxMessage.id == row["id"])
                .run()
            )
            continue
        await (
            OutboxMessage.update(
                {
                    OutboxMessage.status: "sent",
                    OutboxMessage.attempts: row["attempts"] + 1,
                    OutboxMessage.sent_at: utcnow(),
                    OutboxMessage.claimed_until: None,
                    OutboxMessage.last_error: "",
                }
            )
            .where(OutboxMessage.id == row["id"])
            .run()
        )
        sent += 1
    return sent


def outbox_jobs(values: dict[str, Any]) -> list[Job]:
    settings = values["settings"]
    transport = transport_for(settings.smtp_url, settings.mail_dir)

    async def send_outbox() -> int:
        return await deliver_due(transport, settings.mail_from)

    jobs = [Job("send-outbox", 10, send_outbox)]
    if settings.zalo_enabled:
        zalo = channels.ZaloChannel(settings.zalo_access_token, settings.zalo_api_url)

        async def send_zalo() -> int:
            return await deliver(zalo)

        jobs.append(Job("send-zalo", 10, send_zalo))
    return jobs
