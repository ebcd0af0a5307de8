"""The limits on guessing passwords and on the emails a stranger can make the centre send."""

from __future__ import annotations

import math
from dataclasses import dataclass

from litestar.stores.base import Store

from innovation_hub.core.errors import TooManyRequests
from innovation_hub.core.i18n import ngettext
from innovation_hub.core.ratelimit import Backoff, DistinctCap, RateLimiter
from innovation_hub.core.security import new_secret_token, token_digest


def _email_key(email: str) -> str:
    """An email as rate limits store it: a digest, short whatever was typed, and no address
    in the store."""
    return token_digest(email)[:32]


class MailLimiter:
    """Emails a stranger can make the centre send (password-reset links, notices about a
    registration): so many per account and per client address an hour. Over the limit
    nothing is sent, and the page says what it always says."""

    def __init__(self, per_account: RateLimiter, per_ip: RateLimiter) -> None:
        self.per_account = per_account
        self.per_ip = per_ip

    async def allows(self, email: str, ip: str) -> bool:
        on_ip = await self.per_ip.hit(f"reset-mail:ip:{ip}")
        on_account = await self.per_account.hit(f"reset-mail:account:{_email_key(email)}")
        return on_ip <= self.per_ip.limit and on_account <= self.per_account.limit


@dataclass(frozen=True)
class LoginAttempt:
    account: str  # _email_key()
    ip: str
    pair_key: str


class LoginLimiter:
    """Slows guessing down without letting a stranger lock anyone out (OWASP, NIST 800-63B).

    - Per account *and* address: a few failures are free, then each further try must wait a
      delay that doubles up to a cap (``pairs``). A stranger's failures from another address
      never slow the owner down; a login, or a password reset from anywhere, clears them.
    - Per address: failing on many *different* accounts (credential stuffing) is refused
      for the rest of the window (``addresses``); a school behind one address, where a few
      pupils mistype their own passwords, stays far below it.

    Both count an attempt before the (slow) password check, in one atomic step of the store,
    so a burst of parallel guesses gets no more tries than one guess after another.
    """

    def __init__(self, store: Store, pairs: Backoff, addresses: DistinctCap) -> None:
        self.store = store
        self.pairs = pairs
        self.addresses = addresses

    @staticmethod
    def _epoch_key(email: str) -> str:
        return f"login:epoch:{_email_key(email)}"

    async def begin(self, email: str, ip: str) -> LoginAttempt:
        """Counts this attempt, or refuses it with TooManyRequests."""
        account = _email_key(email)
        wait = await self.addresses.admit(f"login:ip:{ip}", account)
        if wait:
            raise TooManyRequests(
                ngettext(
                    "Too many failed logins to different accounts from your network. "
                    "Try again in %(num)s minute.",
                    "Too many failed logins to different accounts from your network. "
                    "Try again in %(num)s minutes.",
                    _minutes(wait),
                ),
                retry_after=wait,
            )
        # A password reset starts a new epoch: the delays counted before it no longer apply.
        epoch = (await self.store.get(self._epoch_key(email)) or b"0").decode()
        attempt = LoginAttempt(account, ip, f"login:pair:{epoch}:{account}:{ip}")
        wait = await self.pairs.attempt(attempt.pair_key)
        if wait:
            raise TooManyRequests(_wait_message(wait), retry_after=wait)
        return attempt

    async def succeeded(self, attempt: LoginAttempt) -> None:
        await self.pairs.reset(attempt.pair_key)
        await self.addresses.remove(f"login:ip:{attempt.ip}", attempt.account)

    async def clear(self, email: str) -> None:
        """Forgets every address's failures on this account (its password was reset)."""
        await self.store.set(self._epoch_key(email), new_secret_token()[:12])


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _wait_message(seconds: int) -> str:
    if seconds < 60:
        return ngettext(
            "Too many failed attempts. Wait %(num)s second, then try again.",
            "Too many failed attempts. Wait %(num)s seconds, then try again.",
            seconds,
        )
    return ngettext(
        "Too many failed attempts. Try again in %(num)s minute.",
        "Too many failed attempts. Try again in %(num)s minutes.",
        _minutes(seconds),
    )
