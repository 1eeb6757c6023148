"""Inside one execution environment: the intermediate, env-init (pid 1) and the runtime's privilege drop.

Process tree, per environment (see docs/sandbox-runtime.md)::

    zygote ─fork─> intermediate (root, host namespaces; waits for pid 1, then exits)
                     └─unshare(mnt,net,ipc,uts,pid)+fork─> env-init (root, pid 1: owns /tmp, reaps, resets)
                                                              └─fork─> runtime (env uid, rlimits, NNP, seccomp)

Control messages travel over one SOCK_SEQPACKET socket to the daemon. The runtime gets fresh pipes each time it
starts (sent to the daemon with SCM_RIGHTS), so a reset never leaves a half-read frame behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import traceback

from sandbox.runtime import isolation as iso
from sandbox.runtime import shim
from sandbox.runtime.outcomes import code_files, shim_config
from sandbox.runtime.protocol import sdk_dir

CHUNK = 60_000
PAGE = 4096  # what a tmpfs charges at least for a file or a directory
# Directories under the host's /usr that hold source trees or deployments rather than what the runtime needs
# (an app deployed under /usr/src/app would otherwise show its code and database): each is covered with an
# empty read-only tmpfs, and so is this checkout when it lives under /usr.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HIDDEN_UNDER_USR = ("/usr/src", "/usr/local/src", PROJECT_ROOT)
# What env-init still needs once the root is built: start runtimes under the environment's uid and gid
# (setgroups, setresgid, setresuid in the forked child), and kill or stop every process of its pid namespace.
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7
ENV_INIT_CAPABILITIES = (CAP_KILL, CAP_SETGID, CAP_SETUID)


def send_message(sock: socket.socket, message: dict, fds: list[int] | None = None, pid: int | None = None) -> None:
    ancillary = []
    if fds:
        ancillary.append((socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds)))
    if pid is not None:
        ancillary.append((socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", pid, 0, 0)))
    sock.sendmsg([json.dumps(message).encode()], ancillary)


def send_blob(sock: socket.socket, message: dict) -> None:
    """Send a message that may be bigger than one datagram, as a count and then chunks."""
    data = json.dumps(message).encode()
    parts = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    sock.send(str(len(parts)).encode())
    for part in parts:
        sock.send(part)


def recv_blob(sock: socket.socket) -> dict:
    count = int(sock.recv(32))
    return json.loads(b"".join(sock.recv(CHUNK) for _ in range(count)))


def close_fds_except(*keep: int) -> None:
    keep_sorted = sorted(set(k for k in keep if k >= 0))
    start = 0
    for fd in keep_sorted + [resource.getrlimit(resource.RLIMIT_NOFILE)[0]]:
        if start < fd:
            os.closerange(start, fd)
        start = fd + 1


# --- the intermediate --------------------------------------------------------------------------------------------


def intermediate(channel: socket.socket, seccomp_filter, zygote_pid: int) -> None:
    """Child of the zygote. Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        iso.set_parent_death_signal()
        if os.getppid() != zygote_pid:  # the zygote died before the death signal was armed
            os._exit(0)
        close_fds_except(channel.fileno())
        setup = recv_blob(channel)  # only this environment's data ever reaches this process
        iso.unshare(iso.ENV_NAMESPACES | iso.CLONE_NEWCGROUP)  # already in its cgroups: their paths hide
        pid = os.fork()
        if pid == 0:
            env_init(channel, setup, seccomp_filter)
        send_message(channel, {"kind": "pid1", "pid": pid})
        channel.close()
        os.waitpid(pid, 0)
    except BaseException as error:  # report and leave: the daemon treats it as a failed start
        with contextlib.suppress(OSError):
            send_message(channel, {"kind": "failed", "reason": f"{type(error).__name__}: {error}"})
    os._exit(0)


# --- env-init, pid 1 ---------------------------------------------------------------------------------------------


def build_root(setup: dict) -> None:
    spec = setup["spec"]
    root = setup["root_dir"]
    iso.mount(None, "/", None, iso.MS_REC | iso.MS_PRIVATE)
    iso.mount("tmpfs", root, "tmpfs", iso.MS_NOSUID | iso.MS_NODEV, "size=4m,mode=0755")
    for directory in ("usr", "etc", "dev", "proc", "tmp", "var", "var/task", "var/runtime", "opt", ".old"):
        os.makedirs(os.path.join(root, directory), mode=0o755, exist_ok=True)
    ro = iso.MS_BIND | iso.MS_REMOUNT | iso.MS_RDONLY | iso.MS_NOSUID | iso.MS_NODEV
    iso.mount("/usr", f"{root}/usr", None, iso.MS_BIND | iso.MS_REC)
    iso.mount(None, f"{root}/usr", None, ro)
    empty = iso.MS_RDONLY | iso.MS_NOSUID | iso.MS_NODEV | iso.MS_NOEXEC
    for hidden in HIDDEN_UNDER_USR:
        if hidden.startswith("/usr/") and os.path.isdir(hidden):
            iso.mount("tmpfs", f"{root}{hidden}", "tmpfs", empty, "size=4k,mode=0755")
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{link}"):
            os.symlink(f"usr/{link}", f"{root}/{link}")
    uid = setup["uid"]
    files = {
        "etc/passwd": f"root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:{uid}:{uid}::/tmp:/sbin/nologin\n",
        "etc/group": f"root:x:0:\nsbx_user1051:x:{uid}:\n",
        "etc/hosts": "127.0.0.1 localhost\n",
        "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
        "etc/resolv.conf": "",
    }
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as handle:
            handle.write(text)
    if os.path.exists("/usr/share/zoneinfo/UTC"):
        os.symlink("/usr/share/zoneinfo/UTC", f"{root}/etc/localtime")
    for device in ("null", "zero", "random", "urandom"):
        target = f"{root}/dev/{device}"
        open(target, "w").close()
        iso.mount(f"/dev/{device}", target, None, iso.MS_BIND)
        iso.mount(None, target, None, iso.MS_BIND | iso.MS_REMOUNT | iso.MS_NOSUID | iso.MS_NOEXEC)
    iso.mount(
        "tmpfs",
        f"{root}/tmp",
        "tmpfs",
        iso.MS_NOSUID | iso.MS_NODEV,
        f"size={int(spec['ephemeral_storage_mb'])}m,mode=1777",
    )
    code = code_files(spec["code"])
    size_mb = 1 + sum(len(text.encode()) for _, text in code) // (1024 * 1024) * 2
    iso.mount("tmpfs", f"{root}/var/task", "tmpfs", iso.MS_NOSUID | iso.MS_NODEV, f"size={size_mb}m,mode=0755")
    for name, text in code:
        path = os.path.join(root, "var/task", name)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o644)
    iso.mount(None, f"{root}/var/task", None, iso.MS_REMOUNT | iso.MS_RDONLY | iso.MS_NOSUID | iso.MS_NODEV)
    write_read_only_tree(f"{root}/opt", code_files(spec.get("layer_files") or {}))
    iso.mount(setup["net_dir"], f"{root}/var/runtime", None, iso.MS_BIND)
    iso.mount(None, f"{root}/var/runtime", None, ro | iso.MS_NOEXEC)
    mount_sdk(root, spec, setup.get("sdk") or [])
    iso.mount("proc", f"{root}/proc", "proc", iso.MS_NOSUID | iso.MS_NODEV | iso.MS_NOEXEC)
    mask_proc(root, int(spec["memory_mb"]))
    os.chdir(root)
    iso.pivot_root(".", ".old")
    os.chdir("/")
    iso.umount("/.old", iso.MNT_DETACH)
    os.rmdir("/.old")
    iso.mount(None, "/", None, iso.MS_REMOUNT | iso.MS_RDONLY | iso.MS_NOSUID | iso.MS_NODEV)


def write_read_only_tree(target: str, files: list[tuple[str, str]]) -> None:
    """The layers' files under /opt: a tmpfs of their size, written, then remounted read-only."""
    if not files:
        return
    # tmpfs charges whole pages: each file and each directory takes at least one, however small it is.
    pages = sum(-(-len(text.encode()) // PAGE) + 1 for _, text in files)
    directories = {os.path.dirname(name) for name, _ in files}
    size_kb = (pages + 2 * len(directories) + 256) * PAGE // 1024
    iso.mount("tmpfs", target, "tmpfs", iso.MS_NOSUID | iso.MS_NODEV, f"size={size_kb}k,mode=0755")
    for name, text in files:
        path = os.path.join(target, name)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o644)
    iso.mount(None, target, None, iso.MS_REMOUNT | iso.MS_RDONLY | iso.MS_NOSUID | iso.MS_NODEV)


def mount_sdk(root: str, spec: dict, packages: list) -> None:
    """Bind each of the SDK's packages (``[name, host path]``, checked by the daemon) read-only into the
    runtime's site-packages, and nothing else of the host's virtualenv."""
    if not packages:
        return
    directory = f"{root}{sdk_dir(spec['runtime'])}"
    os.makedirs(directory, mode=0o755, exist_ok=True)
    ro = iso.MS_BIND | iso.MS_REMOUNT | iso.MS_RDONLY | iso.MS_NOSUID | iso.MS_NODEV | iso.MS_NOEXEC
    for name, source in packages:
        target = os.path.join(directory, name)
        if os.path.isdir(source):
            os.mkdir(target, 0o755)
        else:
            open(target, "w").close()
        iso.mount(source, target, None, iso.MS_BIND)
        iso.mount(None, target, None, ro)


# Host information an environment has no business reading (as container runtimes mask it).
MASKED_PROC_FILES = (
    "cmdline",
    "config.gz",
    "kcore",
    "keys",
    "key-users",
    "kallsyms",
    "modules",
    "sched_debug",
    "timer_list",
    "sysrq-trigger",
    "latency_stats",
    "1/cmdline",
)


def mask_proc(root: str, memory_mb: int) -> None:
    """Hide host files in the environment's /proc, and show memory and load as the function's own."""
    for name in MASKED_PROC_FILES:
        target = f"{root}/proc/{name}"
        if os.path.exists(target):
            iso.mount(f"{root}/dev/null", target, None, iso.MS_BIND)
    os.makedirs(f"{root}/.proc", mode=0o755, exist_ok=True)
    kib = memory_mb * 1024
    figures = {
        "meminfo": f"MemTotal: {kib:>12} kB\nMemFree: {kib:>13} kB\nMemAvailable: {kib:>8} kB\n"
        "Buffers: 0 kB\nCached: 0 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
        "loadavg": "0.00 0.00 0.00 1/2 2\n",
    }
    for name, text in figures.items():
        with open(f"{root}/.proc/{name}", "w") as handle:
            handle.write(text)
        iso.mount(f"{root}/.proc/{name}", f"{root}/proc/{name}", None, iso.MS_BIND)


def cap_ipc() -> None:
    """SysV IPC and POSIX queues in this IPC namespace: tiny, so they cannot pin host memory."""
    for name, value in (
        ("kernel/shmmax", "65536"),
        ("kernel/shmall", "16"),
        ("kernel/shmmni", "4"),
        ("kernel/msgmni", "4"),
        ("fs/mqueue/queues_max", "0"),
    ):
        try:
            with open(f"/proc/sys/{name}", "w") as handle:
                handle.write(value)
        except OSError:
            pass


class EnvInit:
    def __init__(self, channel: socket.socket, setup: dict, seccomp_filter) -> None:
        self.channel = channel
        self.setup = setup
        self.seccomp_filter = seccomp_filter
        self.runtime_pid = 0

    def run(self) -> None:
        iso.set_parent_death_signal()
        build_root(self.setup)
        cap_ipc()
        iso.sethostname("sandbox")
        iso.keep_only_capabilities(ENV_INIT_CAPABILITIES)
        iso.set_no_new_privs()
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        send_message(self.channel, {"kind": "root-ready"})
        self.start_runtime(self.setup["start"])  # Init right away: no round trip through the daemon
        while True:
            ready, _, _ = select.select([self.channel, wake_read], [], [])
            if wake_read in ready:
                os.read(wake_read, 4096)
                self.reap()
            if self.channel in ready:
                data = self.channel.recv(65536)
                if not data:
                    os._exit(0)
                self.handle(json.loads(data))

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.runtime_pid:
                self.runtime_pid = 0
                send_message(self.channel, {"kind": "exit", "status": status})

    def kill_all(self) -> None:
        """Kill every other process of this pid namespace (pid 1 is exempt) and reap them."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        self.runtime_pid = 0
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return

    def handle(self, message: dict) -> None:
        op = message.get("op")
        if op == "reset":
            self.kill_all()
            send_message(self.channel, {"kind": "reset-done"})
        elif op == "start":
            self.kill_all()
            self.start_runtime(message)
        elif op in ("stop", "cont"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGSTOP if op == "stop" else signal.SIGCONT)

    def start_runtime(self, message: dict) -> None:
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        log_r, log_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                # The daemon's ends, with this process's own pid in SCM_CREDENTIALS: the kernel checks it and
                # gives the daemon the host pid, and sending one's own pid needs no capability.
                send_message(self.channel, {"kind": "runtime"}, [request_w, result_r, log_r], pid=os.getpid())
                become_runtime(self.setup, message, request_r, result_w, log_w, self.seccomp_filter)
            except SystemExit as leaving:  # sys.exit() in a handler: the runtime exits with that status
                code = leaving.code
                os._exit(code if isinstance(code, int) else (0 if code is None else 1))
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(70)
        self.runtime_pid = pid
        for fd in (request_r, result_w, log_w, request_w, result_r, log_r):
            os.close(fd)


def env_init(channel: socket.socket, setup: dict, seccomp_filter) -> None:
    try:
        EnvInit(channel, setup, seccomp_filter).run()
    except BaseException as error:
        with contextlib.suppress(OSError):
            send_message(channel, {"kind": "failed", "reason": f"{type(error).__name__}: {error}"})
    os._exit(1)


# --- the runtime ---------------------------------------------------------------------------------------------------


def vm_size_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def become_runtime(setup: dict, message: dict, request_r: int, result_w: int, log_w: int, seccomp_filter) -> None:
    """In the runtime child of env-init: drop everything, then run the shim. Never returns."""
    spec = setup["spec"]
    null = os.open("/dev/null", os.O_RDONLY)
    # Move everything above the target numbers first, so no dup2 overwrites a descriptor still needed.
    null, log_w, request_r, result_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 16) for fd in (null, log_w, request_r, result_w))
    for target, fd in ((0, null), (1, log_w), (2, log_w), (3, request_r), (4, result_w)):
        os.dup2(fd, target)
    close_fds_except(0, 1, 2, 3, 4)
    mib = 1024 * 1024
    limits = {
        resource.RLIMIT_AS: vm_size_bytes() + (int(spec["memory_mb"]) + 256) * mib,
        resource.RLIMIT_NPROC: int(setup["max_procs"]),
        resource.RLIMIT_NOFILE: 1024,
        resource.RLIMIT_FSIZE: (int(spec["ephemeral_storage_mb"]) + 1) * mib,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_MEMLOCK: 0,
        resource.RLIMIT_CPU: 3600,
    }
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))
    uid = int(setup["uid"])
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    iso.set_parent_death_signal()  # a credential change clears it
    iso.set_no_new_privs()
    os.umask(0o022)
    if seccomp_filter is None:
        raise iso.SeccompUnavailable("no syscall filter: the runtime will not start without one")
    seccomp_filter.load()
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - the runtime's stdout for its whole life
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    config = shim_config(
        spec,
        task_root="/var/task",
        opt_root="/opt",
        net_socket="/var/runtime/net.sock",
        tmp_dir=None,
        clock_start_s=float(message["clock_start_s"]),
        init_budget_s=float(message["init_budget_s"]),
        log_stream=setup["log_stream"],
        sdk_path=sdk_dir(spec["runtime"]) if setup.get("sdk") else None,
    )
    shim.serve(3, 4, config)
