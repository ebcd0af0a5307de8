"""A small Stripe API client on httpx, and webhook signature checks.

Requests are form-encoded with bracket keys (``metadata[booking_id]=7``), carry a pinned
``Stripe-Version`` and, for writes, an ``Idempotency-Key`` the caller derives from its own
record so a retry can never charge twice. Only network errors, 409, 429 and 5xx are retried.
Callers decide on the HTTP status and ``error.code``, never on ``error.type``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

STRIPE_VERSION = "2024-06-20"
RETRY_STATUSES = {409, 429, 500, 502, 503, 504}
SIGNATURE_TOLERANCE_SECONDS = 300


class StripeError(Exception):
    """Stripe answered with an error, or could not be reached (``status`` 0)."""

    def __init__(
        self, status: int, code: str, message: str, body: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = dict(body or {})

    @property
    def unreachable(self) -> bool:
        return self.status == 0 or self.status >= 500


def form_encode(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: nested dicts and lists become bracketed keys."""
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            pairs.extend(form_encode(value, name))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    pairs.extend(form_encode(item, f"{name}[{index}]"))
                else:
                    pairs.append((f"{name}[{index}]", _scalar(item)))
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class StripeClient:
    api_base: str
    secret_key: str
    timeout_seconds: float = 10.0
    attempts: int = 3
    backoff_seconds: float = 0.5
    transport: httpx.AsyncBaseTransport | None = None

    async def request(
        self,
        method: str,
        path: str,
        data: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Stripe-Version": STRIPE_VERSION}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        body = form_encode(data or {})
        last_error: StripeError | None = None
        async with httpx.AsyncClient(
            base_url=self.api_base,
            auth=(self.secret_key, ""),
            timeout=self.timeout_seconds,
            transport=self.transport,
        ) as http:
            for attempt in range(self.attempts):
                if attempt:
                    await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
                try:
                    if method == "GET":
                        response = await http.get(path, params=dict(body), headers=headers)
                    else:
                        response = await http.request(
                            method, path, data=dict(body) if body else None, headers=headers
                        )
                except httpx.TransportError as exc:
                    last_error = StripeError(0, "network_error", str(exc) or type(exc).__name__)
                    continue
                if response.status_code < 400:
                    result: dict[str, Any] = response.json()
                    return result
                last_error = _error_from(response)
                if response.status_code not in RETRY_STATUSES:
                    raise last_error
        assert last_error is not None
        raise last_error

    async def create_payment_intent(
        self, *, amount: int, currency: str, metadata: Mapping[str, str], idempotency_key: str
    ) -> dict[str, Any]:
        return await self.request(
            "POST",
            "/v1/payment_intents",
            {
                "amount": amount,
                "currency": currency,
                "metadata": metadata,
                "payment_method_types": ["card"],
            },
            idempotency_key=idempotency_key,
        )

    async def retrieve_payment_intent(self, intent_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/v1/payment_intents/{intent_id}")

    async def cancel_payment_intent(
        self, intent_id: str, *, idempotency_key: str
    ) -> dict[str, Any]:
        return await self.request(
            "POST", f"/v1/payment_intents/{intent_id}/cancel", idempotency_key=idempotency_key
        )

    async def create_refund(
        self, *, payment_intent: str, amount: int, metadata: Mapping[str, str], idempotency_key: str
    ) -> dict[str, Any]:
        return await self.request(
            "POST",
            "/v1/refunds",
            {"payment_intent": payment_intent, "amount": amount, "metadata": metadata},
            idempotency_key=idempotency_key,
        )


def _error_from(response: httpx.Response) -> StripeError:
    try:
        body = response.json()
        error = body.get("error", {}) if isinstance(body, dict) else {}
    except ValueError:
        body, error = {}, {}
    return StripeError(
        response.status_code,
        str(error.get("code") or f"http_{response.status_code}"),
        str(error.get("message") or response.reason_phrase),
        body,
    )


class SignatureError(ValueError):
    pass


def verify_signature(
    payload: bytes,
    header: str | None,
    secret: str,
    *,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Checks ``Stripe-Signature``: HMAC-SHA256 of ``"{t}.{payload}"`` keyed with the whole
    ``whsec_…`` secret; any ``v1`` may match; the timestamp must be within ``tolerance``."""
    if not header or not secret:
        raise SignatureError("missing signature")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("malformed signature header")
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureError("no matching signature")


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """A ``Stripe-Signature`` header value (for tests and local tools)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"
