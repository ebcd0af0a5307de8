"""The member's choice to receive reminders, and the one-click link in every reminder that
turns them off (RFC 8058). Confirmations and other notices are always sent.

The link carries the account id and an HMAC of it under the app's secret key: it cannot be
guessed or made for another account, needs no table, and keeps working for as long as the
reminder sits in the member's mailbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from innovation_hub.accounts.services import history
from innovation_hub.accounts.tables import User
from innovation_hub.core.clock import utcnow
from innovation_hub.core.database import transaction
from innovation_hub.core.errors import NotFound
from innovation_hub.core.i18n import gettext as _

UNSUBSCRIBE_PATH = "/reminders/off"
_PURPOSE = b"innovation_hub.reminders_off\x00"


def _signature(user_id: int, secret_key: str) -> str:
    mac = hmac.new(secret_key.encode(), _PURPOSE + str(user_id).encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def unsubscribe_token(user_id: int, secret_key: str) -> str:
    return f"{user_id}.{_signature(user_id, secret_key)}"


@dataclass(frozen=True)
class ReminderLinks:
    """What reminders need to carry their one-click link (built from the settings)."""

    base_url: str
    secret_key: str

    def unsubscribe_url(self, user_id: int) -> str:
        return f"{self.base_url}{UNSUBSCRIBE_PATH}/{unsubscribe_token(user_id, self.secret_key)}"

    def headers(self, user_id: int) -> dict[str, str]:
        """The header fields of a reminder to this account: mail programs show an
        "unsubscribe" button that POSTs to the link."""
        return {
            "List-Unsubscribe": f"<{self.unsubscribe_url(user_id)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }


def _link_invalid() -> NotFound:
    return NotFound(_("This link is invalid or its account no longer exists."), code="link_invalid")


async def account_for_unsubscribe(token: str, secret_key: str) -> User:
    """The account the link was made for; a forged, altered or unknown link is NotFound."""
    user_id, _dot, signature = token.partition(".")
    if not user_id.isdigit() or len(user_id) > 12:
        raise _link_invalid()
    expected = _signature(int(user_id), secret_key)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise _link_invalid()
    user = await User.objects().where(User.id == int(user_id)).first().run()
    if user is None:
        raise _link_invalid()
    return user


async def set_reminders(user: User, enabled: bool, *, actor_id: int | None) -> User:
    """Turns the account's reminders on or off; saying the same again changes nothing."""
    if user.reminders_enabled == enabled:
        return user
    user.reminders_enabled = enabled
    user.updated_at = utcnow()
    async with transaction():
        await user.save([User.reminders_enabled, User.updated_at])
        action = "account.reminders_on" if enabled else "account.reminders_off"
        await history.record(action, user.id, actor_id=actor_id)
    return user


async def turn_off_by_link(token: str, secret_key: str) -> User:
    """The one-click unsubscribe: reminders off for the link's account."""
    user = await account_for_unsubscribe(token, secret_key)
    return await set_reminders(user, False, actor_id=user.id)
