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
        _quiet_libraries()
        return int(args.func(args, settings) or 0)
    except ConfigError as e:
        print(f"certpost: configuration error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except StartupError as e:
        print(f"certpost: {e}", file=sys.stderr)
        return 1


def _quiet_libraries() -> None:
    """pyHanko logs every signing and validation step at INFO; only its warnings interest an operator."""
    if logging.getLogger().level <= logging.DEBUG:
        return
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.WARNING)


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

    simulate = sub.add_parser(
        "simulate", parents=[common], help="run a carrier's protocol simulator (sf_express, ems, kuaidi100)"
    )
    simulate.add_argument("carrier", help="carrier code")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=8089)
    simulate.add_argument(
        "--time-scale", type=float, default=60.0, help="simulated seconds per real second (default 60)"
    )
    simulate.add_argument("--push-url", default="", help="where carriers without a subscribe API push to")
    simulate.set_defaults(func=_simulate)

    doctor = sub.add_parser("doctor", parents=[common], help="check configuration, database, font and keys")
    doctor.set_defaults(func=_doctor)

    verify = sub.add_parser(
        "verify", parents=[common], help="verify a certificate PDF (exit 0 only when genuine and not revoked)"
    )
    verify.add_argument("file", type=Path)
    verify.set_defaults(func=_verify)

    issue = sub.add_parser("issue", parents=[common], help="create and mark ready certificates from a CSV")
    issue.add_argument("--csv", required=True, type=Path, metavar="FILE", help="UTF-8 (or GB18030) CSV")
    issue.add_argument("--type", required=True, metavar="CODE", help="certificate type code")
    issue.set_defaults(func=_issue)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from delivery.app import create_app

    _preflight(settings)
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


def _preflight(settings: Settings) -> None:
    """Check the font, signing key and carrier sections before serving: failing inside the app's start-up
    would bury the operator's one-line fix under aiohttp's traceback."""
    from certificates import CertificateError, find_cjk_font
    from couriers import CourierError
    from delivery.app import build_couriers, issuer_of
    from delivery.signing_setup import signing_setup

    try:
        find_cjk_font(str(settings.section("certificates").get("font_path") or "") or None)
        signing_setup(settings, issuer_of(settings).name)
        build_couriers(settings)  # adapters open no connection until first used
    except (CertificateError, CourierError) as e:
        raise StartupError(str(e)) from e


def _is_operator_problem(e: Exception) -> bool:
    from certificates import CertificateError
    from couriers import CourierError

    # CertificateError covers a missing CJK font, a broken template and unusable signing keys
    return isinstance(e, CertificateError | CourierError)


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


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.simulate import run_simulate

    return asyncio.run(
        run_simulate(
            args.carrier, host=args.host, port=args.port, time_scale=args.time_scale, push_url=args.push_url
        )
    )


def _doctor(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.doctor import run_doctor

    return asyncio.run(run_doctor(settings))


def _issue(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.issue import issue_csv

    try:
        return asyncio.run(issue_csv(settings, args.csv, args.type))
    except Exception as e:
        if _is_operator_problem(e):
            raise StartupError(str(e)) from e
        raise


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from delivery.verification import verify_file

    try:
        return verify_file(args.file, settings)
    except Exception as e:
        if _is_operator_problem(e):
            raise StartupError(str(e)) from e
        raise


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
