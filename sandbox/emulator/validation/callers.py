"""Checks of versions and aliases, API Gateway ``apis``, Step Functions ``state_machines``
and the steps that use them."""

from __future__ import annotations

from .functions import FunctionChecks
from .rules import FUNCTION_NAME, QUALIFIER

API_FIELDS = ("function", "integration_timeout_ms", "stage", "description")
INTEGRATION_TIMEOUT_MS = (50, 29000)  # REST API default maximum; a quota increase can raise it
STATE_TYPES = ("Task", "Pass", "Wait", "Succeed", "Fail")
NOT_EMULATED_TYPES = ("Choice", "Parallel", "Map")
RETRY_FIELDS = ("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy")
CATCH_FIELDS = ("ErrorEquals", "Next", "ResultPath")


def _weights_message(version: str, weight, part: str) -> str:
    """AWS's wording for a routing weight whose version (``keys``) or weight (``value``) is refused."""
    shown = float(weight) if isinstance(weight, (int, float)) and not isinstance(weight, bool) else weight
    rules = (
        "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have "
        "length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must "
        "not be null]"
        if part == "keys"
        else "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must "
        "have value greater than or equal to 0.0, Member must not be null]"
    )
    return (
        f"ValidationException: 1 validation error detected: Value '{{{version}={shown}}}' at "
        f"'routingConfig.additionalVersionWeights' failed to satisfy constraint: {rules}"
    )


def _is_path(value) -> bool:
    return isinstance(value, str) and (value == "$" or value.startswith("$."))


class CallerChecks(FunctionChecks):
    # -- versions and aliases --

    def versions_and_aliases(self, name: str, spec: dict, field: str) -> None:
        versions = self.dict_of(spec.get("versions"), f"{field}.versions", "versions") or {}
        for number, overrides in versions.items():
            if not str(number).isdigit() or int(number) < 1:
                self.add(f"{field}.versions.{number}", "published versions are numbered 1, 2, 3 ...")
            if isinstance(overrides, dict) and overrides.get("async") is not None:
                self.async_config(name, overrides["async"], f"{field}.versions.{number}.async")
        known = {str(v) for v in versions}
        # Versions that publish_version steps will make count too (aliases may point at them).
        numbers = [int(v) for v in known if v.isdigit()]
        given = self.raw.get("steps")
        steps = given if isinstance(given, list) else []
        later = sum(isinstance(s, dict) and (s.get("publish_version") or {}).get("function") == name for s in steps)
        known |= {str(n) for n in range(max(numbers, default=0) + 1, max(numbers, default=0) + 1 + later)}
        aliases = self.dict_of(spec.get("aliases"), f"{field}.aliases", "aliases") or {}
        for alias, given in aliases.items():
            afield = f"{field}.aliases.{alias}"
            if not QUALIFIER.fullmatch(str(alias)) or str(alias).isdigit() or alias == "$LATEST":
                self.add(afield, f"{alias!r} can't be an alias name: use letters, digits, - and _, not only digits")
            if isinstance(given, (str, int)) and not isinstance(given, bool):
                given = {"version": given}
            if not isinstance(given, dict):
                self.add(afield, 'an alias is a version ("1") or {version: "1", weights: {"2": 0.1}}')
                continue
            version = str(given.get("version"))
            if version != "$LATEST" and version not in known:
                self.add(f"{afield}.version", self._missing_version(name, version))
            weights = self.dict_of(given.get("weights"), f"{afield}.weights", "weights") or {}
            self.alias_weights(name, version, weights, known, f"{afield}.weights")
            if given.get("async") is not None:
                self.async_config(name, given["async"], f"{afield}.async")

    def alias_weights(self, name: str, version: str, weights: dict, known: set, field: str) -> None:
        if len(weights) > 1:
            self.add(
                field,
                "InvalidParameterValueException: Number of items in AdditionalVersionWeights cannot be greater than 1",
            )
        for extra, weight in weights.items():
            extra = str(extra)
            if not extra.isdigit():
                self.add(f"{field}.{extra}", _weights_message(extra, weight, "keys"))
            elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0.0 <= weight <= 1.0:
                self.add(f"{field}.{extra}", _weights_message(extra, weight, "value"))
            elif version == "$LATEST":
                self.add(
                    f"{field}.{extra}",
                    "InvalidParameterValueException: $LATEST is not supported for an alias pointing to more "
                    "than 1 version",
                )
            elif extra == version:
                self.add(
                    f"{field}.{extra}",
                    f"InvalidParameterValueException: Invalid function version {extra}. Function version {extra} "
                    "is already included in routing configuration.",
                )
            elif extra not in known:
                self.add(f"{field}.{extra}", self._missing_version(name, extra))

    def _missing_version(self, name: str, version: str) -> str:
        account = self.section("account")
        region = account.get("region", "us-east-1")
        account_id = account.get("account_id", "123456789012")
        return f"ResourceNotFoundException: Function not found: arn:aws:lambda:{region}:{account_id}:function:{name}:{version}"

    # -- API Gateway --

    def apis(self) -> None:
        self.dict_of(self.raw.get("apis"), "apis", "apis")
        for name, spec in self.section("apis").items():
            field = f"apis.{name}"
            spec = self.dict_of(spec, field, f"api {name}")
            if spec is None:
                continue
            self.fields(spec, field, API_FIELDS)
            self.function_reference(spec.get("function"), f"{field}.function")
            if "integration_timeout_ms" in spec:
                low, high = INTEGRATION_TIMEOUT_MS
                value = spec["integration_timeout_ms"]
                if self.whole(value, f"{field}.integration_timeout_ms", None, low, None) and value > high:
                    self.add(
                        f"{field}.integration_timeout_ms",
                        "BadRequestException: Timeout should be between 50 ms and 29000 ms (raising it above "
                        "29 s for a REST API needs a quota increase, not modelled here)",
                    )
            if "stage" in spec:
                self.text(spec["stage"], f"{field}.stage")

    def function_reference(self, value, field: str) -> None:
        text = self.text(value, field)
        if text is None:
            return
        name, _, qualifier = text.rpartition(":function:")[2].partition(":")
        if not FUNCTION_NAME.fullmatch(name or "-!") or (qualifier and not QUALIFIER.fullmatch(qualifier)):
            self.add(field, f"{text!r} is not a function name, optionally with :version or :alias")

    # -- Step Functions --

    def state_machines(self) -> None:
        self.dict_of(self.raw.get("state_machines"), "state_machines", "state_machines")
        for name, spec in self.section("state_machines").items():
            field = f"state_machines.{name}"
            spec = self.dict_of(spec, field, f"state machine {name}")
            if spec is None:
                continue
            if "definition" in spec:
                field = f"{field}.definition"
                spec = self.dict_of(spec["definition"], field, "a definition")
                if spec is None:
                    continue
            states = self.dict_of(spec.get("States"), f"{field}.States", "States") or {}
            if not states:
                self.add(f"{field}.States", "a state machine needs at least one state under States")
            if spec.get("StartAt") not in states:
                self.add(f"{field}.StartAt", f"StartAt names {spec.get('StartAt')!r}, which is not under States")
            for state_name, definition in states.items():
                sfield = f"{field}.States.{state_name}"
                definition = self.dict_of(definition, sfield, f"state {state_name}")
                if definition is not None:
                    self.machine_state(definition, states, sfield)

    def machine_state(self, definition: dict, states: dict, field: str) -> None:
        kind = definition.get("Type")
        if kind in NOT_EMULATED_TYPES:
            self.add(f"{field}.Type", f"{kind} states are not emulated; use {', '.join(STATE_TYPES)}")
            return
        if kind not in STATE_TYPES:
            self.add(f"{field}.Type", f"Type must be one of {', '.join(STATE_TYPES)}, not {kind!r}")
            return
        if kind in ("Task", "Pass", "Wait"):
            following = definition.get("Next")
            if following is None and definition.get("End") is not True:
                self.add(field, "SCHEMA_VALIDATION_FAILED: a state needs either Next or End: true")
            if following is not None and following not in states:
                self.add(f"{field}.Next", f"MISSING_TRANSITION_TARGET: Missing 'Next' target: {following}")
        for key in ("InputPath", "OutputPath", "ResultPath"):
            if definition.get(key) is not None and not _is_path(definition[key]):
                self.add(f"{field}.{key}", f"{key} must be $ or a path such as $.result (or null for ResultPath)")
        if kind == "Wait":
            self.number(definition.get("Seconds"), f"{field}.Seconds")
        if kind == "Task":
            self.task(definition, states, field)

    def task(self, definition: dict, states: dict, field: str) -> None:
        resource = self.text(definition.get("Resource"), f"{field}.Resource")
        if resource is not None and resource.startswith("arn:aws:states:::lambda:invoke"):
            params = definition.get("Parameters") or {}
            if not isinstance(params, dict) or "FunctionName" not in params:
                self.add(f"{field}.Parameters", "lambda:invoke needs Parameters.FunctionName")
            else:
                self.function_reference(params["FunctionName"], f"{field}.Parameters.FunctionName")
        elif resource is not None:
            self.function_reference(resource, f"{field}.Resource")
        retriers = self.list_of(definition.get("Retry"), f"{field}.Retry", "Retry") or []
        for number, retrier in enumerate(retriers):
            self.error_list(retrier, f"{field}.Retry.{number}", RETRY_FIELDS, last=number == len(retriers) - 1)
            if not isinstance(retrier, dict):
                continue
            if "MaxAttempts" in retrier:
                self.whole(retrier["MaxAttempts"], f"{field}.Retry.{number}.MaxAttempts", None, 0, 99999999)
            if "IntervalSeconds" in retrier:
                self.whole(retrier["IntervalSeconds"], f"{field}.Retry.{number}.IntervalSeconds", None, 1, 99999999)
            if "BackoffRate" in retrier:
                self.number(retrier["BackoffRate"], f"{field}.Retry.{number}.BackoffRate", low=1.0)
        catchers = self.list_of(definition.get("Catch"), f"{field}.Catch", "Catch") or []
        for number, catcher in enumerate(catchers):
            cfield = f"{field}.Catch.{number}"
            self.error_list(catcher, cfield, CATCH_FIELDS, last=number == len(catchers) - 1)
            if isinstance(catcher, dict) and catcher.get("Next") not in states:
                self.add(f"{cfield}.Next", f"MISSING_TRANSITION_TARGET: Missing 'Next' target: {catcher.get('Next')}")
            if (
                isinstance(catcher, dict)
                and catcher.get("ResultPath") is not None
                and not _is_path(catcher["ResultPath"])
            ):
                self.add(f"{cfield}.ResultPath", "ResultPath must be $ or a path such as $.error")

    def error_list(self, entry, field: str, known, last: bool) -> None:
        entry = self.dict_of(entry, field, "a retrier or catcher")
        if entry is None:
            return
        self.fields(entry, field, known)
        names = entry.get("ErrorEquals")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            self.add(f"{field}.ErrorEquals", "ErrorEquals must be a non-empty list of error names")
        elif "States.ALL" in names and (len(names) > 1 or not last):
            self.add(
                f"{field}.ErrorEquals",
                "SCHEMA_VALIDATION_FAILED: States.ALL must appear alone and in the last retrier or catcher",
            )

    # -- steps --

    def step_publish_version(self, body: dict, field: str) -> None:
        self.fields(body, field, ("function", "description"))
        if body.get("function") not in self.section("functions"):
            self.add(
                f"{field}.function", f"function {body.get('function')!r} doesn't exist; declare it under functions"
            )

    def step_get_function(self, body: dict, field: str) -> None:
        self.step_publish_version(body, field)

    def step_http(self, body: dict, field: str) -> None:
        self.fields(body, field, ("api", "method", "path", "headers", "query", "body"))
        if body.get("api") not in self.section("apis"):
            self.add(f"{field}.api", f"api {body.get('api')!r} doesn't exist; declare it under apis")
        if "path" in body:
            self.text(body["path"], f"{field}.path")
        for key in ("headers", "query"):
            self.dict_of(body.get(key), f"{field}.{key}", key)

    def step_start_execution(self, body: dict, field: str) -> None:
        self.fields(body, field, ("state_machine", "input", "name"))
        if body.get("state_machine") not in self.section("state_machines"):
            self.add(
                f"{field}.state_machine",
                f"StateMachineDoesNotExist: state machine {body.get('state_machine')!r} doesn't exist; "
                "declare it under state_machines",
            )
