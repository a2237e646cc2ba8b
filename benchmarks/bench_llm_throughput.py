"""LLM-stage throughput: N problems through formulate → compile → solve against a server with fixed latency.

The scripted OpenAI-compatible server (`tests.fake_openai`, real HTTP on 127.0.0.1) answers every
request after a fixed delay (1 s by default) with a valid transport model. The ideal wall time at
concurrency c is ``N × latency / c``; the printed ratio ``measured / ideal`` shows the pipeline's own
overhead and how well threads overlap the waiting (1.0 is perfect).

Run: ``.venv/bin/python benchmarks/bench_llm_throughput.py [--problems 100 --latency 1 --concurrency 1 8 32]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from formulation.llm import LLMClient
from formulation.settings import LLMSettings
from formulation.strategies import StrategyOptions, formulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the scripted server is a test double: it lives in tests/, outside the product
from tests.fake_openai import FakeOpenAI, RecordedRequest, Reply, spec_reply  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=100)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()

    spec = json.loads((ROOT / "examples" / "transport.json").read_text())

    def answer(request: RecordedRequest, index: int) -> Reply:
        reply = spec_reply(spec)
        reply.delay = args.latency
        return reply

    print(f"{args.problems} problems, {args.latency:g} s per response")
    print(f"{'concurrency':>12}{'wall s':>10}{'ideal s':>10}{'ratio':>8}{'ok':>6}")
    with FakeOpenAI(answer) as server, tempfile.TemporaryDirectory() as cache_dir:
        for concurrency in args.concurrency:
            settings = LLMSettings(api_key="bench", base_url=server.base_url, use_cache=False,
                                   cache_dir=Path(cache_dir), timeout=60)
            client = LLMClient(settings)
            options = StrategyOptions(strategy="direct")
            problems = [f"Problem {k}: ship cases from plants to markets (run c={concurrency})."
                        for k in range(args.problems)]
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                records = list(pool.map(lambda text, c=client, o=options: formulate(c, text, None, o), problems))
            wall = time.perf_counter() - started
            ideal = args.problems * args.latency / concurrency
            ok = sum(r.ok for r in records)
            print(f"{concurrency:>12}{wall:>10.2f}{ideal:>10.2f}{wall / ideal:>8.3f}{ok:>6}")


if __name__ == "__main__":
    main()
