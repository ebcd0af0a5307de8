"""Where an outbox message goes: one interface, an implementation per channel.

Every message is a row of the outbox (``innovation_hub.core.mail``), written in the
transaction of the change that caused it; its ``channel`` column names the implementation
that delivers it, and the outbox claims, retries and gives up the same way for all.

- ``email``: the message as MIME, through SMTP or to ``.eml`` files (``mail.EmailChannel``).
- ``zalo``: a short text to a member who follows the centre's Zalo Official Account, sent
  to the OA API (``POST /v3.0/oa/message/cs`` with an ``access_token`` header); on only when
  ``HUB_ZALO_ACCESS_TOKEN`` is set.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import httpx

EMAIL = "email"
ZALO = "zalo"
# The OA API refuses text messages longer than this.
ZALO_MAX_TEXT = 2000
_LINK = re.compile(r"https?://\S+")


class Channel(Protocol):
    name: str

    async def send(self, row: dict[str, Any]) -> None:
        """Deliver one outbox row, or raise: the outbox retries it later."""
        ...


class DeliveryRefused(RuntimeError):
    """The channel answered, but did not take the message."""


def short_text(subject: str, body: str) -> str:
    """A chat-sized message: the subject, the body's key line and its first link. The key
    line is the first paragraph that is neither the greeting (it ends with a comma) nor a
    bare link."""
    paragraphs = [" ".join(p.split()) for p in body.split("\n\n") if p.strip()]
    key_line = next((p for p in paragraphs if not p.endswith(",") and not _LINK.fullmatch(p)), "")
    link = _LINK.search(body)
    extra = [key_line, link.group(0) if link else ""]
    text = "\n\n".join([subject, *(part for part in extra if part and part not in subject)])
    return text[:ZALO_MAX_TEXT]


class ZaloChannel:
    """Zalo Official Account consultation ("cs") text messages. The API answers HTTP 200
    with ``{"error": 0, …}`` when it took the message, and a non-zero ``error`` with a
    ``message`` when it did not (the member does not follow the OA, the token expired…)."""

    name = ZALO

    def __init__(self, access_token: str, api_url: str, *, timeout: float = 15.0) -> None:
        self.access_token = access_token
        self.api_url = api_url
        self.timeout = timeout

    async def send(self, row: dict[str, Any]) -> None:
        payload = {
            "recipient": {"user_id": row["to_address"]},
            "message": {"text": row["body_text"]},
        }
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(
                self.api_url, json=payload, headers={"access_token": self.access_token}
            )
        response.raise_for_status()
        answer = response.json()
        if not isinstance(answer, dict) or answer.get("error") != 0:
            error = answer.get("error") if isinstance(answer, dict) else None
            message = answer.get("message") if isinstance(answer, dict) else answer
            raise DeliveryRefused(f"Zalo error {error}: {message}")
