# Job shop: minimise the makespan; disjunctive machine constraints with big-M from the sum of durations.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

ops = json.load(open(sys.argv[1]))["operations"]
N = range(len(ops))
p = [o["duration"] for o in ops]
H = sum(p)
m = pyo.ConcreteModel()
m.P = pyo.Set(initialize=[(a, b) for a in N for b in N if a < b and ops[a]["machine"] == ops[b]["machine"]])
m.S = pyo.Set(
    initialize=[(a, b) for a in N for b in N if ops[a]["job"] == ops[b]["job"] and ops[b]["step"] == ops[a]["step"] + 1]
)
m.s = pyo.Var(N, bounds=(0, H))
m.T = pyo.Var(bounds=(0, H))
m.first = pyo.Var(m.P, domain=pyo.Binary)
m.obj = pyo.Objective(expr=m.T)
m.prec = pyo.Constraint(m.S, rule=lambda m, a, b: m.s[b] >= m.s[a] + p[a])
m.end = pyo.Constraint(N, rule=lambda m, o: m.T >= m.s[o] + p[o])
m.ab = pyo.Constraint(m.P, rule=lambda m, a, b: m.s[a] + p[a] <= m.s[b] + H * (1 - m.first[a, b]))
m.ba = pyo.Constraint(m.P, rule=lambda m, a, b: m.s[b] + p[b] <= m.s[a] + H * m.first[a, b])
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
