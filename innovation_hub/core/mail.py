"""Email through an outbox.

``enqueue`` writes the message in the caller's transaction, so a message exists exactly
when the change that caused it was committed. ``deliver_due`` sends what is due through
SMTP (``HUB_SMTP_URL``) or, without it, to ``.eml`` files under ``var/mail/``; failures
are retried with exponential backoff. Several instances may run it at once: each message
is claimed by a conditional update before it is sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from jinja2 import Environment
from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from innovation_hub.core import i18n
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import is_sqlite
from innovation_hub.core.jobs import Job
from innovation_hub.core.settings import get_settings
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


async def enqueue(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    locale: str,
    attachments: tuple[Attachment, ...] = (),
    headers: dict[str, str] | None = None,
) -> None:
    """Render ``templates/email/<template>.txt`` in ``locale`` and queue it, with any extra
    ``headers`` (``List-Unsubscribe`` on reminders)."""
    global _environment
    if _environment is None:  # outside the web app: command line, jobs, tests
        _environment = make_environment(get_settings())
    with i18n.use_locale(locale):
        subject, body = render_blocks(
            _environment, f"email/{template}.txt", context, "subject", "body"
        )
    await OutboxMessage.insert(
        OutboxMessage(
            to_address=to,
            subject=" ".join(subject.split()),
            body_text=body + "\n",
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
    ).run()


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


def build_message(row: dict[str, Any], mail_from: str) -> EmailMessage:
    message = EmailMessage()
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
    attachments = row["attachments"]
    if isinstance(attachments, str):  # SQLite hands JSON back as text
        attachments = json.loads(attachments)
    for item in attachments:
        maintype, _, subtype = item["content_type"].partition("/")
        message.add_attachment(
            base64.b64decode(item["data_b64"]),
            maintype=maintype,
            subtype=subtype,
            filename=item["filename"],
        )
    return message


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS))


def _due(now: datetime) -> Any:
    return (
        (OutboxMessage.status == "pending")
        & (OutboxMessage.next_attempt_at <= now)
        & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now))
    )


async def _claim_next() -> dict[str, Any] | None:
    """Claims the oldest due message in one statement and returns it, or None. On PostgreSQL
    the row is picked FOR UPDATE SKIP LOCKED, so instances claiming at the same moment take
    different messages instead of queueing on one; SQLite has a single writer. The claim
    starts now, not when the batch began, so a slow server cannot send a message after its
    claim has lapsed and another instance has taken it."""
    now = utcnow()
    oldest = (
        OutboxMessage.select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(1)
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
    """Send up to ``batch_size`` messages that are due; returns how many were sent."""
    sent = 0
    for _ in range(batch_size):
        row = await _claim_next()
        if row is None:
            break
        try:
            await transport.send(build_message(row, mail_from))
        except Exception as exc:
            attempts = row["attempts"] + 1
            failed = attempts >= MAX_ATTEMPTS
            logger.warning("outbox message %s attempt %s failed: %s", row["id"], attempts, exc)
            await (
                OutboxMessage.update(
                    {
                        OutboxMessage.attempts: attempts,
                        OutboxMessage.status: "failed" if failed else "pending",
                        OutboxMessage.next_attempt_at: utcnow() + retry_delay(attempts),
                        OutboxMessage.claimed_until: None,
                        OutboxMessage.last_error: f"{type(exc).__name__}: {exc}"[:2000],
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

    return [Job("send-outbox", 10, send_outbox)]
