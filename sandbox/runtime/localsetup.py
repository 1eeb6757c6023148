"""Best-effort setup of a local-mode runtime process, run in the child before the shim starts.

Local mode is for development on a single-user machine and isolates nothing. This only makes Lambda's
behaviour visible: a private ``/tmp`` (a bind mount of the environment's own directory inside a new mount
namespace, when the kernel lets us make one; otherwise only ``TMPDIR`` points there), and per-process rlimits
for memory (address space), file size, open files and core dumps.
"""

from __future__ import annotations

import ctypes
import os
import resource

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def private_tmp(directory: str) -> bool:
    """Bind ``directory`` over ``/tmp`` in a new mount namespace. False when the kernel refuses."""
    try:
        if os.geteuid() == 0:
            _check(_libc.unshare(CLONE_NEWNS), "unshare")
        else:
            uid, gid = os.geteuid(), os.getegid()
            _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
        _check(_libc.mount(directory.encode(), b"/tmp", None, MS_BIND, None), "bind /tmp")
    except OSError:
        return False
    return True


def vm_size_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply(tmp_dir: str, memory_mb: int, ephemeral_mb: int) -> bool:
    # A directory under /tmp would disappear under its own bind mount: fall back to TMPDIR only. (The caller
    # imports the shim before this runs, so a project kept under /tmp is no longer needed once /tmp is bound.)
    private = not tmp_dir.startswith("/tmp/") and private_tmp(tmp_dir)
    # Address space: what the interpreter maps now, plus the function's memory, plus room for the shim's imports.
    address_space = vm_size_bytes() + (memory_mb + 64) * 1024 * 1024
    limits = {
        resource.RLIMIT_AS: address_space,
        resource.RLIMIT_FSIZE: (ephemeral_mb + 1) * 1024 * 1024,
        resource.RLIMIT_NOFILE: 1024,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    return private
