# Fixed-charge network flow: unit cost per flow plus a fixed cost for every arc used.
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
nodes = d["nodes"]
arc = {(a["from"], a["to"]): a for a in d["arcs"]}
m = pyo.ConcreteModel()
m.A = pyo.Set(initialize=list(arc), dimen=2)
m.flow = pyo.Var(m.A, bounds=lambda m, i, j: (0, arc[i, j]["capacity"]))
m.use = pyo.Var(m.A, domain=pyo.Binary)
m.obj = pyo.Objective(expr=sum(arc[a]["cost"] * m.flow[a] + arc[a]["fixed"] * m.use[a] for a in m.A))
m.bal = pyo.Constraint(
    list(nodes),
    rule=lambda m, n: (
        sum(m.flow[n, j] for i, j in m.A if i == n) - sum(m.flow[i, n] for i, j in m.A if j == n) == nodes[n]
    ),
)
m.link = pyo.Constraint(m.A, rule=lambda m, i, j: m.flow[i, j] <= arc[i, j]["capacity"] * m.use[i, j])
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
