"""Benchmarks that print figures (they assert nothing timed).

    python -m bench.decide [--small]   the policy engine alone: load time, memory, latency
    python -m bench.proxy  [--small]   requests per second: plain mitmdump versus nocontact run
"""
