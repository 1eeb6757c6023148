"""Small builders for the scenarios of these tests."""

from __future__ import annotations

import textwrap

from sandbox.emulator.simulation import check, simulate


def run(executor, scenario: dict, seed: int = 1) -> dict:
    return simulate(scenario, executor, seed=seed)


def fn(body: str, prelude: str = "", **config) -> dict:
    """A function whose handler runs ``body``; ``prelude`` is module-level (Init) code."""
    code = (
        textwrap.dedent(prelude)
        + "def lambda_handler(event, context):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    return {"code": code, **config}


def invoke(at_s: float, function: str, **call) -> dict:
    return {"at_s": at_s, "invoke": {"function": function, **call}}


def problems(scenario: dict) -> str:
    return "\n".join(str(p) for p in check(scenario))
