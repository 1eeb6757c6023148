"""The emulated AWS services a handler reaches with the SDK.

During an invoke the executor hands every SDK call the handler makes to a ``Services`` callback
(``executor.py``). ``bind`` builds that callback for one run: it knows the state, the calling
function, the run's request id, its start on the virtual clock and its request chain (for
Lambda's recursive loop detection). ``answer`` decides one call as AWS would (the execution
role and resource policies of ``iam``), applies its effect to the emulated world at the
emulated moment of the call (the handler's start after Init, plus ``call.at_ms``) and records it in the trace
(``sdk_calls``).

One module per service turns a call into a result shaped like the operation's output in
botocore's model: ``lambda_api`` (Invoke), ``sqs_api``, ``sns_api``, ``events_api``
(PutEvents), ``s3_api``, ``dynamodb_api`` (the ``tables`` resource, with ``dynamodb_expressions``) and ``sts_api``.
"""

from __future__ import annotations

from .world import Caller, World, answer, bind, caller_of

__all__ = ["Caller", "World", "answer", "bind", "caller_of"]
