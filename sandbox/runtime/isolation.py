"""Kernel primitives for the daemon: namespaces, mounts, prctl, cgroups, seccomp, and the capability check.

Python 3.11 has no ``os.unshare``, so the syscalls go through ctypes. Standard library only, except the
optional ``pyseccomp`` binding (a ctypes wrapper of the system's libseccomp2).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import time

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWTIME = 0x00000080
ENV_NAMESPACES = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
CAP_LAST_CAP_FILE = "/proc/sys/kernel/cap_last_cap"
LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
libc.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)
libc.unshare.argtypes = (ctypes.c_int,)
libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
libc.syscall.restype = ctypes.c_long
libc.sethostname.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
SYS_PIVOT_ROOT = 155  # x86_64


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _b(value):
    return value.encode() if isinstance(value, str) else value


def unshare(flags: int) -> None:
    _check(libc.unshare(flags), "unshare")


def mount(source, target, fstype=None, flags: int = 0, data=None) -> None:
    _check(libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def umount(target, flags: int = 0) -> None:
    _check(libc.umount2(_b(target), flags), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    _check(libc.syscall(SYS_PIVOT_ROOT, _b(new_root), _b(put_old)), "pivot_root")


def set_parent_death_signal(signum: int = signal.SIGKILL) -> None:
    _check(libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0), "prctl(PDEATHSIG)")


def set_no_new_privs() -> None:
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")


class _CapHeader(ctypes.Structure):
    _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))


class _CapData(ctypes.Structure):
    _fields_ = (("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32))


def keep_only_capabilities(keep: tuple[int, ...]) -> None:
    """Drop every capability but ``keep`` from the bounding, ambient, inheritable, permitted and effective sets.
    The process stays uid 0, but without CAP_SYS_ADMIN, CAP_DAC_OVERRIDE and the rest it is no longer root in
    any sense that matters, and the bounding set keeps an exec from getting them back."""
    with open(CAP_LAST_CAP_FILE) as handle:
        last = int(handle.read())
    for cap in range(last + 1):
        if cap not in keep:
            _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"prctl(CAPBSET_DROP, {cap})")
    _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(CAP_AMBIENT_CLEAR_ALL)")
    mask = sum(1 << cap for cap in keep)
    data = (_CapData * 2)(_CapData(mask & 0xFFFFFFFF, mask & 0xFFFFFFFF, 0), _CapData(mask >> 32, mask >> 32, 0))
    _check(libc.capset(ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), data), "capset")


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(libc.sethostname(raw, len(raw)), "sethostname")


# --- seccomp -----------------------------------------------------------------------------------------------------

# The allow-list (x86_64): what CPython and a handler's ordinary work need, after Docker's default profile without
# the calls that profile allows only with capabilities the runtime never has. Anything not listed, including every
# syscall newer than the installed libseccomp, fails with ENOSYS. socket, socketpair, clone and ioctl are allowed
# with conditions below.
_ALLOWED_NAMES = """
accept accept4 access alarm arch_prctl bind brk capget chdir chmod chown clock_getres clock_gettime
clock_nanosleep close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1
epoll_ctl epoll_pwait epoll_pwait2 epoll_wait eventfd eventfd2 execve execveat exit exit_group faccessat
faccessat2 fadvise64 fallocate fchdir fchmod fchmodat fchown fchownat fcntl fdatasync fgetxattr flistxattr
flock fork fremovexattr fsetxattr fstat fstatfs fsync ftruncate futex futex_waitv futimesat getcpu getcwd
getdents getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid getpgrp getpid getppid
getpriority getrandom getresgid getresuid getrlimit get_robust_list getrusage getsid getsockname getsockopt
gettid gettimeofday getuid getxattr kill lchown lgetxattr link linkat listen listxattr llistxattr
lremovexattr lseek lsetxattr lstat madvise membarrier memfd_create mincore mkdir mkdirat mknod mknodat mlock
mlock2 mlockall mmap mprotect mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap nanosleep
newfstatat open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 poll ppoll prctl pread64 preadv
preadv2 prlimit64 pselect6 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recvfrom
recvmmsg recvmsg removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction rt_sigpending
rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity
sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler
sched_rr_get_interval sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp
select semctl semget semop semtimedop sendfile sendmmsg sendmsg sendto setfsgid setfsuid setgid setgroups
setitimer setpgid setpriority setregid setresgid setresuid setreuid setrlimit set_robust_list setsid
setsockopt set_tid_address setuid setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4
splice stat statfs statx symlink symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create
timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime timerfd_settime times
tkill truncate umask uname unlink unlinkat utime utimensat utimes vfork vmsplice wait4 waitid write writev
"""
ALLOWED_SYSCALLS = tuple(_ALLOWED_NAMES.split())
DENIED_SYSCALLS = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "personality",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "reboot",
    "open_by_handle_at",
    "name_to_handle_at",
    "fanotify_init",
    "acct",
    "quotactl",
    "syslog",
    "iopl",
    "ioperm",
    "vhangup",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "lookup_dcookie",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "pidfd_getfd",
    "kcmp",
    "move_pages",
    "migrate_pages",
    "mbind",
    "set_mempolicy",
    "modify_ldt",
    "uselib",
    "quotactl_fd",
    "process_madvise",
    # inotify on the shared, read-only /usr would show which files other environments and the host open.
    "inotify_init",
    "inotify_init1",
)
NOT_IMPLEMENTED = ("io_uring_setup", "io_uring_enter", "io_uring_register", "clone3")
ALLOWED_SOCKET_FAMILIES = (1, 2, 10)  # AF_UNIX, AF_INET, AF_INET6
NAMESPACE_FLAGS = (
    CLONE_NEWNS,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
    CLONE_NEWTIME,
)
TIOCSTI = 0x5412


class SeccompUnavailable(RuntimeError):
    """The filter cannot be built as specified: the sandbox must not run handlers."""


def build_seccomp_filter():
    """An allow-list filter (default ENOSYS) like Docker's and nsjail's; the calls in DENIED_SYSCALLS give EPERM
    as they always have. Raises SeccompUnavailable when pyseccomp
    or libseccomp is missing, or when libseccomp does not know a syscall the filter must deny."""
    try:
        import pyseccomp as sc
    except (ImportError, RuntimeError, OSError) as error:
        raise SeccompUnavailable(f"seccomp is unavailable (pyseccomp or libseccomp2 is missing: {error})") from None
    ruleset = sc.SyscallFilter(sc.ERRNO(errno.ENOSYS))
    # NOT_IMPLEMENTED needs no rule: the default already answers ENOSYS.
    for action, names in ((sc.ALLOW, ALLOWED_SYSCALLS), (sc.ERRNO(errno.EPERM), DENIED_SYSCALLS)):
        for name in names:
            try:
                ruleset.add_rule(action, name)
            except (OSError, ValueError, RuntimeError) as error:
                raise SeccompUnavailable(
                    f"libseccomp does not know {name!r} ({error}); upgrade libseccomp2 before running handlers"
                ) from None
    # socket() and socketpair(): only local, IPv4 and IPv6 families (no vsock, netlink, packet, ...).
    for call in ("socket", "socketpair"):
        for family in ALLOWED_SOCKET_FAMILIES:
            ruleset.add_rule(sc.ALLOW, call, sc.Arg(0, sc.EQ, family))
        ruleset.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.GT, 10))
        for family in range(3, 10):
            ruleset.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.EQ, family))
        ruleset.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.EQ, 0))
    # clone() that would create a namespace; one rule per flag (flag & mask == flag).
    every_namespace = sum(NAMESPACE_FLAGS)
    ruleset.add_rule(sc.ALLOW, "clone", sc.Arg(0, sc.MASKED_EQ, every_namespace, 0))
    for flag in NAMESPACE_FLAGS:
        ruleset.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # ioctl: every request but TIOCSTI. The kernel reads the request's low 32 bits only, so a request is allowed
    # when one of those bits differs from TIOCSTI's (one rule per bit; rules on one syscall are alternatives).
    for bit in range(32):
        ruleset.add_rule(sc.ALLOW, "ioctl", sc.Arg(1, sc.MASKED_EQ, 1 << bit, ~TIOCSTI & (1 << bit)))
    ruleset.add_rule(sc.ERRNO(errno.EPERM), "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    return ruleset


# --- cgroups -----------------------------------------------------------------------------------------------------

CGROUP_ROOT = "/sys/fs/cgroup"


def _own_cgroups() -> dict[str, str]:
    """Controller name -> our path in that hierarchy, from /proc/self/cgroup ("" key for v2)."""
    found = {}
    with open("/proc/self/cgroup") as handle:
        for line in handle:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                found[controller] = path
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _writable_dir(path: str) -> bool:
    return os.path.isdir(path) and os.access(path, os.W_OK)


class Cgroups:
    """Per-environment cgroups: memory and pids limits, the freezer, OOM counts. Detects v2, then v1."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.version = None
        self.bases: dict[str, str] = {}
        if os.geteuid() != 0:
            return
        try:
            own = _own_cgroups()
        except OSError:
            return
        unified = os.path.join(CGROUP_ROOT, "unified") if os.path.isdir(f"{CGROUP_ROOT}/unified") else CGROUP_ROOT
        v2_base = os.path.join(unified, own.get("", "/").lstrip("/"))
        try:
            with open(os.path.join(v2_base, "cgroup.controllers")) as handle:
                v2_controllers = set(handle.read().split())
        except OSError:
            v2_controllers = set()
        if {"memory", "pids"} <= v2_controllers and _writable_dir(v2_base):
            self.version = 2
            self.bases["unified"] = os.path.join(v2_base, tag)
        else:
            for controller in ("memory", "pids", "freezer", "cpu"):
                root = os.path.join(CGROUP_ROOT, controller)
                if controller in own and _writable_dir(root):
                    self.bases[controller] = os.path.join(root, own[controller].lstrip("/"), tag)
            if {"memory", "pids"} <= set(self.bases):
                self.version = 1
                if not os.path.exists(os.path.join(os.path.dirname(self.bases.get("cpu", "/")), "cpu.cfs_quota_us")):
                    self.bases.pop("cpu", None)
            else:
                self.bases = {}
        self.reap_stale()
        for base in self.bases.values():
            os.makedirs(base, exist_ok=True)
        if self.version == 2:
            self._write(self.bases["unified"], "cgroup.subtree_control", "+memory +pids")
            self._write(self.bases["unified"], "cgroup.subtree_control", "+cpu")

    def limit_all(self, memory_bytes: int, max_pids: int, cpus: int) -> None:
        """Limits for all environments together (the parent of every environment's cgroup)."""
        cpu_quota = max(0.5, cpus - 0.5)  # leave half a CPU to the daemon, the web app and the workers
        for controller, base in self.bases.items():
            if controller == "memory":
                self._write(base, "memory.limit_in_bytes", str(memory_bytes))
            elif controller == "pids":
                self._write(base, "pids.max", str(max_pids))
            elif controller == "cpu":
                self._write(base, "cpu.cfs_period_us", "100000")
                self._write(base, "cpu.cfs_quota_us", str(int(cpu_quota * 100000)))
            elif controller == "unified":
                self._write(base, "memory.max", str(memory_bytes))
                self._write(base, "pids.max", str(max_pids))
                self._write(base, "cpu.max", f"{int(cpu_quota * 100000)} 100000")

    def limits_of_all(self) -> dict[str, str]:
        """The limits actually in force on the parent (for --check and the tests)."""
        found = {}
        for controller, name in (
            ("memory", "memory.limit_in_bytes"),
            ("pids", "pids.max"),
            ("cpu", "cpu.cfs_quota_us"),
            ("unified", "memory.max"),
            ("unified", "pids.max"),
        ):
            if controller in self.bases:
                found[name] = self._read(self.bases[controller], name).strip()
        return found

    def reap_own(self) -> None:
        """Thaw and kill whatever is left in this daemon's environment cgroups, then remove them."""
        for base in self.bases.values():
            with contextlib.suppress(OSError):
                for name in os.listdir(base):
                    if os.path.isdir(os.path.join(base, name)):
                        self._write(os.path.join(base, name), "freezer.state", "THAWED")
                        for pid in self._read(os.path.join(base, name), "cgroup.procs").split():
                            with contextlib.suppress(OSError):
                                os.kill(int(pid), signal.SIGKILL)
        for _ in range(50):
            left = False
            for base in self.bases.values():
                with contextlib.suppress(OSError):
                    for name in os.listdir(base):
                        path = os.path.join(base, name)
                        if os.path.isdir(path):
                            try:
                                os.rmdir(path)
                            except OSError:
                                left = True
            if not left:
                return
            time.sleep(0.02)

    def reap_stale(self) -> int:
        """Clean up after daemons that died without tearing down (a frozen process cannot even die of SIGKILL):
        thaw, kill every process left in their environments' cgroups, and remove the cgroups. Returns how many
        processes were killed."""
        prefix = self.tag.rsplit("-", 1)[0] + "-"
        stale = set()
        for base in self.bases.values():
            parent = os.path.dirname(base)
            with contextlib.suppress(OSError):
                for name in os.listdir(parent):
                    owner = name[len(prefix) :]
                    if name.startswith(prefix) and owner.isdigit() and not _alive(int(owner)):
                        stale.add(name)
        killed = 0
        for name in stale:
            directories = [os.path.join(os.path.dirname(base), name) for base in self.bases.values()]
            environments = set()
            for directory in directories:
                with contextlib.suppress(OSError):
                    environments.update(e for e in os.listdir(directory) if os.path.isdir(os.path.join(directory, e)))
            for environment in environments:
                paths = [os.path.join(d, environment) for d in directories]
                for path in paths:
                    self._write(path, "freezer.state", "THAWED")
                    self._write(path, "cgroup.freeze", "0")
                for _ in range(100):
                    pids = {int(p) for path in paths for p in self._read(path, "cgroup.procs").split()}
                    if not pids:
                        break
                    for pid in pids:
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                            killed += 1
                    time.sleep(0.01)
                for path in paths:
                    with contextlib.suppress(OSError):
                        os.rmdir(path)
            for directory in directories:
                with contextlib.suppress(OSError):
                    os.rmdir(directory)
        return killed

    @property
    def available(self) -> bool:
        return self.version is not None

    @staticmethod
    def _write(directory: str, name: str, value: str) -> bool:
        try:
            with open(os.path.join(directory, name), "w") as handle:
                handle.write(value)
            return True
        except OSError:
            return False

    @staticmethod
    def _read(directory: str, name: str) -> str:
        try:
            with open(os.path.join(directory, name)) as handle:
                return handle.read()
        except OSError:
            return ""

    def paths(self, name: str) -> dict[str, str]:
        return {controller: os.path.join(base, name) for controller, base in self.bases.items()}

    def create(self, name: str, memory_bytes: int, max_pids: int) -> None:
        for controller, path in self.paths(name).items():
            os.makedirs(path, exist_ok=True)
            if controller == "memory":
                self._write(path, "memory.limit_in_bytes", str(memory_bytes))
                self._write(path, "memory.memsw.limit_in_bytes", str(memory_bytes))
            elif controller == "pids":
                self._write(path, "pids.max", str(max_pids))
            elif controller == "unified":
                self._write(path, "memory.max", str(memory_bytes))
                self._write(path, "memory.swap.max", "0")
                self._write(path, "pids.max", str(max_pids))

    def add(self, name: str, pid: int) -> None:
        for path in self.paths(name).values():
            if not self._write(path, "cgroup.procs", str(pid)):
                raise OSError(f"could not move process {pid} into {path}")

    def can_freeze(self) -> bool:
        return "freezer" in self.bases or self.version == 2

    def freeze(self, name: str, frozen: bool) -> None:
        paths = self.paths(name)
        if "freezer" in paths:
            self._write(paths["freezer"], "freezer.state", "FROZEN" if frozen else "THAWED")
        elif "unified" in paths:
            self._write(paths["unified"], "cgroup.freeze", "1" if frozen else "0")

    def oom_kills(self, name: str) -> int:
        paths = self.paths(name)
        if "memory" in paths:
            text = self._read(paths["memory"], "memory.oom_control")
        elif "unified" in paths:
            text = self._read(paths["unified"], "memory.events")
        else:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def reset_peak(self, name: str) -> None:
        paths = self.paths(name)
        if "memory" in paths:
            self._write(paths["memory"], "memory.max_usage_in_bytes", "0")
        elif "unified" in paths:
            self._write(paths["unified"], "memory.peak", "0")

    def peak_bytes(self, name: str) -> int:
        paths = self.paths(name)
        if "memory" in paths:
            text = self._read(paths["memory"], "memory.max_usage_in_bytes")
        elif "unified" in paths:
            text = self._read(paths["unified"], "memory.peak")
        else:
            return 0
        return int(text) if text.strip().isdigit() else 0

    def usage_bytes(self, name: str) -> int:
        paths = self.paths(name)
        text = self._read(paths["memory"], "memory.usage_in_bytes") if "memory" in paths else ""
        if "unified" in paths:
            text = self._read(paths["unified"], "memory.current")
        return int(text) if text.strip().isdigit() else 0

    def remove(self, name: str) -> bool:
        done = True
        for path in self.paths(name).values():
            try:
                os.rmdir(path)
            except FileNotFoundError:
                pass
            except OSError:
                done = False
        return done

    def close(self) -> None:
        for base in self.bases.values():
            with contextlib.suppress(OSError):
                os.rmdir(base)


# --- what this machine allows --------------------------------------------------------------------------------------


def probe_namespaces() -> str | None:
    """Try the environment's namespaces in a throw-away child; None when it works, else the reason."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            unshare(ENV_NAMESPACES)
            os.write(write, b"ok")
        except OSError as error:
            os.write(write, str(error).encode()[:200])
        os._exit(0)
    os.close(write)
    answer = os.read(read, 256).decode()
    os.close(read)
    os.waitpid(pid, 0)
    return None if answer == "ok" else answer


def check() -> dict:
    """Pick the strongest isolation mode this machine allows and say why."""
    report = {"root": os.geteuid() == 0, "namespaces": None, "cgroups": None, "seccomp": False, "mode": None}
    if not report["root"]:
        report["mode"] = "none"
        report["reason"] = (
            "the sandbox daemon must run as root to create namespaces, per-environment uids and "
            "cgroups; handlers will not run (set EXAMPREP_UNSAFE_LOCAL_SANDBOX=1 on a "
            "single-user laptop to run them unisolated)"
        )
        return report
    problem = probe_namespaces()
    report["namespaces"] = problem or "mount, pid, net, ipc, uts"
    try:
        build_seccomp_filter()
        report["seccomp"] = True
    except SeccompUnavailable as error:
        report["seccomp"] = str(error)
    groups = Cgroups(f"examprep-check-{os.getpid()}")
    report["cgroups"] = f"v{groups.version} ({', '.join(sorted(groups.bases))})" if groups.available else "none"
    groups.close()
    if problem:
        report["mode"] = "none"
        report["reason"] = f"the kernel refused new namespaces ({problem}); handlers will not run"
    elif report["seccomp"] is not True:
        report["mode"] = "none"
        report["reason"] = f"{report['seccomp']}; without a syscall filter handlers will not run"
    elif groups.version == 2:
        report["mode"] = "root-cgroup-v2"
    elif groups.version == 1:
        report["mode"] = "root-cgroup-v1"
    else:
        report["mode"] = "root-rlimits"
        report["warning"] = "no usable memory/pids cgroup: memory is capped per process only"
    return report
