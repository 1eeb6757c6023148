"""The runtime shim: the Lambda runtime that runs inside one execution environment.

It speaks the framed protocol of ``protocol.py`` over two file descriptors. On start it runs Init (imports the
handler) and answers ``ready`` or ``init_error``; then it serves ``invoke`` frames one at a time until its input
closes. Standard library only; no Django.

What it gives the handler, as Lambda's Python runtime does: the reserved environment variables, the ``context``
object, error bodies and the ``[ERROR]`` log line, JSON marshalling like awslambdaric, a virtual clock
(``time.sleep`` advances it without blocking; CPU time is real and added), and network calls decided from the
function's NetworkTable. The interception is for teaching only. Nothing here is a security boundary: the
executor outside measures and enforces, and the kernel isolates.
"""

from __future__ import annotations

import contextlib
import datetime as _datetime
import decimal
import errno
import importlib
import ipaddress
import json
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
import traceback

from sandbox.runtime.protocol import decide, encode, read_frame, timeout_error, write_frame

RESPONSE_LIMIT = 6_291_556
TASK_ROOT = "/var/task"

_real_time = time.time
_real_sleep = time.sleep
_process_time = time.process_time
_real_datetime = _datetime.datetime
_real_date = _datetime.date
_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_dumps = json.dumps
_loads = json.loads
_encode = encode
_write = os.write
_exit = os._exit
_SHIM_FILES = {__file__, __file__.removesuffix("c")}


# --- virtual clock -----------------------------------------------------------------------------------------------


class VirtualClock:
    """Emulated time for one Init or one invoke: start epoch + CPU used + virtual sleeps."""

    def __init__(self) -> None:
        self.epoch = _real_time()
        self.first_epoch = self.epoch
        self.cpu0 = _process_time()
        self.slept = 0.0
        self.budget = math.inf
        self.running = False
        self.stopped_at = 0.0
        self.mono_base = 1000.0
        self.last_mono = 0.0
        self.on_deadline = None  # called when the budget is used up; ends the process

    def start(self, epoch: float, budget: float) -> None:
        self.epoch = epoch
        self.cpu0 = _process_time()
        self.slept = 0.0
        self.budget = budget
        self.mono_base = max(self.last_mono, 1000.0 + epoch - self.first_epoch)
        self.running = True
        self.arm()

    def stop(self) -> float:
        self.stopped_at = self.elapsed()
        self.running = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        return self.stopped_at

    def elapsed(self) -> float:
        if not self.running:
            return self.stopped_at
        return _process_time() - self.cpu0 + self.slept

    def now(self) -> float:
        return self.epoch + self.elapsed()

    def monotonic(self) -> float:
        self.last_mono = max(self.last_mono, self.mono_base + self.elapsed())
        return self.last_mono

    def arm(self) -> None:
        """Let the kernel interrupt CPU-bound code when the remaining budget has been spent on CPU."""
        if self.running and self.budget != math.inf:
            remaining = self.budget - self.elapsed()
            signal.setitimer(signal.ITIMER_PROF, max(remaining, 0.001))

    def check(self) -> None:
        if self.running and self.elapsed() >= self.budget:
            self.slept = self.budget - (_process_time() - self.cpu0)
            self.on_deadline()

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of emulated time pass, ending the invoke if the budget runs out first."""
        if self.running and self.elapsed() + seconds >= self.budget:
            self.slept = self.budget - (_process_time() - self.cpu0)
            self.on_deadline()
        self.slept += seconds
        self.arm()

    def sleep(self, seconds: float) -> None:
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if not self.running or threading.current_thread() is not threading.main_thread():
            _real_sleep(seconds)  # background threads and idle time sleep for real
            return
        self.advance(seconds)
        _real_sleep(0)


CLOCK = VirtualClock()


class _DatetimeMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _real_datetime)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _real_datetime)


class VirtualDatetime(_real_datetime, metaclass=_DatetimeMeta):
    @classmethod
    def now(cls, tz=None):
        return _real_datetime.fromtimestamp(CLOCK.now(), tz)

    @classmethod
    def utcnow(cls):
        return _real_datetime.utcfromtimestamp(CLOCK.now())

    @classmethod
    def today(cls):
        return _real_datetime.fromtimestamp(CLOCK.now())


class _DateMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _real_date)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _real_date)


class VirtualDate(_real_date, metaclass=_DateMeta):
    @classmethod
    def today(cls):
        return _real_date.fromtimestamp(CLOCK.now())


def install_clock() -> None:
    real_gmtime, real_localtime, real_ctime, real_strftime = time.gmtime, time.localtime, time.ctime, time.strftime
    time.time = CLOCK.now
    time.time_ns = lambda: int(CLOCK.now() * 1e9)
    time.sleep = CLOCK.sleep
    time.monotonic = time.perf_counter = CLOCK.monotonic
    time.monotonic_ns = time.perf_counter_ns = lambda: int(CLOCK.monotonic() * 1e9)
    time.gmtime = lambda secs=None: real_gmtime(CLOCK.now() if secs is None else secs)
    time.localtime = lambda secs=None: real_localtime(CLOCK.now() if secs is None else secs)
    time.ctime = lambda secs=None: real_ctime(CLOCK.now() if secs is None else secs)
    time.strftime = lambda fmt, t=None: real_strftime(fmt, real_localtime(CLOCK.now()) if t is None else t)
    _datetime.datetime = VirtualDatetime
    _datetime.date = VirtualDate
    signal.signal(signal.SIGPROF, lambda signum, frame: _on_itimer())


def _on_itimer() -> None:
    if CLOCK.running:
        if CLOCK.elapsed() >= CLOCK.budget:
            CLOCK.check()
        else:
            CLOCK.arm()


# --- network interception ----------------------------------------------------------------------------------------


class Network:
    """Decides connections from the function's NetworkTable and records every attempt."""

    def __init__(self, table: dict, broker_path: str | None) -> None:
        self.table = table
        self.broker_path = broker_path
        self.names_by_address: dict[str, str] = {}
        self.next_address = 1
        self.connections: list[dict] = []

    def address_for(self, name: str) -> str:
        for address, known in self.names_by_address.items():
            if known == name:
                return address
        address = str(ipaddress.ip_address("198.18.0.0") + self.next_address)
        self.next_address += 1
        self.names_by_address[address] = name
        return address

    @staticmethod
    def is_address(host: str) -> bool:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True

    def resolves(self, name: str, port: int) -> bool:
        outcome, _ = decide(self.table, name, port)
        return outcome != "dns_failure"

    def record(self, host: str, port: int, outcome: str, reason: str) -> None:
        self.connections.append(
            {"host": host, "port": port, "outcome": outcome, "reason": reason, "at_ms": CLOCK.elapsed() * 1000}
        )

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or self.is_address(name) or name in ("localhost",):
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        number = _port_number(port)
        if not self.resolves(name, number):
            self.record(name.lower(), number, "dns_failure", decide(self.table, name, number)[1])
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = self.address_for(name.lower().rstrip("."))
        return [(socket.AF_INET, type or socket.SOCK_STREAM, proto or socket.IPPROTO_TCP, "", (address, number))]

    def connect(self, sock: socket.socket, address) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return _real_connect(sock, address)
        host, port = str(address[0]), int(address[1])
        name = self.names_by_address.get(host, host.lower().rstrip("."))
        outcome, reason = decide(self.table, name, port)
        if outcome == "dns_failure" and self.is_address(name):
            outcome, reason = "timeout", "no route to this address"
        self.record(name, port, outcome, reason)
        if outcome == "dns_failure":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if outcome == "refused":
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        if outcome == "timeout":
            wait = sock.gettimeout()
            if not CLOCK.running:
                raise TimeoutError("timed out")
            if wait is None:
                CLOCK.advance(math.inf)  # hangs until the function times out
            CLOCK.advance(wait)
            raise TimeoutError("timed out")
        self.reach_stand_in(sock, name, port)

    def reach_stand_in(self, sock: socket.socket, name: str, port: int) -> None:
        """Swap the socket's descriptor for a stream to the stand-in endpoint served outside the environment."""
        if not self.broker_path:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused (no stand-in endpoint)")
        link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            _real_connect(link, self.broker_path)
            link.sendall(_encode({"host": name, "port": port}))
            answer = link.recv(1)
            if answer != b"+":
                raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
            wait = sock.gettimeout()
            os.dup2(link.fileno(), sock.fileno())
            sock.settimeout(wait)
        finally:
            link.close()


def _port_number(port) -> int:
    if port is None:
        return 0
    if isinstance(port, bytes):
        port = port.decode()
    try:
        return int(port)
    except ValueError:
        return {"http": 80, "https": 443}.get(str(port), 0)


def install_network(network: Network) -> None:
    def connect(sock, address):
        return network.connect(sock, address)

    def connect_ex(sock, address):
        try:
            network.connect(sock, address)
        except OSError as error:
            return error.errno or errno.EIO
        return 0

    def gethostbyname(name):
        return network.getaddrinfo(name, 0)[0][4][0]

    def gethostbyname_ex(name):
        return name, [], [gethostbyname(name)]

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = network.getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex


# --- context, errors, marshalling ------------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data: dict | None = None) -> None:
        data = data or {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name")

    def __init__(self, data: dict) -> None:
        for name in self.__slots__:
            setattr(self, name, data.get(name))


class ClientContext:
    __slots__ = ("custom", "env", "client")

    def __init__(self, data: dict) -> None:
        self.custom = data.get("custom")
        self.env = data.get("env")
        self.client = Client(data["client"]) if isinstance(data.get("client"), dict) else None


class LambdaContext:
    """The ``context`` argument, with the attributes of Lambda's Python runtime."""

    def __init__(self, config: dict, frame: dict, deadline_s: float) -> None:
        self.function_name = config["function_name"]
        self.function_version = config["version"]
        self.invoked_function_arn = frame.get("invoked_function_arn") or config["function_arn"]
        self.memory_limit_in_mb = str(config["memory_mb"])
        self.aws_request_id = frame["request_id"]
        self.log_group_name = config["log_group_name"]
        self.log_stream_name = config["log_stream_name"]
        self.identity = CognitoIdentity(frame.get("identity"))
        context = frame.get("client_context")
        self.client_context = ClientContext(context) if isinstance(context, dict) else None
        self.tenant_id = frame.get("tenant_id")
        self._deadline_s = deadline_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(round((self._deadline_s - CLOCK.now()) * 1000)))

    def log(self, message) -> None:
        sys.stdout.write(str(message))
        sys.stdout.flush()

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity},tenant_id={self.tenant_id}])"
        )


class Fault(Exception):
    def __init__(self, error_type: str, message: str, trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def user_trace(tb) -> list[str]:
    frames = [frame for frame in traceback.extract_tb(tb) if frame.filename not in _SHIM_FILES]
    frames = [f for f in frames if not f.filename.startswith("<frozen importlib")]
    return traceback.format_list(frames)


def error_body(error: BaseException, request_id: str) -> dict:
    if isinstance(error, Fault):
        return {
            "errorMessage": error.message,
            "errorType": error.error_type,
            "requestId": request_id,
            "stackTrace": error.trace,
        }
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": user_trace(error.__traceback__),
    }


def log_error(body: dict) -> None:
    line = "[ERROR]"
    if body.get("errorType"):
        line += " " + body["errorType"] + ":"
    if body.get("errorMessage"):
        line += " " + body["errorMessage"]
    lines = [line]
    if body.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        for element in body["stackTrace"]:
            lines.extend(element.splitlines())
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except Exception:  # the handler may have broken its own stdout; the error body still goes out
        pass


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if o.is_nan():
                return math.nan
            return int(o) if o.as_tuple().exponent >= 0 else float(o)
        return super().default(o)


def marshal(response) -> str:
    if isinstance(response, (bytes, bytearray)):
        return bytes(response).decode("utf-8", errors="replace")
    try:
        return _Encoder(allow_nan=True).encode(response)
    except (TypeError, ValueError) as error:
        raise Fault("Runtime.MarshalError", f"Unable to marshal response: {error}") from None


# --- environment, logging, handler loading -----------------------------------------------------------------------


def lambda_environment(config: dict) -> dict[str, str]:
    name = config["function_name"]
    env = {
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        "PYTHONPATH": "/var/runtime",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    }
    env.update(config.get("environment") or {})
    env.update(
        {
            "_HANDLER": config["handler"],
            "AWS_REGION": config["region"],
            "AWS_DEFAULT_REGION": config["region"],
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config["memory_mb"]),
            "AWS_LAMBDA_FUNCTION_VERSION": config["version"],
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": config["log_group_name"],
            "AWS_LAMBDA_LOG_STREAM_NAME": config["log_stream_name"],
            "AWS_ACCESS_KEY": "ASIAEXAMPREPSANDBOX0",
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
        self.network = Network(config.get("network") or {}, config.get("net_socket"))

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
        sys.path[:] = [task_root, *stdlib]
        for name in [n for n in sys.modules if n == "sandbox" or n.startswith("sandbox.")]:
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
            except ValueError as bad:
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
