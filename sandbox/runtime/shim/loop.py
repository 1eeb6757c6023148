"""The runtime loop: Init (import the handler), then one invoke at a time over the framed protocol."""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import signal
import sys
import time

from sandbox.runtime.protocol import encode, read_frame, timeout_error, write_frame
from sandbox.runtime.shim.clock import CLOCK, _real_time, install_clock
from sandbox.runtime.shim.context import LambdaContext
from sandbox.runtime.shim.errors import Fault, error_body, log_error, marshal
from sandbox.runtime.shim.network import Network, install_network

RESPONSE_LIMIT = 6_291_556
TASK_ROOT = "/var/task"

_loads = json.loads
_encode = encode
_write = os.write
_exit = os._exit


def lambda_environment(config: dict) -> dict[str, str]:
    name = config["function_name"]
    env = {
        "LANG": "en_US.UTF-8",
        "LC_CTYPE": "C.UTF-8",
        "TZ": ":UTC",
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        "PYTHONPATH": "/var/runtime",
        "PWD": config.get("task_root", TASK_ROOT),
        "SHLVL": "0",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "_AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129",
        "_AWS_XRAY_DAEMON_PORT": "2000",
    }
    env.update(config.get("environment") or {})
    env.update(
        {
            "_HANDLER": config["handler"],
            "AWS_REGION": config["region"],
            "AWS_DEFAULT_REGION": config["region"],
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.get('runtime') or 'python3.12'}",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["memory_mb"]),
            "AWS_LAMBDA_FUNCTION_VERSION": config["version"],
            "AWS_LAMBDA_INITIALIZATION_TYPE": config.get("initialization_type") or "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": config["log_group_name"],
            "AWS_LAMBDA_LOG_STREAM_NAME": config["log_stream_name"],
            "AWS_ACCESS_KEY_ID": "ASIAEXAMPREPSANDBOX0",
            "AWS_SECRET_ACCESS_KEY": "emulated/secret/key/not/a/real/credential",
            "AWS_SESSION_TOKEN": "emulated-session-token",
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
            "LAMBDA_TASK_ROOT": config.get("task_root", TASK_ROOT),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
        }
    )
    if config.get("tmp_dir"):
        env["TMPDIR"] = config["tmp_dir"]
    return env


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestIdFilter.request_id
        return True


def install_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def load_handler(handler: str):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from None
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}", trace) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'") from None


# --- the serve loop ----------------------------------------------------------------------------------------------


class Runtime:
    def __init__(self, in_fd: int, out_fd: int, config: dict) -> None:
        self.in_fd = in_fd
        self.out_fd = out_fd
        self.config = config
        self.handler = None
        self.request_id = ""
        self.phase = "init"
        self.network = Network(config.get("network") or {}, config.get("net_socket"), config.get("net_token"))

    def send(self, message: dict) -> None:
        write_frame(self.out_fd, message)

    def flush_output(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()

    def finish(self, message: dict, exit_code: int = 0) -> None:
        """Send the last frame of this runtime process and end it (timeout, out of memory, init failure)."""
        self.flush_output()
        try:
            _write_all(self.out_fd, _encode(message))
        finally:
            _exit(exit_code)

    def on_deadline(self) -> None:
        CLOCK.running = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        elapsed_ms = CLOCK.budget * 1000
        if self.phase == "init":
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"Init phase timed out after {CLOCK.budget:.2f} seconds",
            }
            self.finish(
                {
                    "type": "init_error",
                    "status": "timeout",
                    "error": error,
                    "elapsed_ms": elapsed_ms,
                    "slept_ms": CLOCK.slept * 1000,
                }
            )
        self.finish(
            {
                "type": "result",
                "request_id": self.request_id,
                "outcome": "timeout",
                "response": None,
                "error": timeout_error(self.request_id, self.budget_total),
                "elapsed_ms": elapsed_ms,
                "slept_ms": CLOCK.slept * 1000,
                "connections": self.network.connections,
            }
        )

    def prepare(self) -> None:
        config = self.config
        os.environ.clear()
        os.environ.update(lambda_environment(config))
        task_root = config.get("task_root", TASK_ROOT)
        stdlib = [p for p in sys.path if p.startswith(sys.base_prefix) and "site-packages" not in p]
        sdk = [config["sdk_path"]] if config.get("sdk_path") else []  # boto3 and botocore, read-only
        sys.path[:] = [task_root, *sdk, *stdlib]
        # The daemon's own modules, already loaded in the process the runtime was forked from, are not the handler's.
        for name in [n for n in sys.modules if n.split(".")[0] in ("sandbox", "pyseccomp")]:
            del sys.modules[name]
        os.chdir(task_root)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, ValueError):
                stream.reconfigure(line_buffering=True)
        install_logging()
        install_clock()
        install_network(self.network)
        CLOCK.on_deadline = self.on_deadline
        os.register_at_fork(after_in_child=self.after_fork_in_child)
        self.budget_total = config.get("init_budget_s", 10.0)

    def after_fork_in_child(self) -> None:
        """A process the handler forks is just a process: it does not speak the protocol or own the clock."""
        CLOCK.running = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        for fd in (self.in_fd, self.out_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.in_fd = self.out_fd = -1

    def init(self) -> None:
        CLOCK.start(self.config.get("clock_start_s") or _real_time(), self.config.get("init_budget_s", 10.0))
        try:
            self.handler = load_handler(self.config["handler"])
        except MemoryError:
            CLOCK.stop()
            body = {"errorType": "Runtime.OutOfMemory", "errorMessage": "Runtime exited with error: out of memory"}
            self.finish(
                {
                    "type": "init_error",
                    "status": "oom",
                    "error": body,
                    "elapsed_ms": CLOCK.stopped_at * 1000,
                    "slept_ms": CLOCK.slept * 1000,
                },
                1,
            )
        except Exception as error:
            elapsed = CLOCK.stop()
            body = error_body(error, "")
            log_error(body)
            self.finish(
                {
                    "type": "init_error",
                    "status": "error",
                    "error": body,
                    "elapsed_ms": elapsed * 1000,
                    "slept_ms": CLOCK.slept * 1000,
                },
                1,
            )
        elapsed = CLOCK.stop()
        self.flush_output()
        self.send({"type": "ready", "elapsed_ms": elapsed * 1000, "slept_ms": CLOCK.slept * 1000})

    def invoke(self, frame: dict) -> None:
        self.phase = "invoke"
        self.request_id = frame["request_id"]
        _RequestIdFilter.request_id = self.request_id
        self.network.connections = []
        os.environ["_X_AMZN_TRACE_ID"] = frame.get("trace_id") or ""
        budget = float(frame["budget_s"])
        self.budget_total = float(frame.get("timeout_s", budget))
        start = float(frame["clock_start_s"])
        context = LambdaContext(self.config, frame, start + budget)
        outcome, response, error = "success", None, None
        CLOCK.start(start, budget)
        try:
            try:
                event = _loads(frame["payload"])
            except (ValueError, RecursionError) as bad:
                raise Fault("Runtime.UnmarshalError", f"Unable to unmarshal input: {bad}") from None
            result = self.handler(event, context)
            response = marshal(result)
            if len(response.encode("utf-8", errors="replace")) > RESPONSE_LIMIT:
                response = None
                raise Fault(
                    "Function.ResponseSizeTooLarge",
                    f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
                )
        except MemoryError:
            elapsed = CLOCK.stop()
            self.finish(
                {
                    "type": "result",
                    "request_id": self.request_id,
                    "outcome": "oom",
                    "response": None,
                    "error": {
                        "errorType": "Runtime.OutOfMemory",
                        "errorMessage": f"RequestId: {self.request_id} Error: Runtime exited with "
                        "error: signal: killed",
                    },
                    "elapsed_ms": elapsed * 1000,
                    "slept_ms": CLOCK.slept * 1000,
                    "connections": self.network.connections,
                }
            )
        except Exception as failure:
            outcome, response = "error", None
            error = error_body(failure, self.request_id)
            log_error(error)
        elapsed = CLOCK.stop()
        self.flush_output()
        self.send(
            {
                "type": "result",
                "request_id": self.request_id,
                "outcome": outcome,
                "response": response,
                "error": error,
                "elapsed_ms": elapsed * 1000,
                "slept_ms": CLOCK.slept * 1000,
                "connections": self.network.connections,
            }
        )

    def serve(self) -> None:
        self.prepare()
        self.init()
        while True:
            frame = read_frame(self.in_fd)
            if frame is None:
                _exit(0)
            if frame.get("type") == "invoke":
                self.invoke(frame)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[_write(fd, view) :]


def serve(in_fd: int, out_fd: int, config: dict) -> None:
    """Run Init, then serve invokes until the input closes. Never returns."""
    Runtime(in_fd, out_fd, config).serve()


def main() -> None:
    """Entry point of a plain child process (local mode): ``shim.py IN_FD OUT_FD``; the config is the first frame."""
    in_fd, out_fd = int(sys.argv[1]), int(sys.argv[2])
    start = read_frame(in_fd)
    if not start or start.get("type") != "start":
        _exit(70)
    serve(in_fd, out_fd, start["config"])
