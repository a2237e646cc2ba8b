# Buy demand from supplier A (incremental quantity discounts) and supplier B (unit price plus fixed charge).
import json
import sys

import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

d = json.load(open(sys.argv[1]))
br, pr = d["a_breaks"], d["a_prices"]
cum = [sum(pr[k] * (br[k + 1] - br[k]) for k in range(i)) for i in range(len(br))]
m = pyo.ConcreteModel()
m.qa = pyo.Var(bounds=(br[0], br[-1]))
m.ca = pyo.Var()
m.qb = pyo.Var(bounds=(0, d["b_max"]))
m.yb = pyo.Var(domain=pyo.Binary)
m.pw = pyo.Piecewise(m.ca, m.qa, pw_pts=br, f_rule=cum, pw_constr_type="EQ", pw_repn="INC")
m.dem = pyo.Constraint(expr=m.qa + m.qb == d["demand"])
m.link = pyo.Constraint(expr=m.qb <= d["b_max"] * m.yb)
m.obj = pyo.Objective(expr=m.ca + d["b_price"] * m.qb + d["b_fixed"] * m.yb)
SolverFactory("highs").solve(m)
print(pyo.value(m.obj))
