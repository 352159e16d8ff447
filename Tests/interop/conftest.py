"""pytest fixtures: a real `cirrus serve` and clients talking to it.

Environment:
  CIRRUS_BINARY                 server executable (default <repo>/.build/debug/cirrus)
  CIRRUS_INTEROP_DATABASE_URL   if set, passed as `--database` (PostgreSQL run)
  CIRRUS_INTEROP_LOG_DIR        where server.log goes (default: a pytest temp dir)
  CIRRUS_INTEROP_PIDFILE        if set, the server's pid is written there (scripts/test.sh
                                kills it from its EXIT trap should pytest itself die)
  CIRRUS_INTEROP_START_TIMEOUT  seconds to wait for the API to answer (default 30)
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cirrus_helpers as h  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Interop-Admin-S3cret"


@dataclass
class CirrusServer:
    port: int
    api_url: str
    log_path: Path
    data_dir: Path
    database_url: str | None
    proc: subprocess.Popen
    admin_password: str = ADMIN_PASSWORD
    ready: bool = False

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as e:
            return f"(cannot read {self.log_path}: {e})"
        return "\n".join(text.splitlines()[-lines:])


_SERVER: CirrusServer | None = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _supports_host_option(binary: Path) -> bool:
    try:
        out = subprocess.run([str(binary), "serve", "--help"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return "--host" in out.stdout + out.stderr


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def _sigterm(signum, frame):  # let pytest run fixture teardown (stops the server)
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _sigterm)


def cirrus_binary() -> Path:
    binary = Path(os.environ.get("CIRRUS_BINARY") or REPO / ".build" / "debug" / "cirrus")
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"cirrus binary not found at {binary} (run `swift build` first)", pytrace=False)
    return binary


def launch_cirrus(data_dir: Path, log_path: Path, db_url: str | None = None, pidfile: str | None = None) -> CirrusServer:
    """Starts `cirrus serve` on free loopback ports with `data_dir` and waits until it answers
    (a test that needs a server of its own, e.g. to kill and restart it, calls this too)."""
    binary = cirrus_binary()
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/client/api"
    cmd = [str(binary), "serve", "--port", str(port), "--data-dir", str(data_dir)]
    # A free agent port too, so that a server left running elsewhere on 8250 does not stop this one.
    cmd += ["--agent-port", str(_free_port())]
    if _supports_host_option(binary):
        cmd += ["--host", "127.0.0.1"]  # listen on loopback only
    if db_url:
        cmd += ["--database", db_url]
    env = dict(os.environ, CIRRUS_ADMIN_PASSWORD=ADMIN_PASSWORD)
    logf = open(log_path, "ab")
    logf.write(f"### {' '.join(cmd)}\n".encode())
    logf.flush()
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, cwd=str(REPO), start_new_session=True)
    logf.close()  # the child keeps its own descriptor
    atexit.register(_stop, proc)
    if pidfile:
        Path(pidfile).write_text(f"{proc.pid}\n")
    server = CirrusServer(port=port, api_url=api_url, log_path=log_path, data_dir=data_dir,
                          database_url=db_url, proc=proc)
    timeout = float(os.environ.get("CIRRUS_INTEROP_START_TIMEOUT", "30"))
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"cirrus serve exited with {proc.returncode} before answering; log {log_path}:\n"
                        f"{server.log_tail()}", pytrace=False)
        try:
            requests.get(api_url, params={"command": "listCapabilities", "response": "json"}, timeout=2)
            server.ready = True
            return server  # any HTTP answer (401 expected) means it is listening
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(f"cirrus serve did not answer on {api_url} within {timeout:.0f}s; log {log_path}:\n"
                        f"{server.log_tail()}", pytrace=False)
        time.sleep(0.1)


@pytest.fixture(scope="session")
def cirrus_server(tmp_path_factory) -> CirrusServer:
    global _SERVER
    log_dir = Path(os.environ["CIRRUS_INTEROP_LOG_DIR"]) if os.environ.get("CIRRUS_INTEROP_LOG_DIR") \
        else tmp_path_factory.mktemp("server")
    log_dir.mkdir(parents=True, exist_ok=True)
    db_url = os.environ.get("CIRRUS_INTEROP_DATABASE_URL") or None
    server = launch_cirrus(tmp_path_factory.mktemp("data"), log_dir / "server.log", db_url,
                           pidfile=os.environ.get("CIRRUS_INTEROP_PIDFILE"))
    _SERVER = server
    proc = server.proc
    print(f"\ncirrus serve (pid {proc.pid}) on {server.api_url}, "
          f"{'PostgreSQL ' + db_url if db_url else 'embedded SQLite'}; log {server.log_path}")

    try:
        yield server
    finally:
        _stop(proc)
        if os.environ.get("CIRRUS_INTEROP_PIDFILE"):
            Path(os.environ["CIRRUS_INTEROP_PIDFILE"]).unlink(missing_ok=True)
        if proc.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
            print(f"\ncirrus serve exited with {proc.returncode}; log {server.log_path}")


@pytest.fixture(scope="session")
def api_url(cirrus_server) -> str:
    return cirrus_server.api_url


@pytest.fixture(scope="session")
def admin_session(cirrus_server) -> h.SessionClient:
    """Root admin logged in with username/password (sessionkey + cookies)."""
    return h.login(cirrus_server.api_url, "admin", cirrus_server.admin_password, "/")


@pytest.fixture(scope="session")
def admin_user(admin_session) -> dict:
    body = admin_session.call("listUsers", username="admin", listall=True)
    users = [u for u in h.items(body, "user") if u["username"] == "admin" and u["account"] == "admin"]
    assert len(users) == 1, body
    return users[0]


@pytest.fixture(scope="session")
def admin_keys(admin_session, admin_user) -> tuple[str, str]:
    """(apikey, secretkey) of the admin user, registered once per session.
    Tests must not registerUserKeys for the admin user again."""
    return h.register_keys(admin_session, admin_user["id"])


@pytest.fixture(scope="session")
def admin_api(cirrus_server, admin_keys) -> h.ApiKeyClient:
    """Admin client signing by hand (plain signature, as libcloud)."""
    return h.ApiKeyClient(cirrus_server.api_url, *admin_keys)


@pytest.fixture(scope="session")
def admin_cs(cirrus_server, admin_keys):
    """The `cs` library as admin (signatureVersion=3 + expires)."""
    from cs import CloudStack
    return CloudStack(endpoint=cirrus_server.api_url, key=admin_keys[0], secret=admin_keys[1],
                      timeout=30, poll_interval=0.2, job_timeout=int(h.JOB_TIMEOUT))


@pytest.fixture(scope="session")
def libcloud_driver(cirrus_server, admin_keys):
    """libcloud's CloudStack driver as admin. host/port/path and secure=False
    (with url= libcloud would still default to TLS, reference §8.2)."""
    from libcloud.compute.providers import get_driver
    from libcloud.compute.types import Provider
    cls = get_driver(Provider.CLOUDSTACK)
    return cls(admin_keys[0], admin_keys[1], host="127.0.0.1", port=cirrus_server.port,
               path="/client/api", secure=False)


# --------------------------------------------------------------------------
# On failure: attach what the server logged during the test.

_LOG_OFFSET = pytest.StashKey[int]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if _SERVER is not None:
        try:
            item.stash[_LOG_OFFSET] = _SERVER.log_path.stat().st_size
        except OSError:
            pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    # (a server that never came up is reported by the fixture's own message)
    if not report.failed or _SERVER is None or not _SERVER.ready or call.when == "teardown":
        return
    start = item.stash.get(_LOG_OFFSET, 0)
    try:
        with open(_SERVER.log_path, "rb") as f:
            f.seek(start)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return
    lines = text.splitlines()
    if len(lines) > 150:
        lines = [f"… ({len(lines) - 150} earlier lines in {_SERVER.log_path})"] + lines[-150:]
    report.sections.append((f"cirrus server log ({_SERVER.log_path})", "\n".join(lines) or "(nothing logged)"))


def pytest_terminal_summary(terminalreporter, exitstatus):
    if _SERVER is None:
        return
    terminalreporter.write_line(f"cirrus server log: {_SERVER.log_path}")
    if exitstatus not in (0, 5):
        terminalreporter.section("cirrus server log (last 60 lines)")
        terminalreporter.write_line(_SERVER.log_tail(60))
