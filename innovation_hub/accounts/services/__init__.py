"""Accounts: registration, login, tokens, email links, profiles. Every rule lives here;
callers use ``from innovation_hub.accounts import services`` and the names below."""

from innovation_hub.accounts.services.email_links import (
    EMAIL_LINKS_LOCK,
    check_reset_token,
    request_password_reset,
    resend_verification,
    reset_password,
    verify_email,
)
from innovation_hub.accounts.services.limits import LoginAttempt, LoginLimiter, MailLimiter
from innovation_hub.accounts.services.login import (
    authenticate,
    issue_api_token,
    login_session,
    user_for_session,
    user_for_token,
)
from innovation_hub.accounts.services.members import (
    create_account,
    list_users,
    register,
    set_locale,
    update_profile,
)
from innovation_hub.accounts.services.reminders import (
    UNSUBSCRIBE_PATH,
    ReminderLinks,
    account_for_unsubscribe,
    set_reminders,
    turn_off_by_link,
)
from innovation_hub.accounts.services.rules import (
    MAX_PASSWORD_LENGTH,
    RESET_PASSWORD,
    RESET_TOKEN_HOURS,
    VERIFY_EMAIL,
    NewAccount,
    ProfileChanges,
    normalise_email,
    session_stamp,
)

__all__ = [
    "EMAIL_LINKS_LOCK",
    "MAX_PASSWORD_LENGTH",
    "RESET_PASSWORD",
    "RESET_TOKEN_HOURS",
    "UNSUBSCRIBE_PATH",
    "VERIFY_EMAIL",
    "LoginAttempt",
    "LoginLimiter",
    "MailLimiter",
    "NewAccount",
    "ProfileChanges",
    "ReminderLinks",
    "account_for_unsubscribe",
    "authenticate",
    "check_reset_token",
    "create_account",
    "issue_api_token",
    "list_users",
    "login_session",
    "normalise_email",
    "register",
    "request_password_reset",
    "resend_verification",
    "reset_password",
    "session_stamp",
    "set_locale",
    "set_reminders",
    "turn_off_by_link",
    "update_profile",
    "user_for_session",
    "user_for_token",
    "verify_email",
]
