"""A command-line client of the sandbox shell for the fault tests, which run it in subprocesses.

The fault tests need a database and a Redis that a separate ``celery worker`` process also sees, and
a Redis they may restart without disturbing anyone else. So they run this module (and the worker)
with ``DB_PATH`` and ``REDIS_URL`` pointing at their own file and server; every command prints JSON.

    python -m sandbox.tests.drive setup WORLD_JSON          -> {"workspace": id}
    python -m sandbox.tests.drive start WORKSPACE KIND STEPS -> {"run": id}
    python -m sandbox.tests.drive status RUN...             -> [{"status", "deliveries", "error", "trace"}]
    python -m sandbox.tests.drive workspace WORKSPACE       -> {"state": ..., "world": ...}
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examprep.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from sandbox import workspaces
    from sandbox.models import Run, Workspace

    command, args = argv[0], argv[1:]
    if command == "setup":
        call_command("migrate", verbosity=0, interactive=False)
        user, _ = get_user_model().objects.get_or_create(username="fault-student")
        workspace = workspaces.create_workspace(user, name="faults", world=json.loads(args[0]))
        out = {"workspace": str(workspace.pk)}
    elif command == "start":
        workspace = Workspace.objects.get(pk=args[0])
        out = {"run": str(workspaces.start_run(workspace, args[1], json.loads(args[2])).pk)}
    elif command == "status":
        out = []
        for run_id in args:
            run = Run.objects.get(pk=run_id)
            status = workspaces.run_status(run)
            run.refresh_from_db()
            out.append(
                {"status": status.status, "deliveries": run.deliveries, "error": run.error, "trace": status.trace}
            )
    elif command == "workspace":
        workspace = Workspace.objects.get(pk=args[0])
        out = {"state": workspace.state, "world": workspace.world}
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
