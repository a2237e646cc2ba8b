# NL4Opt test -836325049: split a real-estate budget between condos and detached houses.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
m = pyo.ConcreteModel()
m.c = pyo.Var(domain=pyo.NonNegativeReals)
m.h = pyo.Var(bounds=(d["min_house"], None))
m.obj = pyo.Objective(expr=d["profit_condo"] * m.c + d["profit_house"] * m.h, sense=pyo.maximize)
m.total = pyo.Constraint(expr=m.c + m.h <= d["budget"])
m.share = pyo.Constraint(expr=m.c >= d["min_condo_share"] * (m.c + m.h))
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
