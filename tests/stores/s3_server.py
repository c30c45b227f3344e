"""An S3 server on loopback for the tests: moto's server, started by scripts/s3-server.sh (its
own venv, created on first use) on a free port, once per test session (per xdist worker), and
stopped whatever happens. Registered in tests/conftest.py, so any test folder may use the
`s3_server` fixture (the environment the script printed: FS_S3_ENDPOINT, FS_S3_ACCESS_KEY...).

If moto cannot be installed (no network to PyPI), the tests that need it are skipped with the
reason; CI installs it beforehand (.ci/run: `make objectstores`), and fails on skips."""

import atexit
import shlex
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "s3-server.sh"
NOT_INSTALLABLE = 3  # the script's exit status when moto cannot be installed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    """One moto server in `folder`; `env` holds what the start script printed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env: dict[str, str] = {}
        self._stopped = True

    def start(self) -> "S3Server":
        for _attempt in range(3):  # the free port may be taken between the probe and the bind
            port = free_port()
            result = subprocess.run(
                ["bash", str(SCRIPT), "start", str(self.folder), str(port)],
                capture_output=True,
                text=True,
                timeout=900,  # a first use installs moto (about 30 s, more on a busy machine)
            )
            if result.returncode == 0:
                break
            if result.returncode == NOT_INSTALLABLE:
                reason = result.stderr.strip().splitlines()[-1:] or ["no reason given"]
                pytest.skip(f"the S3 test server (moto) cannot be set up: {reason[0]}")
        else:
            raise RuntimeError(f"moto did not start: {result.stderr.strip()}")
        self._stopped = False
        atexit.register(self.stop)  # should the session end without its teardown
        for line in result.stdout.splitlines():
            if line.startswith("export "):
                name, _, value = shlex.split(line)[1].partition("=")
                self.env[name] = value
        return self

    @property
    def endpoint(self) -> str:
        return self.env["FS_S3_ENDPOINT"]

    def options(self) -> dict[str, str]:
        """The OPTIONS of kitsufiles.stores.s3.S3ObjectStorage for this server (add `bucket`
        and `bucket_prefix`), as config.s3_options reads them from the FS_S3_* variables."""
        return {
            "endpoint_url": self.env["FS_S3_ENDPOINT"],
            "region": self.env["FS_S3_REGION"],
            "access_key": self.env["FS_S3_ACCESS_KEY"],
            "secret_key": self.env["FS_S3_SECRET_KEY"],
        }

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        subprocess.run(
            ["bash", str(SCRIPT), "stop", str(self.folder)],
            capture_output=True,
            timeout=60,
        )


def start_s3_server(folder: Path) -> S3Server:
    return S3Server(folder).start()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    server = S3Server(tmp_path_factory.mktemp("s3-server"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
