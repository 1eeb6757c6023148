"""Pictures of the sandbox, drawn as SVG from values: a run's timeline, its metrics chart, and the network diagram."""
