# OptiBench transportation-energy_distribution: least-cost transmission from plants to regions.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
P, R = range(len(d["supply"])), range(len(d["demand"]))
m = pyo.ConcreteModel()
m.x = pyo.Var(P, R, domain=pyo.NonNegativeReals)
m.obj = pyo.Objective(expr=sum(d["cost"][p][r] * m.x[p, r] for p in P for r in R))
m.sup = pyo.Constraint(P, rule=lambda m, p: sum(m.x[p, r] for r in R) <= d["supply"][p])
m.dem = pyo.Constraint(R, rule=lambda m, r: sum(m.x[p, r] for p in P) >= d["demand"][r])
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
