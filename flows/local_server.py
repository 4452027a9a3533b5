"""The Prefect server `flows.serve` needs for its schedules to fire.

Without a server address (`PREFECT_API_URL`, from the environment or a Prefect profile), Prefect
serves against a temporary in-process server that does not run the scheduler service: the
deployments register, « Your deployments are being served » is printed, and no scheduled run is
ever created (seen: a night due twice within the next two minutes, nothing ran in four). So:

- no address: start `prefect server start` on the loopback, on a free port, in its own session
  (Ctrl+C in the terminal reaches `flows.serve` only, which then stops the server after itself:
  stopped the other way round, the runner hangs), its log in a file, and serve against it; on
  Linux the server also stops when flows.serve is killed outright (`server_command`);
- an address that does not answer: stop with a French message, not Prefect's traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

from consultation.errors import ConsultationError

START_TIMEOUT = 180  # seconds; a first start creates the server's database (20-60 s on a loaded machine)
LOG_NAME = "serveur-prefect.log"
STOP_GRACE = 10  # seconds the local server is given to stop before it is killed
LIVE_RUNNER = 45  # seconds: a serving runner polls every 10 s (PREFECT_RUNNER_POLL_FREQUENCY)


class ServerError(ConsultationError):
    """The Prefect server cannot be reached or started."""


def configured_url() -> str | None:
    """The server address Prefect will use, if one is set (environment or profile)."""
    return get_current_settings().api.url


def answers(api: str, timeout: float = 5) -> bool:
    try:
        return httpx.get(f"{api.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def served_elsewhere(api: str, deployments: list[tuple[str, str]], within: float = LIVE_RUNNER) -> list[str]:
    """The deployments (flow name, deployment name) that a runner polled within `within` seconds and
    that are not paused: another `flows.serve` is serving them. Stopping either would pause the
    other's (Prefect pauses a stopping runner's deployments by name)."""
    live = []
    for flow, name in deployments:
        try:
            response = httpx.get(f"{api.rstrip('/')}/deployments/name/{flow}/{name}", timeout=10)
        except httpx.HTTPError:
            continue
        if response.status_code != 200:
            continue
        found = response.json()
        polled = found.get("last_polled")
        if polled and not found.get("paused"):
            age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(polled)).total_seconds()
            if age < within:
                live.append(f"{flow}/{name}")
    return live


# How the local server is started: a short launcher asks Linux to send it SIGTERM when flows.serve
# dies (the parent-death signal survives the exec into the server), then becomes the server. So
# the server stops even when flows.serve is killed outright (SIGKILL, the out-of-memory killer),
# which leaves no `finally` to run; without it the server, in its own session, ran on with its port.
# Not Linux (no prctl): the `finally` of server_for_schedules is the only stop.
_LAUNCHER = """
import ctypes, os, signal, sys
parent = int(sys.argv[1])
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
except (OSError, AttributeError):
    pass
if os.getppid() != parent:  # flows.serve died before the signal was set
    sys.exit(0)
os.execv(sys.executable, [sys.executable, "-m", "prefect", *sys.argv[2:]])
"""


def server_command(port: int) -> list[str]:
    """The command that starts the local server on `port`, bound to this process's life."""
    return [sys.executable, "-c", _LAUNCHER, str(os.getpid()),
            "server", "start", "--host", "127.0.0.1", "--port", str(port)]


def free_port() -> int:
    """A TCP port free on the loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Stop `proc` as Ctrl+C would (SIGINT), killing it after `timeout` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def server_for_schedules(log_dir: Path) -> Iterator[str]:
    """Yield the address of a Prefect server whose scheduler runs: the configured one, checked,
    or one started here for as long as the block runs."""
    url = configured_url()
    if url:
        if not answers(url):
            raise ServerError(
                f"le serveur Prefect de PREFECT_API_URL ({url}) ne répond pas : démarrez-le "
                "(prefect server start), ou retirez PREFECT_API_URL pour que flows.serve en démarre un"
            )
        yield url
        return
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / LOG_NAME
    print(
        f"Aucun serveur Prefect indiqué (PREFECT_API_URL) : démarrage d'un serveur local, "
        f"interface sur http://127.0.0.1:{port}, journal dans {log_path} ; il s'arrête avec ce processus.",
        flush=True,
    )
    env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    # Until Prefect's runner sets its own (it exits cleanly), SIGTERM must also leave through the
    # `finally` below, or the server, in its own session, would outlive this process.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with log_path.open("a", encoding="utf-8") as log:
        proc = subprocess.Popen(
            server_command(port), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not answers(api, timeout=2):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise ServerError(
                        f"le serveur Prefect local n'a pas démarré (journal : {log_path})"
                    )
                time.sleep(1)
            os.environ["PREFECT_API_URL"] = api  # the runs' own processes inherit it
            with temporary_settings(updates={PREFECT_API_URL: api}):
                yield api
        finally:
            os.environ.pop("PREFECT_API_URL", None)
            if proc.poll() is None:
                print("Arrêt du serveur Prefect local…", flush=True)
            # Its database is SQLite, safe against a kill: a short grace keeps Ctrl+C prompt on a
            # loaded machine (a graceful stop took over 30 s there).
            stop(proc, timeout=STOP_GRACE)
