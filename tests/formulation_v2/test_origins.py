"""Every generated row and column is named after its statement, and `CompiledV2` says how each was made."""

from __future__ import annotations

from tests.formulation_v2.helpers import build


def test_rows_and_columns_say_where_they_came_from() -> None:
    compiled = build(
        {"cap": {"a": 4, "b": 6}, "p": [3, 5, 2]},
        sets=["S = list(cap)", "J = range(len(p))", "P = [(a, b) for a in J for b in J if a < b]"],
        variables=["flow = continuous(S, ub=cap)", "use = binary(S)", "s = continuous(J, ub=sum(p))"],
        objectives=["total = minimize(sum(flow[k] for k in S) + max(s[j] for j in J))"],
        constraints=[
            "link = (implies(not use[k], flow[k] <= 0) for k in S)  # no flow through a closed arc",
            "order = (either(s[a] + p[a] <= s[b], s[b] + p[b] <= s[a]) for (a, b) in P)",
            "dev = abs(flow['a'] - flow['b']) == 1",
        ],
    )
    model = compiled.model
    origins = dict(zip(model.row_names, compiled.row_origins, strict=True))

    link = origins["link[a]#M"]
    assert (link.section, link.statement, link.family, link.binding) == ("constraints", 0, "link", ("a",))
    assert link.encoding == "implies: big-M row, M=4 from the variables' bounds (upper side)"
    assert link.description == "no flow through a closed arc"
    assert model.row_descriptions["link[b]#M"] == "no flow through a closed arc"

    first = origins["either.order[0,1]#1"]
    assert first.binding == (0, 1)
    assert first.encoding.startswith("either alternative 1/2: big-M row, M=")
    assert origins["either.order[0,1]#2"].encoding.startswith("either alternative 2/2: big-M row, M=")

    epigraph = [name for name, o in origins.items() if o.section == "objectives"]
    assert epigraph == ["total#max1.1", "total#max1.2", "total#max1.3"]
    assert origins["total#max1.1"].encoding == "max: epigraph t >= each argument (convex position, no binary)"

    assert origins["dev#abs1.M+"].encoding.startswith("abs: exact with one binary")

    columns = dict(zip(model.var_names, range(model.num_vars), strict=True))
    assert compiled.column_keys[columns["flow[a]"]] == ("flow", ("a",))
    assert compiled.column_keys[columns["either.order[0,1]#y"]] == ("either.order[0,1]#y", ())
    aux = compiled.column_origins[columns["total#max1"]]
    assert (aux.section, aux.family, aux.role) == ("objectives", "total", "value of max(s[j] for j in J)")
    assert compiled.column_origins[columns["dev#abs1.z"]].role == "abs: 1 = the argument is >= 0"
    assert "flow[a]" not in {model.var_names[j] for j in compiled.column_origins}

    notes = "\n".join(compiled.notes)
    assert "constraints[0] (link): implies big-M: 2 rows, M from 4 to 6 (from variable bounds)" in notes
    assert "constraints[1] (order): either alternative 1/2 big-M: 3 rows" in notes
    assert "objectives[0] (total): max epigraph: 3 rows" in notes
    assert "lowering added" in notes


def test_names_stay_unique_when_bindings_repeat() -> None:
    compiled = build(data={"L": [1, 1, 2]}, variables=["x = continuous(ub=5)"],
                     constraints=["c = (x >= v for v in L)"])
    assert compiled.model.row_names == ["c[1]", "c[1]~2", "c[2]"]


def test_plan_assumptions_and_timing_are_kept() -> None:
    compiled = build(variables=["x = continuous(ub=1)"], objectives=["maximize(x)"])
    assert compiled.plan == "test"
    assert compiled.assumptions == []
    assert 0 < compiled.seconds < 5
    assert compiled.iterations >= 1
