# NL4Opt test -1394927728: senior and junior accountants at least wage bill.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
m = pyo.ConcreteModel()
m.s = pyo.Var(bounds=(d["min_senior"], None))
m.j = pyo.Var(domain=pyo.NonNegativeReals)
bill = d["senior_wage"] * m.s + d["junior_wage"] * m.j
m.obj = pyo.Objective(expr=bill)
m.staff = pyo.Constraint(expr=m.s + m.j >= d["min_staff"])
m.ratio = pyo.Constraint(expr=d["junior_per_senior"] * m.s >= m.j)
m.bill = pyo.Constraint(expr=bill <= d["max_bill"])
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
