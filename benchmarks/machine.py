"""A probe of the machine's speed at the moment, printed beside a benchmark's figures.

The 2-core VMs these benchmarks run on change speed by the minute (the same loop took 0.50 to
1.05 s of CPU within one session, docs/performance.md): a figure means little without the
probe taken next to it. The probe is a fixed pure-Python loop timed by this process's CPU
clock, so other processes' load does not enter it; only the core's own speed does.
"""

import time

ITERATIONS = 5_000_000


def probe() -> str:
    """``machine probe: 0.77 s of CPU for 5,000,000 loop steps`` (lower is faster)."""
    started = time.process_time()
    total = 0
    for step in range(ITERATIONS):
        total += step & 7
    seconds = time.process_time() - started
    return f"machine probe: {seconds:.2f} s of CPU for {ITERATIONS:,} loop steps (lower is faster)"


if __name__ == "__main__":
    print(probe())
