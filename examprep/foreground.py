"""Run a command as the terminal's foreground job, so that Ctrl-C reaches it and not make.

``make run`` starts the process runner through this: a Ctrl-C then stops the runner (which stops every process)
and ends ``make run`` quietly, instead of make reporting the runner's interrupt as ``Error 130``.
Without a terminal the command simply runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

INTERRUPTED = (130, -signal.SIGINT)


def run(command: list[str]) -> int:
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        tty = None
    child = os.fork()
    if child == 0:
        os.setpgid(0, 0)
        if tty is not None:
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.tcsetpgrp(tty, os.getpgrp())
            signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.execvp(command[0], command)
    with contextlib.suppress(OSError):  # the child may already have exec'd in its own group
        os.setpgid(child, child)  # also from this side, whichever runs first (as shells do)
    _, status = os.waitpid(child, 0)
    if tty is not None:
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(tty, os.getpgrp())
    code = os.waitstatus_to_exitcode(status)
    return 0 if code in INTERRUPTED else code


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
