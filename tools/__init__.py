"""Development tooling, not part of the installed product: benchmarks (``make bench``), NLU
evaluation (``make cv``), profiling. Run from the repository root."""
