"""``make run`` as root: web, worker and Redis run as the service user, only the sandbox daemon as root.

``python -m examprep.service_user --prepare`` (root) creates the group ``examprep-sandbox`` and the system user
``examprep`` (a member of it) when missing, gives that user the folders the app writes (``.data/`` for SQLite,
``.run/``, ``.redis/``, ``staticfiles/``), and makes sure the user can run Python: when the virtualenv's
interpreter lives where the user cannot reach it (pyenv under ``/root``, mode 0700), it builds ``.run/venv``
on the system's interpreter of the same minor version, reading the virtualenv's installed packages (plus the
few requirements whose marker names an older patch release, installed into ``.run/venv`` itself).

``python -m examprep.service_user COMMAND...`` runs COMMAND as that user when ``EXAMPREP_SERVICE_USER`` names one
and this process is root; otherwise it simply runs COMMAND. A ``.venv/bin/python`` at the start of COMMAND is
replaced by ``.run/venv/bin/python`` when the latter exists.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER = "examprep"
GROUP = "examprep-sandbox"
USER_SETTING = "EXAMPREP_SERVICE_USER"
WRITABLE = (".data", ".run", ".redis", "staticfiles")
SERVICE_VENV = ROOT / ".run" / "venv"


class SplitImpossible(RuntimeError):
    """The privilege split cannot be set up here; the message says why."""


def reachable_by_others(path: str) -> bool:
    """True when a user who is neither the owner nor in the group can open ``path`` (and run it, if a file that
    root may run): every folder on the way must be searchable by others."""
    path = os.path.realpath(path)
    info = os.stat(path)
    needed = stat.S_IXOTH if info.st_mode & stat.S_IXUSR else stat.S_IROTH
    if not info.st_mode & needed:
        return False
    folder = os.path.dirname(path)
    while True:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def ensure_user_and_group() -> None:
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", GROUP], check=True)
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                "--groups",
                GROUP,
                USER,
            ],
            check=True,
        )
    if USER not in grp.getgrnam(GROUP).gr_mem:
        subprocess.run(["usermod", "--append", "--groups", GROUP, USER], check=True)


def service_python() -> str:
    """An interpreter the service user can run, with this virtualenv's packages."""
    if reachable_by_others(sys.executable):
        return sys.executable
    packages = sysconfig.get_paths()["purelib"]
    if not reachable_by_others(packages):
        raise SplitImpossible(f"the service user {USER} cannot read the installed packages in {packages}")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = next((path for path in (f"/usr/bin/{version}", f"/usr/local/bin/{version}") if os.path.exists(path)), None)
    if system is None or not reachable_by_others(system):
        raise SplitImpossible(
            f"this virtualenv's interpreter {os.path.realpath(sys.executable)} is out of reach of the service user "
            f"{USER}, and there is no system {version} to run the app with instead"
        )
    python = SERVICE_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([system, "-m", "venv", str(SERVICE_VENV)], check=True)
        # Requirements that only an older patch release needs (their marker names the full version).
        extra = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if "python_full_version" in line]
        if extra:
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *extra], check=True)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "examprep-venv.pth").write_text(os.path.realpath(packages) + "\n")
    return str(python)


def prepare() -> None:
    if os.geteuid() != 0:
        raise SplitImpossible("only root can create the service user")
    ensure_user_and_group()
    account = pwd.getpwnam(USER)
    for name in WRITABLE:
        folder = ROOT / name
        folder.mkdir(exist_ok=True)
        for directory, _folders, files in os.walk(folder):
            if Path(directory).is_relative_to(SERVICE_VENV):
                continue
            os.chown(directory, account.pw_uid, account.pw_gid)
            for file in files:
                os.chown(os.path.join(directory, file), account.pw_uid, account.pw_gid, follow_symlinks=False)
    service_python()


def run_as_service_user(command: list[str]) -> None:
    """Exec ``command`` as the service user (with its supplementary groups), or as is when not asked to."""
    name = os.environ.get(USER_SETTING, "")
    if name and os.geteuid() == 0:
        if command and os.path.normpath(command[0]) == os.path.join(".venv", "bin", "python"):
            candidate = SERVICE_VENV / "bin" / "python"
            if candidate.exists():
                command = [str(candidate), *command[1:]]
        account = pwd.getpwnam(name)
        os.setgroups(os.getgrouplist(name, account.pw_gid))
        os.setgid(account.pw_gid)
        os.setuid(account.pw_uid)
        os.environ.update(HOME=account.pw_dir, USER=name, LOGNAME=name)
    os.execvp(command[0], command)


def main(argv: list[str]) -> int:
    if argv == ["--prepare"]:
        try:
            prepare()
        except SplitImpossible as problem:
            print(f"make run: cannot run web and worker as {USER}: {problem}.", file=sys.stderr)
            return 1
        print(f"Web, worker and Redis run as {USER}; the sandbox daemon runs as root for the group {GROUP}.")
        return 0
    if not argv:
        print("usage: python -m examprep.service_user --prepare | COMMAND...", file=sys.stderr)
        return 2
    run_as_service_user(argv)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
