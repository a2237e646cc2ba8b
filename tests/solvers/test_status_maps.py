"""Every native solver status maps to a `SolveStatus`: a new HiGHS or Pyomo status cannot slip through unmapped.

The HiGHS enum is enumerated at run time (``__members__``), not from highspy's type stub: the stub omits members
the extension defines (``kHighsInterrupt``), which is why `solvers.highs` carries a targeted type-ignore there.
"""

from __future__ import annotations

from highspy import HighsModelStatus

from solvers.highs import STATUS_MAP
from solvers.pyomo_backend import status_map
from solvers.result import SolveStatus


def test_every_highs_model_status_is_mapped() -> None:
    members = set(HighsModelStatus.__members__.values())
    assert "kHighsInterrupt" in HighsModelStatus.__members__
    assert members == set(STATUS_MAP), f"unmapped: {members - set(STATUS_MAP)}"
    assert all(isinstance(status, SolveStatus) for status in STATUS_MAP.values())


def test_every_pyomo_termination_condition_is_mapped() -> None:
    from pyomo.contrib.solver.common.results import TerminationCondition

    mapping = status_map()
    assert set(TerminationCondition) == set(mapping), f"unmapped: {set(TerminationCondition) - set(mapping)}"
