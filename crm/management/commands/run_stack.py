"""`make run`: migrate, load demo data, then run web, worker and beat until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from crm import processes
from crm.demo import DEMO_PASSWORD, seed_demo

# DEBUG pages, demo passwords and the sandbox (which signs webhooks as Meta) stay on this machine unless
# BIND_ADDRESS (or --bind) says otherwise; the container image sets 0.0.0.0 explicitly.
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def runserver_address(bind: str, port: int) -> str:
    return f"[{bind.strip('[]')}]:{port}" if ":" in bind.strip("[]") else f"{bind}:{port}"


def stack_commands(port: int, bind: str) -> dict[str, list[str]]:
    """The command lines of web, worker and beat for `make run`."""
    return {
        "web": [processes.PYTHON, "manage.py", "runserver", runserver_address(bind, port), "--noreload"],
        "worker": processes.worker_command(concurrency=4),
        "beat": processes.beat_command(schedule_file=str(settings.VAR_DIR / "celerybeat-schedule")),
    }


class Command(BaseCommand):
    help = "Run the whole product locally: web, Celery worker, Celery beat (and the sandbox when it is on)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--bind", default=settings.BIND_ADDRESS, help="Address web listens on (BIND_ADDRESS, default 127.0.0.1)."
        )
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")

    def handle(self, *args, port: int, bind: str, no_demo: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        logins = {} if no_demo else seed_demo()
        running = self._start(port, bind)
        self._print_banner(port, logins)
        if bind not in LOOPBACK and (settings.DEBUG or settings.WHATSAPP_SANDBOX):
            self.stderr.write(
                f"Warning: listening on {bind} with DEBUG or the sandbox on: anyone on this network can reach "
                "the debug pages, the demo logins and the sandbox (which plays Meta)."
            )
        stop = {"now": False}

        def request_stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        exit_code = 0
        try:
            while not stop["now"]:
                for name, proc in running.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping everything.")
                        stop["now"], exit_code = True, 1
                        break
                time.sleep(0.5)
        finally:
            self._stop(running)
        if exit_code:
            sys.exit(exit_code)

    def _start(self, port: int, bind: str) -> dict[str, subprocess.Popen]:
        commands = stack_commands(port, bind)
        env = {**os.environ, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
        return {name: subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR) for name, cmd in commands.items()}

    def _stop(self, running: dict[str, subprocess.Popen]) -> None:
        processes.stop(running.values())
        self.stdout.write("Stopped web, worker and beat.")

    def _print_banner(self, port: int, logins: dict[str, str]) -> None:
        base = f"http://127.0.0.1:{port}"
        db = settings.DATABASES["default"]
        lines = [
            "",
            "CRM Master is running (Ctrl-C stops everything)",
            f"  Portal (clients):      {base}/app/  (log in at {base}/accounts/login/)",
            f"  Dashboard (operator):  {base}/dashboard/",
            f"  Back office (admin):   {base}/admin/",
            f"  API docs:              {base}/api/docs/",
            f"  Health:                {base}/healthz",
            f"  Webhook:               {base}/webhook/whatsapp",
        ]
        if settings.WHATSAPP_SANDBOX:
            lines.append(f"  Sandbox phone:         {base}/sandbox/")
        lines += [
            f"  Database:              {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}",
            f"  Broker:                {settings.CELERY_BROKER_URL.split('@')[-1]}",
            f"  Graph API:             {settings.WHATSAPP_GRAPH_URL}",
            f"  AI provider:           {'OpenAI ' + settings.OPENAI_MODEL if settings.OPENAI_API_KEY else 'offline'}",
        ]
        if logins:
            lines.append(f"  Demo logins (password {DEMO_PASSWORD}):")
            lines += [f"    {who}: {email}" for who, email in logins.items()]
        self.stdout.write("\n".join(lines) + "\n")
