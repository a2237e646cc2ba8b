# GAMS trnsport with its data inline, as in examples/transport.json: ship cases from plants to markets at least cost.
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

supply = {"Seattle": 350, "SanDiego": 600}
demand = {"NewYork": 325, "Chicago": 300, "Topeka": 275}
distance = {
    ("Seattle", "NewYork"): 2.5,
    ("Seattle", "Chicago"): 1.7,
    ("Seattle", "Topeka"): 1.8,
    ("SanDiego", "NewYork"): 2.5,
    ("SanDiego", "Chicago"): 1.8,
    ("SanDiego", "Topeka"): 1.4,
}
freight = 90
m = pyo.ConcreteModel()
m.ship = pyo.Var(list(supply), list(demand), domain=pyo.NonNegativeReals)
m.cost = pyo.Objective(expr=sum(freight * distance[i, j] / 1000 * m.ship[i, j] for i, j in distance))
m.supply_limit = pyo.Constraint(list(supply), rule=lambda m, i: sum(m.ship[i, j] for j in demand) <= supply[i])
m.meet_demand = pyo.Constraint(list(demand), rule=lambda m, j: sum(m.ship[i, j] for i in supply) >= demand[j])
SolverFactory("highs").solve(m)
print(pyo.value(m.cost))
