"""`certpost` command line: thin synchronous wrappers around the async service."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from delivery.config import ConfigError, Settings, load_settings

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config)
        logging.basicConfig(
            level=str(settings.section("log").get("level", "INFO")).upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        return int(args.func(args, settings) or 0)
    except ConfigError as e:
        print(f"certpost: configuration error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except StartupError as e:
        print(f"certpost: {e}", file=sys.stderr)
        return 1


class StartupError(Exception):
    """Something an operator must fix before the service can start (font, key, database)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="certpost", description="Certificate delivery service.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="FILE", help="TOML config file (default: $CERTPOST_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the service (migrates the schema on start)")
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", parents=[common], help="bring the database schema up to date")
    migrate.set_defaults(func=_migrate)

    token = sub.add_parser("token", help="manage API tokens")
    token_sub = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_sub.add_parser("create", parents=[common], help="create a token; printed as the last line")
    create.add_argument("--role", required=True, choices=["admin", "clerk", "integrator"])
    create.add_argument("--name", default="", help="who or what the token is for")
    create.set_defaults(func=_token_create)

    demo = sub.add_parser("demo", parents=[common], help="walk through the whole story in about a minute")
    demo.add_argument("--carrier", default="sandbox", help="carrier to book (default: sandbox)")
    demo.add_argument("--data-dir", default="./data/demo", help="where the demo keeps its data")
    demo.add_argument(
        "--time-scale",
        type=float,
        default=4000.0,
        help="simulated seconds per real second for the sandbox courier",
    )
    demo.set_defaults(func=_demo)

    doctor = sub.add_parser("doctor", parents=[common], help="check configuration, database, font and keys")
    doctor.set_defaults(func=_doctor)

    verify = sub.add_parser("verify", parents=[common], help="verify a signed certificate PDF")
    verify.add_argument("file", type=Path)
    verify.set_defaults(func=_verify)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from delivery.app import create_app

    try:
        web.run_app(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            print=lambda _msg: print(
                f"certpost serving on http://{settings.host}:{settings.port} "
                f"(public URL {settings.public_url})",
                flush=True,
            ),
        )
    except OSError as e:
        raise StartupError(f"cannot start: {e}") from e
    except Exception as e:
        if _is_operator_problem(e):
            raise StartupError(str(e)) from e
        raise
    return 0


def _is_operator_problem(e: Exception) -> bool:
    from certificates import FontMissingError, TemplateError
    from couriers import CourierError

    return isinstance(e, FontMissingError | TemplateError | CourierError)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.storage.database import upgrade_schema

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade_schema(settings.database_url))
    print(f"schema up to date ({_redact(settings.database_url)})")
    return 0


def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.domain.roles import Role
    from delivery.services.tokens import create_token
    from delivery.storage.database import database

    async def run() -> str:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        async with database(settings.database_url):
            return await create_token(Role(args.role), args.name)

    token = asyncio.run(run())
    print(f"created a {args.role} token; it is shown only once:")
    print(token)
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.demo import run_demo

    return asyncio.run(
        run_demo(settings, carrier=args.carrier, data_dir=Path(args.data_dir), time_scale=args.time_scale)
    )


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.doctor import run_doctor

    return asyncio.run(run_doctor(settings))


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.verification import verify_file

    return verify_file(args.file, settings)


def _redact(url: str) -> str:
    """Database URLs may carry passwords; never print them."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


if __name__ == "__main__":
    sys.exit(main())
