"""Answer size: characters of a v2 model (as an LLM sends it) against an idiomatic Pyomo script for the same model.

v2's goal is an answer at most 1.5× the characters of the Pyomo script a skilled modeller writes. Measured on

* the canonical examples, ``examples/<name>/model.json`` against ``benchmarks/pyomo_scripts/<name>.py``;
* dataset problems, ``benchmarks/language_size/<dataset>-<id>/model.json`` against ``pyomo_script.py`` beside it;
* for reference only (not in the median), the v1 ModelSpec ``examples/transport.json`` against
  ``benchmarks/pyomo_scripts/transport.py`` (both with the data inline).

A JSON answer counts as ``json.dumps(obj, separators=(",", ":"))`` (plan and assumptions included). A script counts
after whitespace normalisation: trailing spaces and blank lines dropped, the one-line header comment not counted.
Prints one row per model, the median and the total ratio; exits 1 when the median exceeds 1.5.
Run: ``.venv/bin/python benchmarks/bench_language_size.py``.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = ROOT / "benchmarks" / "pyomo_scripts"
DATASET_ANSWERS = ROOT / "benchmarks" / "language_size"
CANONICAL = ["tsp", "job_shop", "fixed_charge", "quantity_discount", "lexicographic"]
LIMIT = 1.5


def answer_chars(path: Path) -> int:
    """The JSON exactly as an LLM would send it: compact separators, nothing left out."""
    return len(json.dumps(json.loads(path.read_text()), separators=(",", ":")))


def script_chars(path: Path) -> int:
    """The script without its header comment, trailing spaces or blank lines (newlines between lines count)."""
    lines = path.read_text().splitlines()
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    return len("\n".join(line.rstrip() for line in lines if line.strip()))


def pairs() -> list[tuple[str, Path, Path]]:
    rows = [(name, EXAMPLES / name / "model.json", SCRIPTS / f"{name}.py") for name in CANONICAL]
    for folder in sorted(p for p in DATASET_ANSWERS.iterdir() if (p / "model.json").exists()):
        rows.append((folder.name, folder / "model.json", folder / "pyomo_script.py"))
    return rows


def main() -> int:
    rows = [(name, answer_chars(model), script_chars(script)) for name, model, script in pairs()]
    width = max(len(name) for name, _, _ in rows) + 2
    print(f"{'model':<{width}}{'v2':>7}{'pyomo':>7}{'ratio':>7}")
    for name, v2, py in rows:
        print(f"{name:<{width}}{v2:>7}{py:>7}{v2 / py:>7.2f}")
    median = statistics.median(v2 / py for _, v2, py in rows)
    total = sum(v2 for _, v2, _ in rows) / sum(py for _, _, py in rows)
    print(f"{'median ratio':<{width}}{'':>14}{median:>7.2f}")
    print(f"{'total ratio':<{width}}{sum(v for _, v, _ in rows):>7}{sum(p for _, _, p in rows):>7}{total:>7.2f}")
    v1, py = answer_chars(EXAMPLES / "transport.json"), script_chars(SCRIPTS / "transport.py")
    print(f"{'v1 transport.json (reference)':<{width}}{v1:>7}{py:>7}{v1 / py:>7.2f}")
    if median > LIMIT:
        print(f"median ratio {median:.2f} exceeds {LIMIT}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
