"""The typed parts of the emulator state, for the boundaries between modules.

The state stays one plain JSON-compatible dict (it is saved between steps of the web sandbox);
these TypedDicts say which keys it has and what they hold, so mypy checks every access by key.
Records inside lists (attempts, responses, deliveries...) stay plain dicts: the trace format
describes them.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

Record = dict[str, Any]


class Account(TypedDict):
    region: str
    account_id: str
    concurrency_limit: int
    unreserved_minimum: int
    idle_reclaim_s: float
    init_billing: bool
    duplicate_delivery: bool
    max_attempts: int
    vpc_eni_delay_s: float
    scaling_limit: int
    inactive_after_s: float


class Config(TypedDict):
    """The scenario with every default filled in (``config.normalise``)."""

    name: str
    description: str
    account: Account
    functions: dict[str, Record]
    queues: dict[str, Record]
    topics: dict[str, Record]
    streams: dict[str, Record]
    buses: dict[str, Record]
    buckets: dict[str, Record]
    tables: dict[str, Record]
    event_source_mappings: list[Record]
    network: Record
    apis: dict[str, Record]
    state_machines: dict[str, Record]
    layers: dict[str, Record]  # each layer's versions (version 1 first) and the numbers deleted
    function_urls: dict[str, Record]  # keyed NAME or NAME:ALIAS
    permissions: list[Record]  # resource-based policy statements of functions
    users: dict[str, Record]  # IAM users (identity policies) that sign requests
    steps: list[Record]
    run_until_s: float | None


class Environment(TypedDict):
    """One execution environment: a function version's sandbox, serving one request at a time."""

    id: str
    function: str
    version: str
    generation: int
    busy: bool
    provisioned: bool
    created: bool
    reset: bool
    last_used: float
    log_stream: str


class Trace(TypedDict):
    """What the run produced so far; ``trace.build`` turns it into the trace format."""

    responses: list[Record]
    attempts: list[Record]
    queues: dict[str, list[Record]]
    topics: dict[str, list[Record]]
    buses: dict[str, list[Record]]
    buckets: dict[str, list[Record]]
    deliveries: list[Record]
    connections: list[Record]
    dropped: list[Record]
    metrics: dict[str, dict[str, Any]]
    api_responses: list[Record]
    executions: list[Record]
    publishes: list[Record]
    function_states: list[Record]
    layer_versions: NotRequired[list[Record]]  # layer versions published or deleted by steps
    snapshots: NotRequired[list[Record]]  # SnapStart snapshots taken when versions were published
    url_responses: list[Record]
    sdk_calls: NotRequired[list[Record]]  # every SDK call a handler made, answered or refused


class State(TypedDict):
    version: int
    seed: int
    now: float
    config: Config
    counters: dict[str, int]
    events: list[list]  # a heap of [time, priority, seq, kind, data]
    environments: dict[str, Environment]
    functions: dict[str, Record]  # per function: generation, last use, lifecycle state
    async_events: dict[str, Record]
    queues: dict[str, list[Record]]  # the messages of every queue
    streams: dict[str, Record]
    mappings: list[Record]  # the pollers of event source mappings
    attempt_count: int
    stopped: str | None
    trace: Trace
    dedup: NotRequired[dict[str, dict[str, float]]]  # FIFO deduplication ids seen, per queue
    sfn: NotRequired[dict[str, Record]]  # Step Functions executions waiting to continue
    salt: NotRequired[str]  # mixed into every id with the seed, so separate runs of a workspace differ
    snapshots: NotRequired[dict[str, Record]]  # "function:version" -> the SnapStart snapshot (seed, clock, status)
    objects: NotRequired[dict[str, dict[str, Record]]]  # S3 objects written through the SDK, per bucket and key
    tables: NotRequired[dict[str, dict[str, Record]]]  # DynamoDB items, per table and key
