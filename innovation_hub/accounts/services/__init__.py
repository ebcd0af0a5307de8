"""Accounts: registration, login, tokens, email links, profiles. Every rule lives here;
callers use ``from innovation_hub.accounts import services`` and the names below."""

from innovation_hub.accounts.services.admin import (
    ADMINS_LOCK,
    AccountPage,
    AccountReaders,
    change_account,
    find_accounts,
    get_account,
    last_deactivation,
    send_reset_for,
    send_verification_for,
)
from innovation_hub.accounts.services.credentials import change_password, list_tokens, revoke_token
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
    "ADMINS_LOCK",
    "EMAIL_LINKS_LOCK",
    "MAX_PASSWORD_LENGTH",
    "RESET_PASSWORD",
    "RESET_TOKEN_HOURS",
    "UNSUBSCRIBE_PATH",
    "VERIFY_EMAIL",
    "AccountPage",
    "AccountReaders",
    "LoginAttempt",
    "LoginLimiter",
    "MailLimiter",
    "NewAccount",
    "ProfileChanges",
    "ReminderLinks",
    "account_for_unsubscribe",
    "authenticate",
    "change_account",
    "change_password",
    "check_reset_token",
    "create_account",
    "find_accounts",
    "get_account",
    "issue_api_token",
    "last_deactivation",
    "list_tokens",
    "list_users",
    "login_session",
    "normalise_email",
    "register",
    "request_password_reset",
    "resend_verification",
    "reset_password",
    "revoke_token",
    "send_reset_for",
    "send_verification_for",
    "session_stamp",
    "set_locale",
    "set_reminders",
    "turn_off_by_link",
    "update_profile",
    "user_for_session",
    "user_for_token",
    "verify_email",
]
