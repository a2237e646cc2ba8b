# Two integer products: maximise profit, then minimise labour hours among the profit-optimal plans.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
P = range(len(d["profit"]))
m = pyo.ConcreteModel()
m.x = pyo.Var(P, domain=pyo.NonNegativeIntegers)
profit = sum(d["profit"][i] * m.x[i] for i in P)
labour = sum(d["labour"][i] * m.x[i] for i in P)
m.mach = pyo.Constraint(expr=sum(d["machine"][i] * m.x[i] for i in P) <= d["machine_cap"])
m.lab = pyo.Constraint(expr=labour <= d["labour_cap"])
m.o1 = pyo.Objective(expr=profit, sense=pyo.maximize)
opt = SolverFactory("highs")
best = opt.solve(m).incumbent_objective
m.o1.deactivate()
m.keep = pyo.Constraint(expr=profit >= best - 1e-6)
m.o2 = pyo.Objective(expr=labour)
print(best, opt.solve(m).incumbent_objective)
