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

from sandbox.runtime.shim.loop import main, serve

__all__ = ["main", "serve"]
