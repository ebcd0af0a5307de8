"""The ``innovation-hub`` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from innovation_hub.core.auth import ROLES

Commands = argparse._SubParsersAction  # what add_subparsers() gives


def _migrate() -> None:
    from innovation_hub.core.database import migrate_forwards

    ran = asyncio.run(migrate_forwards())
    if ran:
        print(f"database migrated: {ran} migration{'s' if ran != 1 else ''} applied")
    else:
        print("database up to date: no migrations to apply")


def cmd_migrate(_: argparse.Namespace) -> int:
    _migrate()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from innovation_hub.core.settings import get_settings, served_base_url

    if not os.environ.get("HUB_BASE_URL"):  # read by this process and inherited by workers
        os.environ["HUB_BASE_URL"] = served_base_url(args.host, args.port)
    if args.workers > 1 and get_settings().is_sqlite:
        print(
            "error: --workers above 1 needs PostgreSQL (set HUB_DATABASE_URL=postgresql://…); "
            "the embedded SQLite set-up runs as one process",
            file=sys.stderr,
        )
        return 2
    _migrate()  # once, before any worker starts
    uvicorn.run(
        "innovation_hub.app:app",  # an import string: each worker process imports the app
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=args.proxy_headers,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level="info",
    )
    return 0


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def cmd_demo(_: argparse.Namespace) -> int:
    from innovation_hub.demo import DEMO_PASSWORD, load_demo

    _migrate()
    created = asyncio.run(load_demo())
    print(
        f"demo data created: {'; '.join(created)}"
        if created
        else "demo data already loaded: nothing created"
    )
    print(f"every demo account's password: {DEMO_PASSWORD}")
    return 0


def cmd_users_create(args: argparse.Namespace) -> int:
    from innovation_hub.accounts.services import NewAccount, create_account, normalise_email
    from innovation_hub.core.errors import FormInvalid
    from innovation_hub.core.taxcode import normalise_tax_code

    # The four options of API.md are enough for any role; the profile is optional here.
    account = NewAccount(
        email=normalise_email(args.email),
        password=args.password,
        name=args.name.strip(),
        role=args.role,
        organisation_name=args.organisation.strip(),
        school=args.school.strip(),
        tax_code=normalise_tax_code(args.tax_code),
    )
    try:
        user = asyncio.run(create_account(account, actor_id=None))
    except FormInvalid as exc:
        for field, message in exc.field_errors.items():
            print(f"error: {field}: {message}", file=sys.stderr)
        return 1
    print(f"created {user.role} account {user.email} (id {user.id})")
    return 0


def cmd_mail_send(_: argparse.Namespace) -> int:
    from innovation_hub.app import wiring  # wires templates and transport
    from innovation_hub.core.settings import get_settings

    jobs = {job.name: job for job in wiring(get_settings()).jobs}
    sent: object = asyncio.run(jobs["send-outbox"].run())
    print(f"sent {sent} messages")
    return 0


def cmd_jobs_run(args: argparse.Namespace) -> int:
    """Every background job once (or ``--rounds`` times), as the server would run them: for a
    cron line on an instance that serves no web traffic. Safe beside running servers, since
    each job claims what it acts on."""
    from innovation_hub.app import wiring
    from innovation_hub.core.settings import get_settings

    jobs = wiring(get_settings()).jobs
    unknown = set(args.job) - {job.name for job in jobs}
    if unknown:
        print(f"no such job: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    chosen = [job for job in jobs if not args.job or job.name in args.job]

    async def run_all() -> None:
        for _ in range(args.rounds):
            for job in chosen:
                print(f"{job.name}: {await job.run()}")

    asyncio.run(run_all())
    return 0


def cmd_payments_reconcile(_: argparse.Namespace) -> int:
    from innovation_hub.core.settings import get_settings
    from innovation_hub.payments.domain import payments_config, stripe_client
    from innovation_hub.payments.services import reconcile

    settings = get_settings()
    counts = asyncio.run(reconcile(stripe_client(settings), payments_config(settings)))
    print(", ".join(f"{name}: {count}" for name, count in counts.items()))
    return 1 if counts["errors"] else 0


def cmd_backup(args: argparse.Namespace) -> int:
    from innovation_hub.core.backup import BackupError, backup_database, engine_name
    from innovation_hub.core.settings import get_settings

    database_url = get_settings().database_url
    try:
        asyncio.run(backup_database(database_url, args.file))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    size = args.file.stat().st_size
    print(f"backed up the {engine_name(database_url)} database to {args.file} ({size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from innovation_hub.core.backup import BackupError, restore_database
    from innovation_hub.core.settings import get_settings

    try:
        asyncio.run(restore_database(get_settings().database_url, args.file, force=args.force))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.file}; `innovation-hub migrate` (or serve) brings it up to date")
    return 0


def _add_serve(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="migrate, then run the web server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="worker processes (PostgreSQL only above 1; default 1)",
    )
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="behind a reverse proxy: take the client address and scheme from "
        "X-Forwarded-For and X-Forwarded-Proto",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="with --proxy-headers: comma-separated proxy addresses to trust, or * "
        "(default 127.0.0.1)",
    )
    serve.set_defaults(func=cmd_serve)


def _add_users(commands: Commands) -> None:
    users = commands.add_parser("users", help="manage accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    create = users_commands.add_parser("create", help="create an account of any role")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True)
    create.add_argument("--organisation", default="", help="optional: startup or enterprise")
    create.add_argument("--school", default="", help="optional: student")
    create.add_argument(
        "--tax-code",
        default="",
        help="optional, checked if given: 10 digits (enterprise), 10-3 digits (branch) or "
        "the 12-digit personal identification number (household business)",
    )
    create.set_defaults(func=cmd_users_create)


def _add_jobs(commands: Commands) -> None:
    mail = commands.add_parser("mail", help="the email outbox")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True)
    mail_commands.add_parser("send", help="send due messages now").set_defaults(func=cmd_mail_send)
    jobs = commands.add_parser("jobs", help="the background jobs")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    run = jobs_commands.add_parser("run", help="run every job (or the named ones) now")
    run.add_argument("job", nargs="*", help="job names (default: all)")
    run.add_argument("--rounds", type=_positive_int, default=1, help="run them this many times")
    run.set_defaults(func=cmd_jobs_run)
    payments = commands.add_parser("payments", help="paid bookings")
    payments_commands = payments.add_subparsers(dest="payments_command", required=True)
    payments_commands.add_parser(
        "reconcile", help="settle payments Stripe and the database disagree on"
    ).set_defaults(func=cmd_payments_reconcile)


def _add_backups(commands: Commands) -> None:
    backup = commands.add_parser(
        "backup", help="copy the whole database to FILE (safe while the app runs)"
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser(
        "restore", help="load a backup made by `backup` into the database (stop the app first)"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    restore.set_defaults(func=cmd_restore)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innovation-hub", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply all migrations").set_defaults(func=cmd_migrate)
    _add_serve(commands)
    commands.add_parser("demo", help="load demo data (idempotent)").set_defaults(func=cmd_demo)
    _add_users(commands)
    _add_jobs(commands)
    _add_backups(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
