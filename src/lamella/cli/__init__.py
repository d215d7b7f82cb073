"""The ``lamella`` command: run the server, a task worker, and a few chores.

``lamella serve``      migrate, collect static files, create the first admin, then run the web
                       server and one task worker until Ctrl-C or SIGTERM.
``lamella worker``     run only a task worker (one per machine or queue when scaling out).
``lamella createuser`` add a user.
``lamella enqueue``    start a background job (``selfcheck`` proves the workers answer).
``lamella import``     import annotations into an image set (any format, all or nothing).
``lamella export``     export an image set's annotations in any format.
``lamella check``      say whether the database, data dir, task queue and imaging work.
``lamella manage``     any Django management command, e.g. ``lamella manage shell``.

Django is set up only inside each command, so ``lamella --help`` answers at once.
"""

import argparse
import os
import sys
from collections.abc import Sequence

QUEUES = ("default", "ingest", "plugins")


def setup_django() -> None:
    """Point Django at Lamella's settings and load the apps."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamella.settings")
    import django

    django.setup()


def say(text: str) -> None:
    """Write one line for the operator and flush it, so it shows before children's output."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="lamella", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the web server and one task worker")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default %(default)s)")
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("LAMELLA_WEB_WORKERS", "2")),
        help="web server processes (default: LAMELLA_WEB_WORKERS or 2)",
    )
    serve.add_argument("--no-worker", action="store_true", help="start no task worker")

    worker = commands.add_parser("worker", help="run a task worker")
    worker.add_argument(
        "--queue",
        action="append",
        choices=QUEUES,
        help="queue to take tasks from; repeat for several (default: all)",
    )
    worker.add_argument("--burst", action="store_true", help="run the waiting tasks, then exit")
    worker.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between polls of the database queue (default %(default)s)",
    )

    createuser = commands.add_parser("createuser", help="add a user")
    createuser.add_argument("username")
    createuser.add_argument("--password", help="the password (default: ask, or generate one)")
    createuser.add_argument("--email", default="")
    createuser.add_argument("--superuser", action="store_true", help="make a site administrator")

    enqueue = commands.add_parser("enqueue", help="start a background job and print its id")
    enqueue.add_argument("kind", help="job kind, e.g. selfcheck")
    enqueue.add_argument("--params", default="{}", help="JSON object of job parameters")
    enqueue.add_argument("--queue", default="default", choices=QUEUES)
    enqueue.add_argument("--wait", action="store_true", help="wait until the job ends")
    enqueue.add_argument(
        "--timeout", type=float, default=300.0, help="seconds --wait waits (default %(default)s)"
    )

    commands.add_parser("check", help="check database, data dir, task queue and imaging")

    from lamella.cli.transfer import add_parsers as add_transfer_parsers

    add_transfer_parsers(commands)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("args", nargs=argparse.REMAINDER, help="command and its arguments")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lamella`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    # Imported per command: serving needs none of the chores' imports and vice versa.
    if args.command == "serve":
        from lamella.cli.serve import serve

        return serve(
            host=args.host, port=args.port, workers=args.workers, worker=not args.no_worker
        )
    if args.command == "worker":
        from lamella.cli.chores import worker

        return worker(queues=args.queue or list(QUEUES), burst=args.burst, interval=args.interval)
    if args.command == "createuser":
        from lamella.cli.chores import createuser

        return createuser(
            username=args.username,
            password=args.password,
            email=args.email,
            superuser=args.superuser,
        )
    if args.command == "enqueue":
        from lamella.cli.chores import enqueue

        return enqueue(
            kind=args.kind,
            params=args.params,
            queue=args.queue,
            wait=args.wait,
            timeout=args.timeout,
        )
    if args.command in ("import", "export"):
        from lamella.cli.transfer import run

        return run(args)
    if args.command == "check":
        from lamella.cli.checks import check

        return check()
    from lamella.cli.chores import manage

    return manage(args.args)


if __name__ == "__main__":
    sys.exit(main())
