# OptiBench capacitated_facility_location-telecommunications: open facilities and allocate resources.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
F, C = range(len(d["capacity"])), range(len(d["demand"]))
m = pyo.ConcreteModel()
m.open = pyo.Var(F, domain=pyo.Binary)
m.x = pyo.Var(F, C, domain=pyo.NonNegativeReals)
m.obj = pyo.Objective(
    expr=sum((d["facility_costs"][f] + d["operating_costs"][f]) * m.open[f] for f in F)
    + sum(d["transport_costs"][f][c] * m.x[f, c] for f in F for c in C)
)
m.dem = pyo.Constraint(C, rule=lambda m, c: sum(m.x[f, c] for f in F) >= d["demand"][c])
m.cap = pyo.Constraint(F, rule=lambda m, f: sum(m.x[f, c] for c in C) <= d["capacity"][f] * m.open[f])
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
