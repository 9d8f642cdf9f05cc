"""edugov serve: gunicorn for the web and a django-tasks worker for background jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve edugov with gunicorn and run the background task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("EDUGOV_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("EDUGOV_PORT", "8000")))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("EDUGOV_WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the background task worker")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        children = [self._gunicorn(opts)]
        if not opts["no_worker"] and "immediate" not in settings.TASKS["default"]["BACKEND"]:
            children.append(subprocess.Popen([sys.executable, "-m", "edugov.cli", "db_worker"]))
        self.stdout.write(f"edugov serving on http://{opts['host']}:{opts['port']}/ (Ctrl+C stops)")
        self._wait(children)

    @staticmethod
    def _gunicorn(opts: dict[str, Any]) -> subprocess.Popen[bytes]:
        return subprocess.Popen([
            sys.executable, "-m", "gunicorn", "edugov.wsgi:application",
            "--bind", f"{opts['host']}:{opts['port']}",
            "--workers", str(opts["workers"]),
            "--timeout", "120",
            "--access-logfile", "-",
        ])

    @staticmethod
    def _wait(children: list[subprocess.Popen[bytes]]) -> None:
        def stop(*_: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                try:
                    children[0].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                child.wait()
