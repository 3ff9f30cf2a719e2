"""Benchmarks of issue 6 (`make bench`): NLU against Rasa's default pipeline, latency and
throughput against a bare Rasa bot, training time and memory. See tools/bench/__main__.py."""
