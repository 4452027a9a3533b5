"""The nightly run fired by Prefect's own scheduler, through a real server, as a federation runs it.

`tests/test_flow.py` calls the flow directly; nothing there goes through the server's scheduler
service, which is what failed with SQLAlchemy 2.1 (« Can't evaluate bulk DML statement »: the
deployment was registered and manual runs worked, but no scheduled run was ever created). Here a
real `prefect server start` (temporary PREFECT_HOME, loopback only) and the README's commands —
`python -m flows.serve` for the simple way, `prefect deploy` + a process work pool + `prefect worker`
for the other — run with a schedule due within the minute, and the test waits for the scheduler to
create a run by itself (no manual trigger) and for that run to complete and fill the database.
The schedules are crons to the second (Prefect's croniter reads a sixth field as the seconds), so
that the test waits for the runs, not for the next whole minute.

Bounded: every wait has a deadline; every process is stopped at the end (the runner before the
server, the order the README gives).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from conftest import MINI_DIR, ROOT
from consultation import store
from consultation.errors import DatabaseBusyError
from flows.local_server import answers, free_port, stop

pytestmark = pytest.mark.slow

SERVER_START_TIMEOUT = 180
STOP_WAIT = 120  # seconds flows.serve is given to stop after Ctrl+C, its local server included
RUN_TIMEOUT = 420  # one minute for the cron slot to come, the rest for the flow on a loaded machine


class Server:
    def __init__(self, home: Path):
        self.home = home
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.env = {
            **os.environ,
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            # The scheduler looks for deployments to schedule every 60 s by default.
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage"),
        }
        self.env.pop("PREFECT_PROFILE", None)
        self.log = (home / "server.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(self.port)],
            env=self.env, cwd=home, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the Prefect server stopped:\n{self.read_log()[-3000:]}")
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        stop(self.proc)
        raise AssertionError(f"the Prefect server did not start in {SERVER_START_TIMEOUT} s")

    def read_log(self) -> str:
        self.log.flush()
        return (self.home / "server.log").read_text(errors="replace")

    def deployment_id(self, flow: str, name: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = httpx.get(f"{self.api}/deployments/name/{flow}/{name}", timeout=10)
            if response.status_code == 200:
                return response.json()["id"]
            time.sleep(1)
        raise AssertionError(f"deployment {flow}/{name} never registered")

    def flow_runs(self, deployment_id: str) -> list[dict]:
        response = httpx.post(
            f"{self.api}/flow_runs/filter",
            json={"flow_runs": {"deployment_id": {"any_": [deployment_id]}},
                  "sort": "EXPECTED_START_TIME_ASC", "limit": 20},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def wait_for_a_finished_run(
        self, deployment_id: str, watched: list[subprocess.Popen], pick=None
    ) -> dict:
        """The deployment's first finished run, or the one `pick(finished runs)` returns."""
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            for proc in watched:
                assert proc.poll() is None, f"{proc.args} stopped with {proc.returncode}"
            finished = [r for r in self.flow_runs(deployment_id) if r["state"]["type"] in
                        {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}]
            chosen = (finished[0] if finished else None) if pick is None else pick(finished)
            if chosen:
                return chosen
            time.sleep(1)
        runs = self.flow_runs(deployment_id)
        raise AssertionError(
            f"no scheduled run finished in {RUN_TIMEOUT} s; runs: "
            f"{[(r['name'], r['state']['type']) for r in runs]}\n"
            f"server log tail:\n{self.read_log()[-3000:]}"
        )

    def close(self) -> None:
        stop(self.proc)
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    srv = Server(home)
    try:
        yield srv
    finally:
        srv.close()


def _mini_copy(target: Path) -> Path:
    shutil.copytree(MINI_DIR, target)
    return target


def _respondents(db: Path, timeout: float = 300) -> int:
    """Respondents in the database, read between runs: the cron fires every minute, so a later
    scheduled run may hold the file when the test looks (the scheduler doing its job)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            con = store.connect(db, read_only=True)
            break
        except DatabaseBusyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
    try:
        return con.execute("SELECT count(*) FROM respondents").fetchone()[0]
    finally:
        con.close()


# `python -m MODULE …` with Ctrl+C restored: a test suite started in the background of a
# non-interactive shell (`cmd &`) ignores SIGINT, Python keeps it ignored in its children, and
# the runner would then never take the Ctrl+C these tests send (seen: serve ran on until killed).
_WITH_CTRL_C = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv = sys.argv[1:]; runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)"
)


class Runner:
    """A process that executes scheduled runs (`flows.serve` or a worker), and what it produced."""

    def __init__(self, args: list[str], env: dict, cwd: Path, log: Path, deployment: str,
                 db: Path):
        self.log, self.deployment, self.db = log, deployment, db
        self.out = log.open("w")
        if args[1:2] == ["-m"]:
            args = [args[0], "-c", _WITH_CTRL_C, *args[2:]]
        self.proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=self.out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.run: dict | None = None
        self.publication: dict | None = None

    def stop(self) -> None:
        stop(self.proc)
        self.out.close()


# The nights are due this long after the runners start: the deployments must be registered, and
# the scheduler must have created the run (every 5 s here), before the slot passes (a slot in the
# past is never created). Registering took 10-20 s on a quiet 2-core machine; on a loaded one the
# slot a minute later (`_night_at`) serves.
NIGHT_DELAY = timedelta(seconds=30)


def _cron(due: datetime, minutes: int, seconds: str) -> str:
    """A cron (UTC) firing at `seconds` within each of the `minutes` minutes from `due`'s, in
    Prefect's six fields: minute hour day month weekday second. Across an hour, the hours' and
    minutes' lists also name slots an hour away, never reached while the test runs."""
    slots = [due + timedelta(minutes=k) for k in range(minutes)]
    minute = ",".join(str(m) for m in dict.fromkeys(s.minute for s in slots))
    hour = ",".join(str(h) for h in dict.fromkeys(s.hour for s in slots))
    return f"{minute} {hour} * * * {seconds}"


def _night_at(due: datetime) -> str:
    """A night due once at `due` (to the second), and a minute later in case the deployment was
    registered after the first slot on a loaded machine: one night, not one every minute. The
    consultation's lock is not a queue: nights every minute, each longer than a minute on a loaded
    machine, could keep a waiting publication out for as long as they come."""
    return _cron(due, 2, str(due.second))


def _serve(server: Server, root: Path, due: datetime) -> Runner:
    """The README's simple way: `python -m flows.serve FOLDER`, with the night due once at `due`
    and the publication (its own deployment) every 15 s from `due`'s minute on: the publications
    before the night find nothing to publish, the first one after it writes the reports."""
    folder = _mini_copy(root / "mini")
    processed = root / "processed"
    publication = _cron(due, RUN_TIMEOUT // 60 + 2, "*/15")
    return Runner(
        [sys.executable, "-m", "flows.serve", str(folder), "--processed-root", str(processed),
         "--cron", _night_at(due), "--publication-cron", publication, "--timezone", "UTC"],
        env={**server.env, "PYTHONPATH": str(ROOT)}, cwd=root, log=root / "serve.log",
        deployment="mini", db=processed / "mini" / "consultation.duckdb",
    )


def _work_pool(server: Server, root: Path, due: datetime) -> Runner:
    """The README's other way: `prefect work-pool create`, `prefect deploy --all`, a worker; the
    night due at `due` as `flows.serve`'s."""
    project = root / "project"
    assert 'cron: "0 2 * * *"\n        timezone: Europe/Paris' in (ROOT / "prefect.yaml").read_text(encoding="utf-8")
    shutil.copytree(ROOT / "flows", project / "flows", ignore=shutil.ignore_patterns("__pycache__"))
    _mini_copy(project / "data" / "raw" / "mini")
    (project / "prefect.yaml").write_text(
        (ROOT / "prefect.yaml").read_text(encoding="utf-8")
        .replace("name: segur-2020-sample", "name: mini-pool")
        .replace("segur-2020-sample", "mini")
        .replace('cron: "0 2 * * *"\n        timezone: Europe/Paris',
                 f'cron: "{_night_at(due)}"\n        timezone: UTC')
        # the night publishes within its run here (`flows.serve` covers the publication's own)
        .replace("publish: false", "publish: true"),
        encoding="utf-8",
    )
    # `prefect.yaml` resolves `{{ $PWD }}` when deploying, as a shell sets it after `cd project`.
    env = {**server.env, "PYTHONPATH": str(project), "PWD": str(project)}
    prefect = [sys.executable, "-m", "prefect"]
    for args in (["work-pool", "create", "consultation", "--type", "process"],
                 ["--no-prompt", "deploy", "--all"]):
        done = subprocess.run([*prefect, *args], env=env, cwd=project, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return Runner(
        [*prefect, "worker", "start", "--pool", "consultation"], env=env, cwd=project,
        log=root / "worker.log", deployment="mini-pool",
        db=project / "data" / "processed" / "mini" / "consultation.duckdb",
    )


@pytest.fixture(scope="module")
def runners(server, tmp_path_factory) -> dict[str, Runner]:
    """Both ways started side by side, so that one cron slot serves the two."""
    due = (datetime.now(UTC) + NIGHT_DELAY).replace(microsecond=0)
    started = {"serve": _serve(server, tmp_path_factory.mktemp("serve"), due)}
    try:
        started["pool"] = _work_pool(server, tmp_path_factory.mktemp("pool"), due)
        ids = {k: server.deployment_id("consultation-nightly", r.deployment) for k, r in started.items()}
        for key, runner in started.items():
            runner.run = server.wait_for_a_finished_run(ids[key], [r.proc for r in started.values()])
        serve = started["serve"]
        publication = server.deployment_id("consultation-reporting", serve.deployment)
        index = serve.db.parent / "index.html"

        def the_one_that_published(runs: list[dict]) -> dict | None:
            """A run that ended after the index was written (the ones before the night found
            nothing to publish)."""
            if not index.exists():
                return None
            written = datetime.fromtimestamp(index.stat().st_mtime, UTC)
            return next((r for r in runs if r["end_time"] and
                         datetime.fromisoformat(r["end_time"]) >= written), None)

        serve.publication = server.wait_for_a_finished_run(
            publication, [r.proc for r in started.values()], pick=the_one_that_published
        )
    finally:
        for runner in started.values():  # the runners first, then the server (fixture order)
            runner.stop()
    return started


def _assert_scheduler_ran_it(runner: Runner, server: Server) -> None:
    run = runner.run
    assert run["auto_scheduled"], "the run was not created by the scheduler"
    assert run["state"]["type"] == "COMPLETED", (
        f"state {run['state']['type']}: {run['state'].get('message')}\n"
        f"{runner.log.read_text(errors='replace')[-3000:]}"
    )
    assert "bulk DML" not in server.read_log()
    assert _respondents(runner.db) == 5  # the mini consultation's respondents, all ingested


def test_the_scheduler_creates_and_runs_the_nightly_run_served_by_flows_serve(server, runners):
    _assert_scheduler_ran_it(runners["serve"], server)
    assert "Traceback" not in runners["serve"].log.read_text(errors="replace")


def test_the_scheduler_runs_the_publication_served_by_flows_serve_apart_from_the_night(server, runners):
    serve = runners["serve"]
    run = serve.publication
    assert run["auto_scheduled"], "the publication run was not created by the scheduler"
    assert run["state"]["type"] == "COMPLETED", f"state {run['state']['type']}: {run['state'].get('message')}"
    index = serve.db.parent / "index.html"
    assert index.exists() and list((serve.db.parent / "reports").glob("*.html"))


def test_the_scheduler_runs_a_deployment_of_prefect_deploy_on_a_process_work_pool(server, runners):
    _assert_scheduler_ran_it(runners["pool"], server)
    assert (runners["pool"].db.parent / "index.html").exists()


def test_flows_serve_alone_starts_a_server_whose_scheduler_runs_the_night(tmp_path):
    """`python -m flows.serve FOLDER` with no server address: Prefect's temporary in-process server
    runs no scheduler, so on the code before, the night due here never ran (checked by hand: due
    twice within two minutes, nothing in four). Now flows.serve starts a real local server, the
    night runs by the schedule, and Ctrl+C stops both without a traceback."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
    env.update({
        "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5", "PYTHONPATH": str(ROOT),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(home / "storage"),
    })
    folder = _mini_copy(tmp_path / "mini")
    processed = tmp_path / "processed"
    # the local server starts first (20-60 s): the night is due from 90 s on, at the same second of
    # four minutes in a row, so that a slow start still finds a slot ahead
    due = (datetime.now(UTC) + timedelta(seconds=90)).replace(microsecond=0)
    runner = Runner(
        [sys.executable, "-m", "flows.serve", str(folder), "--processed-root", str(processed),
         "--cron", _cron(due, 4, str(due.second)), "--publication-cron", "manuelle", "--timezone", "UTC"],
        env=env, cwd=tmp_path, log=tmp_path / "serve.log", deployment="mini",
        db=processed / "mini" / "consultation.duckdb",
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while "interface sur http://127.0.0.1:" not in runner.log.read_text(errors="replace"):
            assert runner.proc.poll() is None and time.monotonic() < deadline, runner.log.read_text(errors="replace")
            time.sleep(1)
        text = runner.log.read_text(errors="replace")
        assert "Aucun serveur Prefect indiqué (PREFECT_API_URL) : démarrage d'un serveur local" in text
        api = "http://127.0.0.1:" + text.split("interface sur http://127.0.0.1:", 1)[1].split(",", 1)[0] + "/api"
        deadline = time.monotonic() + SERVER_START_TIMEOUT + RUN_TIMEOUT
        completed: list[dict] = []
        while not completed:
            assert runner.proc.poll() is None, runner.log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"no scheduled night completed:\n{runner.log.read_text(errors='replace')[-3000:]}"
            time.sleep(2)
            try:
                runs = httpx.post(f"{api}/flow_runs/filter", json={"limit": 50}, timeout=10).json()
            except httpx.HTTPError:
                continue
            completed = [r for r in runs if r["auto_scheduled"] and r["state"]["type"] == "COMPLETED"
                         and r["name"] and r.get("deployment_id")]
        assert _respondents(runner.db) == 5
    finally:
        # SIGINT, as Ctrl+C in the terminal; on a loaded machine the runner's own shutdown (pausing
        # its deployments, a night in progress cancelled) then the server's take a while
        stop(runner.proc, timeout=STOP_WAIT)
        runner.stop()
        outlived = answers(api, timeout=2) if "api" in locals() else False
        if outlived:  # never leave it running for the rest of the suite
            subprocess.run(["pkill", "-KILL", "-f", f"prefect server start .*--port {api.split(':')[2].split('/')[0]}"])
    assert runner.proc.returncode == 0
    log = runner.log.read_text(errors="replace")
    assert "Traceback" not in log and "Arrêt du serveur Prefect local…" in log
    assert not outlived, "the local Prefect server outlived flows.serve"
    assert (processed / "serveur-prefect.log").exists()



def test_a_second_flows_serve_of_the_same_consultation_is_refused_while_the_first_serves(server, tmp_path):
    """Two runners serving the same deployments: when one stops, Prefect pauses them by name, and
    the other's nights stop firing (seen by hand). The second is refused, in French."""
    folder = _mini_copy(tmp_path / "mini")
    config = folder / "consultation.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("id: mini", "id: mini-double", 1), encoding="utf-8")
    argv = [sys.executable, "-m", "flows.serve", str(folder), "--processed-root", str(tmp_path / "processed")]
    env = {**server.env, "PYTHONPATH": str(ROOT)}
    first = Runner(argv, env=env, cwd=tmp_path, log=tmp_path / "first.log", deployment="mini-double",
                   db=tmp_path / "processed" / "mini-double" / "consultation.duckdb")
    try:
        deadline = time.monotonic() + 120
        while True:
            assert first.proc.poll() is None, first.log.read_text(errors="replace")
            response = httpx.get(f"{server.api}/deployments/name/consultation-nightly/mini-double", timeout=10)
            if response.status_code == 200 and response.json().get("last_polled"):
                break
            assert time.monotonic() < deadline, "the first flows.serve never polled"
            time.sleep(2)
        second = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert second.returncode == 2, second.stdout + second.stderr
        assert ("Erreur : consultation-nightly/mini-double, consultation-reporting/mini-double : déjà servis "
                "par un autre processus") in second.stderr
        assert "Traceback" not in second.stderr + second.stdout
        assert first.proc.poll() is None  # the first one still serves
    finally:
        first.stop()


_HOLD_A_LOCAL_SERVER = """
import sys, time
from pathlib import Path
from flows.local_server import server_for_schedules
with server_for_schedules(Path(sys.argv[1])) as api:
    print("API", api, flush=True)
    time.sleep(3600)
"""


def test_the_local_server_stops_when_flows_serve_is_killed_outright(tmp_path):
    """SIGKILL (or the out-of-memory killer) leaves flows.serve no `finally` to stop the local server
    it started in its own session: on the code before, that server ran on, port open, after its
    parent was gone. Now it is bound to its parent's life and stops by itself."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
    env.update({"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                "PYTHONPATH": str(ROOT)})
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_A_LOCAL_SERVER, str(tmp_path / "logs")],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    api = None
    try:
        assert holder.stdout is not None
        for line in holder.stdout:  # the holder prints the address once the server answers
            if line.startswith("API "):
                api = line.split()[1]
                break
        assert api and answers(api), (tmp_path / "logs" / "serveur-prefect.log").read_text(errors="replace")
        holder.kill()
        holder.wait(timeout=30)
        deadline = time.monotonic() + STOP_WAIT
        while answers(api, timeout=2) and time.monotonic() < deadline:
            time.sleep(1)
        outlived = answers(api, timeout=2)
    finally:
        if holder.poll() is None:
            holder.kill()
        if api and answers(api, timeout=2):  # never leave it running for the rest of the suite
            subprocess.run(["pkill", "-KILL", "-f", f"prefect server start .*--port {api.split(':')[2].split('/')[0]}"])
    assert not outlived, "the local Prefect server outlived a killed flows.serve"


def test_flows_check_names_a_work_pool_without_worker_the_late_nights_and_what_is_not_deployed(server, tmp_path):
    """`prefect deploy` with no worker leaves every night « Late » on the server, and nothing says
    so outside the UI. `python -m flows.check` says it, from the real server's state: a pool nobody
    polls, a night the server's own late-runs service marked late, a pool that does not exist, a
    deployment never deployed."""
    done = subprocess.run([sys.executable, "-m", "prefect", "work-pool", "create", "sans-worker", "--type", "process"],
                          env=server.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    flow = httpx.post(f"{server.api}/flows/", json={"name": "consultation-nightly"}, timeout=10).json()
    deployment = httpx.post(f"{server.api}/deployments/", json={
        "name": "verif-sans-worker", "flow_id": flow["id"], "work_pool_name": "sans-worker",
        "entrypoint": "flows/nightly.py:nightly"}, timeout=10).json()
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    run = httpx.post(f"{server.api}/deployments/{deployment['id']}/create_flow_run", json={
        "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": past}}}, timeout=10)
    assert run.status_code == 201, run.text
    project = tmp_path / "project"
    (project / "data" / "raw").mkdir(parents=True)
    (project / "flows").symlink_to(ROOT / "flows")
    _mini_copy(project / "data" / "raw" / "verif")
    text = (ROOT / "prefect.yaml").read_text(encoding="utf-8").replace("segur-2020-sample", "verif")  # no other test deploys « verif »
    pool = "      name: consultation\n"
    assert text.count(pool) == 2, "prefect.yaml's two deployments name their work pool"
    text = text.replace("name: verif\n", "name: verif-sans-worker\n", 1)
    text = text.replace(pool, "      name: sans-worker\n", 1).replace(pool, "      name: absent-pool\n", 1)
    (project / "prefect.yaml").write_text(text, encoding="utf-8")
    deadline = time.monotonic() + 120  # the late-runs service marks it within ~20 s
    while True:
        done = subprocess.run([sys.executable, "-m", "flows.check"], env={**server.env, "PYTHONPATH": str(ROOT)},
                              cwd=project, capture_output=True, text=True, timeout=300)
        if "en retard, prévue" in done.stdout or time.monotonic() > deadline:  # not « aucune exécution en retard »
            break
        time.sleep(3)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out
    assert "aucun worker n'interroge le work pool « sans-worker »" in out
    assert "le work pool « absent-pool » n'existe pas : prefect work-pool create absent-pool --type process" in out
    assert "consultation-nightly/verif-sans-worker : 1 exécution en retard, prévue " in out
    assert "consultation-reporting/verif n'est pas déployé sur ce serveur" in out
