"""Least privilege around the root sandbox daemon: a group may be given its socket, and the daemon refuses to
run from code that someone other than root can change."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from sandbox.runtime import client

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534
# A non-root process pings the daemon with the standard library only (the framing of protocol.py).
PING = """
import json, socket, struct, sys
with socket.socket(socket.AF_UNIX) as sock:
    sock.settimeout(10)
    try:
        sock.connect(sys.argv[1])
    except PermissionError:
        print("refused"); raise SystemExit(0)
    body = json.dumps({"op": "ping"}).encode()
    sock.sendall(struct.pack(">I", len(body)) + body)
    size = struct.unpack(">I", sock.recv(4))[0]
    print("pong" if json.loads(sock.recv(size)).get("pid") else "bad reply")
"""


def ping_as_nobody(path: str, groups: str | None) -> str:
    group_args = ["--groups", groups] if groups else ["--clear-groups"]
    command = ["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), *group_args]
    command += ["/usr/bin/python3", "-I", "-S", "-c", PING, path]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout.strip()


def test_a_daemon_started_with_a_group_answers_its_members_and_refuses_everyone_else(monkeypatch):
    group = "users"
    gid = 100
    run_dir = f"/run/examprep/test-{os.getpid()}-group-{uuid.uuid4().hex[:6]}"
    path = f"{run_dir}/sandbox.sock"
    monkeypatch.setenv(client.GROUP_SETTING, group)
    answer = client.ensure_daemon(path)
    try:
        info = os.stat(path)
        member = ping_as_nobody(path, str(gid))
        stranger = ping_as_nobody(path, None)
    finally:
        client.stop_daemon(answer, path)
        shutil.rmtree(run_dir, ignore_errors=True)

    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (0, gid, 0o660)
    assert member == "pong"
    assert stranger == "refused"


def test_a_daemon_without_a_group_keeps_its_socket_to_root(monkeypatch):
    run_dir = f"/run/examprep/test-{os.getpid()}-root-{uuid.uuid4().hex[:6]}"
    path = f"{run_dir}/sandbox.sock"
    monkeypatch.delenv(client.GROUP_SETTING, raising=False)
    answer = client.ensure_daemon(path)
    try:
        info = os.stat(path)
        member_of_users = ping_as_nobody(path, "100")
    finally:
        client.stop_daemon(answer, path)
        shutil.rmtree(run_dir, ignore_errors=True)

    assert (info.st_uid, info.st_mode & 0o777) == (0, 0o600)
    assert member_of_users == "refused"


def test_root_asking_for_a_socket_group_restarts_a_daemon_of_this_checkout_that_serves_none(monkeypatch):
    run_dir = f"/run/examprep/test-{os.getpid()}-regroup-{uuid.uuid4().hex[:6]}"
    path = f"{run_dir}/sandbox.sock"
    monkeypatch.delenv(client.GROUP_SETTING, raising=False)
    first = client.ensure_daemon(path)
    monkeypatch.setenv(client.GROUP_SETTING, "users")
    second = None
    try:
        second = client.ensure_daemon(path)
        info = os.stat(path)
    finally:
        client.stop_daemon(second or first, path)
        shutil.rmtree(run_dir, ignore_errors=True)

    assert second["pid"] != first["pid"]
    assert (first["group"], second["group"]) == (None, 100)
    assert (info.st_gid, info.st_mode & 0o777) == (100, 0o660)


def test_a_daemon_asked_for_a_group_that_does_not_exist_does_not_start(monkeypatch):
    run_dir = f"/run/examprep/test-{os.getpid()}-nogroup-{uuid.uuid4().hex[:6]}"
    path = f"{run_dir}/sandbox.sock"
    monkeypatch.setenv(client.GROUP_SETTING, "examprep-no-such-group")
    try:
        with pytest.raises(client.SandboxUnavailable, match="did not start"):
            client.ensure_daemon(path, wait_s=3)
        log = Path(run_dir, "daemon.log").read_text()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    assert "the socket group 'examprep-no-such-group' does not exist" in log


def start_from_copy(copy_parent: Path, run_dir: str, monkeypatch, dev: bool) -> subprocess.Popen:
    """Start the daemon in the foreground from a copy of the checkout with one file that nobody (uid 65534) owns."""
    copy = copy_parent / "checkout"
    shutil.copytree(ROOT / "sandbox", copy / "sandbox", ignore=shutil.ignore_patterns("tests", "__pycache__"))
    os.chown(copy / "sandbox" / "runtime" / "daemon.py", NOBODY, NOBODY)
    monkeypatch.delenv(client.GROUP_SETTING, raising=False)
    if dev:
        monkeypatch.setenv(client.DEV_FLAG, "1")
    else:
        monkeypatch.delenv(client.DEV_FLAG, raising=False)
    os.makedirs(run_dir, mode=0o711)
    command, program = client.daemon_command(f"{run_dir}/sandbox.sock", root=str(copy))
    try:
        return subprocess.Popen(
            command, env={}, cwd="/", pass_fds=(program,), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
    finally:
        os.close(program)


def test_the_daemon_refuses_to_run_from_code_another_user_can_change(tmp_path, monkeypatch):
    run_dir = f"/run/examprep/test-{os.getpid()}-copy-{uuid.uuid4().hex[:6]}"
    daemon = start_from_copy(tmp_path, run_dir, monkeypatch, dev=False)
    try:
        _, errors = daemon.communicate(timeout=30)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    assert daemon.returncode == 2
    assert f"{tmp_path}/checkout/sandbox/runtime/daemon.py is writable by a user other than root" in errors
    assert "listening" not in errors


def test_the_development_flag_lets_the_daemon_run_from_a_writable_checkout(tmp_path, monkeypatch):
    run_dir = f"/run/examprep/test-{os.getpid()}-dev-{uuid.uuid4().hex[:6]}"
    path = f"{run_dir}/sandbox.sock"
    daemon = start_from_copy(tmp_path, run_dir, monkeypatch, dev=True)
    try:
        deadline = time.monotonic() + 30
        answer = None
        while answer is None and daemon.poll() is None and time.monotonic() < deadline:
            answer = client.ping(path)
            time.sleep(0.05)
        if answer:
            client.stop_daemon(answer, path)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        daemon.communicate(timeout=30)
        shutil.rmtree(run_dir, ignore_errors=True)

    assert answer is not None
    assert answer["root"] == str(tmp_path / "checkout")
