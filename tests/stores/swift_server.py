"""A real OpenStack Swift on loopback for the tests (scripts/swift-server.sh: Debian's swift
packages, tempauth, s3api, tempurl, slo), started once per test session (per xdist worker) on
free ports, and stopped whatever happens: the fixture's finally, and atexit for a session
that ends without running it. Registered in tests/conftest.py.

Without the packages the Swift tests are skipped with the reason (CI=true turns skips into
failures, and .ci/run installs them)."""

import atexit
import random
import shlex
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "swift-server.sh"
COMMANDS = ("swift-proxy-server", "swift-account-server", "swift-container-server")
COMMANDS += ("swift-object-server", "swift-ring-builder", "memcached", "curl")
MISSING_REASON = (
    "OpenStack Swift is not installed: apt-get install swift swift-proxy swift-account "
    "swift-container swift-object memcached curl"
)


def swift_missing() -> bool:
    return any(shutil.which(command) is None for command in COMMANDS)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_base(count: int = 5) -> int:
    """The first of `count` consecutive free ports on loopback."""
    for _ in range(200):
        base = random.randrange(20000, 60000 - count)
        if all(_port_is_free(base + offset) for offset in range(count)):
            return base
    raise RuntimeError("no free range of ports on 127.0.0.1")


@dataclass
class SwiftServer:
    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    stopped: bool = False

    @property
    def auth_url(self) -> str:
        return self.env["FS_SWIFT_AUTHURL"]

    @property
    def s3_endpoint(self) -> str:
        return self.env["SWIFT_S3_ENDPOINT"]

    @property
    def proxy_pid(self) -> int:
        return int((self.directory / "pids" / "proxy.pid").read_text())

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        subprocess.run(["bash", str(SCRIPT), "stop", str(self.directory)], timeout=120, check=False)

    def options(self) -> dict:
        """The OPTIONS of a SwiftObjectStorage on this server (tempauth, v1), with short
        bounds: what settings would build from FS_SWIFT_*, for the apps' tests."""
        return {
            "auth_url": self.auth_url,
            "user": self.env["FS_SWIFT_USER"],
            "key": self.env["FS_SWIFT_KEY"],
            "auth_version": self.env["FS_SWIFT_AUTH_VERSION"],
            "timeout": 5.0,
            "retries": 1,
        }

    def store(self, **options):
        """A SwiftObjectStorage on this server; `options` on top of `options()`."""
        from kitsufiles.stores.swift import SwiftObjectStorage

        return SwiftObjectStorage(**{**self.options(), **options})


def start_swift(directory: Path, attempts: int = 2) -> SwiftServer:
    """Start a Swift in `directory` on free ports (another range if one was taken between
    the check and the start); stopped again if the start fails."""
    server = SwiftServer(directory)
    for attempt in range(attempts):
        try:
            result = subprocess.run(
                ["bash", str(SCRIPT), "start", str(directory), str(free_port_base())],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        except BaseException:
            server.stop()
            raise
        if result.returncode == 0:
            break
        subprocess.run(["bash", str(SCRIPT), "stop", str(directory)], timeout=120, check=False)
        if attempt == attempts - 1:
            server.stopped = True
            raise RuntimeError(f"scripts/swift-server.sh start failed:\n{result.stderr}")
    for line in result.stdout.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            server.env[name] = shlex.split(value)[0] if value else ""
    return server


@pytest.fixture(scope="session")
def swift_server(tmp_path_factory) -> Iterator[SwiftServer]:
    if swift_missing():
        pytest.skip(MISSING_REASON)
    server = start_swift(tmp_path_factory.mktemp("swift"))
    atexit.register(server.stop)
    try:
        yield server
    finally:
        server.stop()


def unique_prefix() -> str:
    """A bucket prefix of a test's own: fresh containers for each test on a shared server."""
    return f"t{uuid.uuid4().hex[:10]}-"
