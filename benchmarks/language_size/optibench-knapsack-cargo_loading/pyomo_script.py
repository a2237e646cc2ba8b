# OptiBench knapsack-cargo_loading: 0/1 knapsack.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
N = range(len(d["values"]))
m = pyo.ConcreteModel()
m.take = pyo.Var(N, domain=pyo.Binary)
m.obj = pyo.Objective(expr=sum(d["values"][i] * m.take[i] for i in N), sense=pyo.maximize)
m.cap = pyo.Constraint(expr=sum(d["weights"][i] * m.take[i] for i in N) <= d["capacity"])
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
