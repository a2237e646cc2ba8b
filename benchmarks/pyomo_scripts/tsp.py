# Shortest closed tour through all points (MTZ subtour elimination).
import json
import math
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
x, y = d["x"], d["y"]
n = len(x)
N = range(n)
m = pyo.ConcreteModel()
m.A = pyo.Set(initialize=[(i, j) for i in N for j in N if i != j])
m.go = pyo.Var(m.A, domain=pyo.Binary)
m.u = pyo.Var(N, bounds=(0, n - 1))
m.obj = pyo.Objective(expr=sum(math.hypot(x[i] - x[j], y[i] - y[j]) * m.go[i, j] for i, j in m.A))
m.out = pyo.Constraint(N, rule=lambda m, k: sum(m.go[k, j] for j in N if j != k) == 1)
m.inn = pyo.Constraint(N, rule=lambda m, k: sum(m.go[i, k] for i in N if i != k) == 1)
m.mtz = pyo.Constraint(
    [(i, j) for i, j in m.A if j > 0], rule=lambda m, i, j: m.u[i] - m.u[j] + n * m.go[i, j] <= n - 1
)
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
