"""Run compose.yaml's topology as plain processes on this machine.

Containers cannot run here, so this starts what `docker compose up` would:
PostgreSQL and Redis (the compose file's redis-server command, AOF on), the
one-shot migrate, web (gunicorn), the worker service's replicas as separate
"hosts" and one beat, each with the service's own command and environment
from compose.yaml. What differs is only what a container provides:

- service names resolve through POSTGRES_HOST/REDIS_HOST (127.0.0.1 here) and
  ports are free ports (compose.yaml takes both as variables);
- each host gets its own directory for what a container keeps in /tmp (so
  every "/tmp/..." in a command or variable is moved there), its own
  HOSTNAME (the %h of Celery's --hostname) and its own worker metrics port;
- the environment starts empty, like a container's, with the image's
  variables (PATH to this virtualenv, PYTHONUNBUFFERED).

Usage: .venv/bin/python scripts/topology.py --dir /tmp/topo [--env KEY=VALUE ...]
It writes <dir>/topology.json once every health check passes, then runs
until SIGTERM or Ctrl-C, and stops everything.
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Debian's newest PostgreSQL, else whichever initdb is on PATH (as test_services.sh).
_DEBIAN_PG = sorted(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
)
PG_BIN = Path(
    os.environ.get("PG_BIN")
    or (_DEBIAN_PG[-1] if _DEBIAN_PG else Path(shutil.which("initdb") or "/").parent)
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}")


def interpolate(value, variables: dict[str, str]):
    """Compose's variable interpolation: ${X}, ${X:-default}, ${X:?error}, $$."""
    if isinstance(value, dict):
        return {k: interpolate(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, variables) for v in value]
    if not isinstance(value, str):
        return value

    def one(match):
        if match.group(0) == "$$":
            return "$"
        name, kind, arg = match.groups()
        given = variables.get(name, "")
        if kind == "?" and not given:
            raise SystemExit(f"compose.yaml: {name}: {arg}")
        return given if given or kind != "-" else arg

    return _VARIABLE.sub(one, value)


def image_environment() -> dict[str, str]:
    """The Dockerfile's ENV lines, with PATH pointing at this virtualenv."""
    return {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PROMETHEUS_MULTIPROC_DIR": "/tmp/prometheus",
        "LANG": "C.UTF-8",
    }


def as_host(value, tmp: Path):
    """Move a container's /tmp paths into the host's own directory."""
    if isinstance(value, list):
        return [as_host(v, tmp) for v in value]
    text = str(value)
    # This checkout's own paths (PATH to its virtualenv) stay as they are, also
    # when the checkout itself lives under /tmp (a CI clone).
    if text.startswith(str(ROOT)) or ":" in text:
        return text
    return text.replace("/tmp/", f"{tmp}/")


class Topology:
    def __init__(self, directory: Path, overrides: dict[str, str]):
        self.dir = directory
        self.logs = directory / "logs"
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.variables = {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(40),
            "POSTGRES_PASSWORD": secrets.token_urlsafe(12),
            "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(free_port()),
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(free_port()),
            "WEB_PORT": str(free_port()),
        } | overrides
        self.compose = interpolate(
            yaml.safe_load((ROOT / "compose.yaml").read_text()), self.variables
        )
        self.services = self.compose["services"]
        self.hosts: dict[str, dict] = {}
        # PostgreSQL refuses to run as root: as its own user, as in its image.
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []

    # -- the host of each process -------------------------------------------------
    def host(self, name: str, service: str, **extra: str) -> dict[str, str]:
        tmp = self.dir / "hosts" / name / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        env = image_environment() | {
            k: str(v) for k, v in self.services[service].get("environment", {}).items()
        }
        env = {k: as_host(v, tmp) for k, v in env.items()}
        env |= {"HOSTNAME": name, "TMPDIR": str(tmp), "HOME": str(tmp)} | extra
        self.hosts[name] = {"service": service, "env": env, "tmp": str(tmp)}
        return env

    def spawn(self, name: str, command: list[str], env: dict[str, str]):
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115
        if name in self.hosts:
            command = [c.replace("%h", name) for c in as_host(command, env["TMPDIR"])]
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((name, proc))
        if name in self.hosts:
            self.hosts[name]["pid"] = proc.pid
        return proc

    # -- services -----------------------------------------------------------------
    def start_postgres(self):
        spec = self.services["postgres"]["environment"]
        data = self.dir / "postgres"
        data.mkdir(parents=True, exist_ok=True)
        (self.dir / "pwfile").write_text(spec["POSTGRES_PASSWORD"])
        as_pg = self.as_pg
        if as_pg:
            shutil.chown(data, "postgres")
            shutil.chown(self.dir / "pwfile", "postgres")
        subprocess.run(
            [*as_pg, PG_BIN / "initdb", "-D", data, "-U", spec["POSTGRES_USER"],
             f"--pwfile={self.dir / 'pwfile'}", "--auth=scram-sha-256", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        port = self.variables["POSTGRES_PORT"]
        self.spawn(
            "postgres",
            [*as_pg, str(PG_BIN / "postgres"), "-D", str(data), "-p", port,
             "-k", str(data), "-c", "listen_addresses=127.0.0.1"],
            image_environment(),
        )  # fmt: skip
        env = image_environment() | {
            "PGPASSWORD": spec["POSTGRES_PASSWORD"],
            "PGHOST": "127.0.0.1",
            "PGPORT": port,
            "PGUSER": spec["POSTGRES_USER"],
        }
        check = [str(PG_BIN / "pg_isready"), "-d", "postgres"]
        self.wait(
            "postgres",
            lambda: subprocess.run(check, env=env, capture_output=True).returncode == 0,
        )
        subprocess.run(
            [str(PG_BIN / "createdb"), spec["POSTGRES_DB"]], env=env, check=True
        )

    def start_redis(self):
        data = self.dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        port = self.variables["REDIS_PORT"]
        command = self.services["redis"]["command"]
        self.spawn(
            "redis",
            [*command, "--port", port, "--bind", "127.0.0.1", "--dir", str(data)],
            image_environment(),
        )
        ping = ["redis-cli", "-p", port, "ping"]
        self.wait(
            "redis", lambda: subprocess.run(ping, capture_output=True).stdout.strip()
        )

    def build(self):
        """The image build's one step beyond installing: collect static files."""
        env = image_environment() | {
            "DJANGO_SECRET_KEY": "collectstatic-only",
            "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(bytes(32)).decode(),
            "JWT_SIGNING_KEY": "collectstatic-only",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DATABASE_URL": f"sqlite:///{self.dir}/unused.sqlite3",
            "REDIS_URL": "redis://localhost:6379/0",
        }
        subprocess.run(
            ["python", "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip

    def start_app(self, workers: int | None):
        migrate = self.spawn(
            "migrate",
            self.services["migrate"]["command"],
            self.host("migrate", "migrate"),
        )
        if migrate.wait(timeout=300) != 0:
            raise SystemExit("migrate failed; see logs/migrate.log")
        self.spawn("web", self.services["web"]["command"], self.host("web", "web"))
        replicas = workers or self.services["worker"].get("deploy", {}).get(
            "replicas", 1
        )
        for n in range(replicas):
            name = f"worker-host-{chr(ord('a') + n)}"
            env = self.host(name, "worker", WORKER_METRICS_PORT=str(free_port()))
            self.hosts[name]["metrics_port"] = int(env["WORKER_METRICS_PORT"])
            self.spawn(name, self.services["worker"]["command"], env)
        self.spawn("beat", self.services["beat"]["command"], self.host("beat", "beat"))
        for name, info in self.hosts.items():
            test = self.services[info["service"]].get("healthcheck", {}).get("test")
            if test:
                self.wait(name, lambda test=test, info=info: self.healthy(test, info))

    def healthy(self, test: list[str], info: dict) -> bool:
        kind, *command = test
        if kind == "CMD-SHELL":
            command = ["sh", "-c", command[0]]
        done = subprocess.run(
            command, cwd=ROOT, env=info["env"], capture_output=True, timeout=30
        )
        return done.returncode == 0

    def wait(self, name: str, ready, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc_name, proc in self.processes:
                if proc.poll() is not None and proc_name != "migrate":
                    raise SystemExit(f"{proc_name} exited; see logs/{proc_name}.log")
            if ready():
                return
            time.sleep(0.3)
        raise SystemExit(f"{name} not healthy after {timeout}s")

    def describe(self) -> dict:
        web = self.hosts["web"]["env"]
        return {
            "web_url": f"http://127.0.0.1:{self.variables['WEB_PORT']}",
            "database_url": web["DATABASE_URL"],
            "redis_url": web["REDIS_URL"],
            "app_env": web,
            "hosts": self.hosts,
            "servers": {
                name: proc.pid
                for name, proc in self.processes
                if name in ("postgres", "redis")
            },
        }

    def stop(self):
        """Application processes first, all at once, then Redis, then PostgreSQL."""
        servers = {"postgres", "redis"}
        app = [p for name, p in self.processes if name not in servers]
        for proc in app:
            if proc.poll() is None:
                proc.terminate()
        self._reap(app)
        for name, proc in reversed(self.processes):
            if name == "redis" and proc.poll() is None:
                proc.terminate()
            elif name == "postgres" and proc.poll() is None:
                # A fast shutdown (SIGTERM would wait for clients), through
                # pg_ctl because runuser does not pass signals on.
                subprocess.run(
                    [*self.as_pg, PG_BIN / "pg_ctl", "-D", self.dir / "postgres",
                     "-m", "fast", "stop"],
                    stdout=subprocess.DEVNULL, check=False,
                )  # fmt: skip
        self._reap([p for name, p in self.processes if name in servers])

    @staticmethod
    def _reap(processes, timeout: float = 30):
        deadline = time.monotonic() + timeout
        for proc in processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, help="worker hosts (compose: replicas)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    overrides = dict(item.split("=", 1) for item in args.env)
    topology = Topology(args.dir.resolve(), overrides)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        topology.build()
        topology.start_postgres()
        topology.start_redis()
        topology.start_app(args.workers)
        (args.dir / "topology.json").write_text(
            json.dumps(topology.describe(), indent=2)
        )
        print(f"ready: {topology.describe()['web_url']}", flush=True)
        while not stopping:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        topology.stop()


if __name__ == "__main__":
    main()
