"""Compile a `SpecV2` (plus data) into a `LinearModel`, its priority objectives and an explanation of every row.

Why one driver: the stages (statements → sets and parameters → variables → objectives → constraints → matrix)
share one work budget, one column table and one error list. Errors are *collected*: a repair loop that learns
one problem per LLM call is slow, so `ModelBuildErrorV2` lists every located problem at once, and a statement
that depends on a broken one says so instead of producing a second, confusing error.

Contract: `compile_v2(spec, data, options)` returns a `CompiledV2` whose `model` passes `LinearModel.validate`,
whose objective is the first priority, and whose `row_origins[i]` says where row ``i`` came from (statement,
family, binding) and how it was encoded; or raises `ModelBuildErrorV2` with one line per problem, e.g.
``constraints[2] (leave): unknown set 'Nodes' in `for k in Nodes`; did you mean N?``.
"""

from __future__ import annotations

import ast
import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from formulation.v2.declarations import DOMAINS, Definitions, declare_variables, evaluate_definitions, which_failed
from formulation.v2.interpreter import Budget, Interpreter, InterpreterError, Limits, free_names
from formulation.v2.linear import ColumnOrigin, Columns, LinExpr
from formulation.v2.logic import AllOf, AnyOf, Atom, Implies, is_false, is_true
from formulation.v2.lowering import Lowering, RowDraft
from formulation.v2.model_eval import ElementScope, ModelEvaluator, VarFamily
from formulation.v2.spec import SpecV2
from formulation.v2.statements import Statement, location, parse_statement
from formulation.v2.values import label, type_name
from solvers.errors import MilpflowError
from solvers.lexicographic import ObjectiveLevel
from solvers.linear import LinearModel, ModelDataError, ObjectiveSense

__all__ = ["CompileOptionsV2", "CompiledV2", "ModelBuildErrorV2", "RowOrigin", "compile_v2"]


class CompileOptionsV2(BaseModel):
    """Limits for one v2 compilation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_iterations: int = Field(default=1_000_000, ge=1, description="Work budget: loop iterations, elements "
                                "produced, columns and rows, over the whole compilation.")
    max_depth: int = Field(default=64, ge=4, description="Deepest syntax tree of one statement.")
    max_statement_chars: int = Field(default=100_000, ge=10, description="Longest statement.")
    name: str = Field(default="model", description="Name given to the compiled LinearModel.")

    def limits(self) -> Limits:
        return Limits(max_iterations=self.max_iterations, max_depth=self.max_depth,
                      max_statement_chars=self.max_statement_chars)


class ModelBuildErrorV2(MilpflowError, ValueError):
    """The v2 model cannot be built. `errors` holds one located, fixable line per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        head = f"the model has {count} error{'s' if count != 1 else ''}:"
        super().__init__(head + "\n" + "\n".join(f"  - {e}" for e in self.errors))


@dataclass(frozen=True)
class RowOrigin:
    """Where a row came from and how it was made.

    Attributes:
        section: ``constraints`` or ``objectives`` (auxiliary rows of an objective's abs/max/min/piecewise).
        statement: Index of the statement in its section.
        family: The statement's name (its rows are ``family[binding]``).
        binding: The values of the family's loop names for this row (empty for a single constraint).
        encoding: ``row`` for a plain comparison; otherwise how logic or a function was lowered (with its M).
        description: The statement's trailing comment, if any.
    """

    section: str
    statement: int
    family: str
    binding: tuple[object, ...]
    encoding: str
    description: str | None = None


@dataclass
class CompiledV2:
    """A compiled v2 model.

    Attributes:
        model: The flat model; its objective is the first (highest-priority) objective.
        objectives: Every objective in priority order (one entry for an ordinary model; none for feasibility).
        row_origins: One `RowOrigin` per row of `model`, in row order.
        column_keys: One ``(variable, index)`` per column: the declared variable and its flat index, or for an
            auxiliary column its own name and ``()``.
        column_origins: For auxiliary columns (by column index): the statement and role that made them.
        notes: Encoding choices and other facts a reader should know (one line each, located).
        assumptions, plan: Copied from the spec.
        seconds: Compilation time.
        iterations: Work used from the budget.
        descriptions: Statement name → its trailing comment.
    """

    model: LinearModel
    objectives: list[ObjectiveLevel]
    row_origins: list[RowOrigin]
    column_keys: list[tuple[str, tuple[object, ...]]]
    column_origins: dict[int, ColumnOrigin]
    notes: list[str]
    assumptions: list[str]
    plan: str
    seconds: float
    iterations: int = 0
    descriptions: dict[str, str] = field(default_factory=dict)


def compile_v2(
    spec: SpecV2,
    data: Mapping[str, object] | None = None,
    options: CompileOptionsV2 | None = None,
) -> CompiledV2:
    """Build `spec` against `data`; raise `ModelBuildErrorV2` listing every problem found."""
    started = time.perf_counter()
    compiled = _Builder(spec, dict(data or {}), options or CompileOptionsV2()).build()
    compiled.seconds = time.perf_counter() - started
    return compiled


@dataclass
class _ObjectiveDraft:
    name: str
    sense: ObjectiveSense
    expr: LinExpr
    tol: float
    abs_tol: float


class _Rows:
    """Rows in CSR form as they are made, with their origins; names are made unique."""

    def __init__(self) -> None:
        self.cols: list[int] = []
        self.coefs: list[float] = []
        self.indptr: list[int] = [0]
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.names: list[str] = []
        self.origins: list[RowOrigin] = []
        self._seen: dict[str, int] = {}

    def add(self, draft: RowDraft, origin: RowOrigin) -> None:
        self.cols.extend(draft.expr.terms.keys())
        self.coefs.extend(draft.expr.terms.values())
        self.indptr.append(len(self.cols))
        self.lower.append(draft.lo)
        self.upper.append(draft.hi)
        name = draft.name
        if name in self._seen:
            k = self._seen[name] + 1
            while f"{name}~{k}" in self._seen:
                k += 1
            self._seen[name] = k
            name = f"{name}~{k}"
        self._seen[name] = 1
        self.names.append(name)
        self.origins.append(origin)


_UNAVAILABLE_VARIABLE = ("is a decision variable; sets, parameters and bounds are computed before solving and "
                         "cannot use variables")


class _Builder:
    def __init__(self, spec: SpecV2, data: dict[str, object], options: CompileOptionsV2) -> None:
        self.spec = spec
        self.data = {k: v for k, v in data.items() if isinstance(k, str) and "__" not in k}
        self.options = options
        self.limits = options.limits()
        self.budget = Budget(options.max_iterations)
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.columns = Columns()
        self.rows = _Rows()
        self.failed: set[str] = set()
        self.note_counts: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.row_kinds: set[str] = set()

    # ------------------------------------------------------------------------------------------ driver
    def build(self) -> CompiledV2:
        sections = self._parse()
        self._check_names(sections)
        var_names = {s.name: _UNAVAILABLE_VARIABLE for s in sections["variables"] if s.name}
        definitions = evaluate_definitions(sections["sets"], sections["parameters"], self.data, self.budget,
                                           self.limits, self.errors, var_names)
        self.failed |= {s.name for s in (*sections["sets"], *sections["parameters"])
                        if s.name and s.name not in definitions.names}
        unavailable = {**var_names, **{n: "could not be evaluated (see its own error)" for n in self.failed}}
        ready_variables = [s for s in sections["variables"] if not self._skipped(s)]
        variables = declare_variables(ready_variables, definitions.names, self.columns, self.budget, self.limits,
                                      self.errors, unavailable)
        self.failed |= {s.name for s in sections["variables"] if s.name and s.name not in variables}
        declared = len(self.columns)
        objectives = [draft for stmt in sections["objectives"] if not self._skipped(stmt)
                      for draft in self._objective(stmt, definitions, variables, len(sections["objectives"]))]
        for stmt in sections["constraints"]:
            if not self._skipped(stmt):
                self._constraint(stmt, definitions, variables)
        if self.errors:
            raise ModelBuildErrorV2(self.errors)
        self._summarise_notes(declared)
        return self._assemble(sections, objectives)

    def _skipped(self, stmt: Statement) -> bool:
        """True (and an error line) when `stmt` uses a name whose own statement failed."""
        broken = sorted((free_names(stmt.value) & self.failed) - ({stmt.name} if stmt.name else set()))
        if broken:
            self.errors.append(f"{stmt.where}: not evaluated because it uses {which_failed(broken)}")
            if stmt.name:
                self.failed.add(stmt.name)
            return True
        return False

    # ------------------------------------------------------------------------------------------ statements
    def _parse(self) -> dict[str, list[Statement]]:
        sections: dict[str, list[Statement]] = {}
        for section, texts, required in (
            ("sets", self.spec.sets, True),
            ("parameters", self.spec.parameters, True),
            ("variables", self.spec.variables, True),
            ("objectives", self.spec.objectives, False),
            ("constraints", self.spec.constraints, False),
        ):
            parsed: list[Statement] = []
            for index, text in enumerate(texts):
                try:
                    parsed.append(parse_statement(text, section, index, self.limits, name_required=required))
                except InterpreterError as exc:
                    name = _guess_name(text)
                    self.errors.append(f"{location(section, index, name)}: {exc}")
                    if name and required:
                        self.failed.add(name)
            sections[section] = parsed
        return sections

    def _check_names(self, sections: dict[str, list[Statement]]) -> None:
        owners: dict[str, str] = {}
        for section in ("sets", "parameters", "variables"):
            for stmt in sections[section]:
                assert stmt.name is not None
                if stmt.name in self.data:
                    self.errors.append(f"{stmt.where}: `{stmt.name}` is already a data entry (usable directly by "
                                       "that name); remove this statement or choose another name")
                    self.failed.add(stmt.name)
                elif stmt.name in owners:
                    self.errors.append(f"{stmt.where}: `{stmt.name}` is already defined by {owners[stmt.name]}; "
                                       "names must be unique")
                    self.failed.add(stmt.name)
                else:
                    owners[stmt.name] = stmt.where
        rows: dict[str, str] = {}
        for section in ("objectives", "constraints"):
            for stmt in sections[section]:
                if stmt.name is None:
                    continue
                if stmt.name in rows:
                    self.errors.append(f"{stmt.where}: the name `{stmt.name}` is already used by {rows[stmt.name]}; "
                                       "constraint and objective names must be unique")
                rows[stmt.name] = stmt.where

    # ------------------------------------------------------------------------------------------ objectives
    def _objective(self, stmt: Statement, definitions: Definitions, variables: dict[str, VarFamily],
                   count: int) -> list[_ObjectiveDraft]:
        call = stmt.value
        name = stmt.name or ("objective" if count == 1 else f"objective{stmt.index + 1}")
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id in ("minimize", "maximize") and len(call.args) == 1):
            self.errors.append(f"{stmt.where}: an objective is `minimize(expression)` or `maximize(expression)` "
                               f"(optionally with tol= and abs_tol=) in `{stmt.code}`")
            return []
        evaluator = ModelEvaluator(definitions.names, variables, self.columns, self.budget, stmt.code, self.limits)
        scope = ElementScope("objectives", stmt.index, name, (), name)
        evaluator.scope = scope
        try:
            tolerances = self._tolerances(call, definitions, stmt.code)
            value = evaluator.evaluate(call.args[0])
            if isinstance(value, bool) or not isinstance(value, LinExpr | int | float):
                raise InterpreterError(f"the objective must be a linear expression, not a {_kind(value)}",
                                       stmt.code, "write what to optimise, e.g. minimize(sum(c[i] * x[i] for i in N))")
            expr = value if isinstance(value, LinExpr) else LinExpr.constant(float(value))
            minimize = call.func.id == "minimize"
            lowering = Lowering(self.columns, scope, lambda node: evaluator.fragment(node) if node else stmt.code,
                                lambda n: evaluator.charge(n, call))
            drafts = lowering.finish(expr, minimize)
        except InterpreterError as exc:
            self.errors.append(f"{stmt.where}: {exc}")
            return []
        except RecursionError:
            self.errors.append(f"{stmt.where}: the expression nests too deeply")
            return []
        self._add_rows(stmt, name, (), drafts, scope)
        if expr.is_constant:
            self.notes.append(f"{stmt.where}: the objective has no decision variable (a feasibility problem)")
        return [_ObjectiveDraft(name, ObjectiveSense(call.func.id), expr, *tolerances)]

    def _tolerances(self, call: ast.Call, definitions: Definitions, code: str) -> tuple[float, float]:
        interp = Interpreter(definitions.names, self.budget, code, self.limits)
        values = {"tol": 1e-6, "abs_tol": 1e-9}
        for kw in call.keywords:
            if kw.arg not in values:
                raise InterpreterError(f"objectives take the keywords tol= and abs_tol=, not {kw.arg}=", code)
            value = interp.evaluate(kw.value)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InterpreterError(f"{kw.arg}= must be a non-negative number", interp.fragment(kw))
            values[kw.arg] = float(value)
        return values["tol"], values["abs_tol"]

    # ------------------------------------------------------------------------------------------ constraints
    def _constraint(self, stmt: Statement, definitions: Definitions, variables: dict[str, VarFamily]) -> None:
        name = stmt.name or f"constraint{stmt.index}"
        evaluator = ModelEvaluator(definitions.names, variables, self.columns, self.budget, stmt.code, self.limits)
        node = stmt.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in DOMAINS:
            self.errors.append(f"{stmt.where}: a variable declaration belongs under variables, not constraints")
            return
        binding: tuple[object, ...] = ()
        targets: list[str] = []
        try:
            if isinstance(node, ast.GeneratorExp | ast.ListComp):
                targets = _target_order(node.generators)
                elements = 0
                for env in evaluator.bindings(node.generators, {}, node):
                    binding = tuple(env[t] for t in targets)
                    self._element(evaluator, stmt, name, binding, node.elt, env)
                    elements += 1
                if elements == 0:
                    self.notes.append(f"{stmt.where}: the family has no members (its loops and filters select "
                                      "nothing), so it adds no row")
            else:
                self._element(evaluator, stmt, name, (), node, {})
        except InterpreterError as exc:
            at = f" at {_binding_text(targets, binding)}" if binding else ""
            self.errors.append(f"{stmt.where}{at}: {exc}")
        except RecursionError:
            self.errors.append(f"{stmt.where}: the expression nests too deeply")

    def _element(self, evaluator: ModelEvaluator, stmt: Statement, name: str, binding: tuple[object, ...],
                 node: ast.expr, env: dict[str, object]) -> None:
        base = f"{name}[{label(binding)}]" if binding else name
        scope = ElementScope("constraints", stmt.index, name, binding, base)
        evaluator.scope = scope
        value = evaluator.evaluate(node, env)
        if isinstance(value, list | tuple):
            parts = [evaluator.constraint(v, node) for v in value]
            tree = evaluator._conjunction(parts, node) if parts else AllOf(())
        else:
            tree = evaluator.constraint(value, node)
        if is_true(tree):
            self.note_counts[(stmt.where, "member(s) hold for any values (no row)")].append(0.0)
            return
        if is_false(tree):
            raise InterpreterError(
                "the constraint can never hold: no decision variable remains and the comparison is false",
                evaluator.fragment(node),
                "check the data and the filters (an empty sum is 0), or drop the constraint",
            )
        lowering = Lowering(self.columns, scope, lambda n: evaluator.fragment(n) if n else stmt.code,
                            lambda n: evaluator.charge(n, node))
        lowering.constraint(tree)
        self._add_rows(stmt, name, binding, lowering.finish(), scope)

    def _add_rows(self, stmt: Statement, family: str, binding: tuple[object, ...], drafts: list[RowDraft],
                  scope: ElementScope) -> None:
        for draft in drafts:
            self.rows.add(draft, RowOrigin(stmt.section, stmt.index, family, binding, draft.encoding, stmt.comment))
            if draft.kind != "row":
                self.row_kinds.add(draft.kind)
                self.note_counts[(stmt.where, draft.kind)].append(draft.big_m if draft.big_m is not None else math.nan)
        for note in scope.notes:
            self.note_counts[(stmt.where, note)].append(math.nan)

    def _summarise_notes(self, declared: int) -> None:
        for (where, kind), values in self.note_counts.items():
            count = len(values)
            if kind in self.row_kinds:
                text = f"{where}: {kind}: {count} row{'s' if count != 1 else ''}"
                ms = [m for m in values if not math.isnan(m)]
                if ms and max(ms) > 0:
                    low, high = min(ms), max(ms)
                    text += f", M = {low:g}" if low == high else f", M from {low:g} to {high:g}"
                    text += " (from variable bounds)"
            else:
                text = f"{where}: {kind}" + (f" ({count}×)" if count > 1 else "")
            self.notes.append(text)
        auxiliary = len(self.columns) - declared
        if auxiliary:
            binaries = sum(1 for j in range(declared, len(self.columns)) if self.columns.integer[j])
            self.notes.append(f"lowering added {auxiliary} auxiliary column(s), {binaries} of them binary")

    # ------------------------------------------------------------------------------------------ assembly
    def _assemble(self, sections: dict[str, list[Statement]], drafts: list[_ObjectiveDraft]) -> CompiledV2:
        n = len(self.columns)
        levels: list[ObjectiveLevel] = []
        for d in drafts:
            vector = np.zeros(n)
            for j, a in d.expr.terms.items():
                vector[j] += a
            levels.append(ObjectiveLevel(d.name, d.sense, vector, d.expr.const, d.tol, d.abs_tol))
        first = levels[0] if levels else ObjectiveLevel("feasibility", ObjectiveSense.MINIMIZE, np.zeros(n))
        if not levels:
            self.notes.append("no objective: any feasible solution is optimal")
        if len(levels) > 1:
            self.notes.append(f"{len(levels)} objectives are priorities, solved lexicographically: "
                              + ", then ".join(f"{lv.sense.value} {lv.name}" for lv in levels))
        rows = self.rows
        matrix = sp.csr_matrix(
            (np.asarray(rows.coefs, dtype=np.float64), np.asarray(rows.cols, dtype=np.int64),
             np.asarray(rows.indptr, dtype=np.int64)),
            shape=(len(rows.names), n),
        )
        descriptions = {s.name: s.comment for sec in sections.values() for s in sec if s.name and s.comment}
        row_descriptions = {name: origin.description for name, origin in zip(rows.names, rows.origins, strict=True)
                            if origin.description}
        try:
            model = LinearModel.from_arrays(
                name=self.options.name,
                var_names=self.columns.names,
                lower=self.columns.lower,
                upper=self.columns.upper,
                integrality=self.columns.integer,
                objective=first.vector,
                objective_constant=first.constant,
                sense=first.sense,
                A=matrix,
                row_lower=rows.lower,
                row_upper=rows.upper,
                row_names=rows.names,
                row_descriptions=row_descriptions,
            )
        except ModelDataError as exc:
            raise ModelBuildErrorV2([str(exc)]) from exc
        return CompiledV2(
            model=model,
            objectives=levels,
            row_origins=rows.origins,
            column_keys=list(self.columns.keys),
            column_origins=dict(self.columns.origins),
            notes=self.notes,
            assumptions=list(self.spec.assumptions),
            plan=self.spec.plan,
            seconds=0.0,
            iterations=self.budget.used,
            descriptions=descriptions,
        )


def _target_order(generators: list[ast.comprehension]) -> list[str]:
    """Loop names in binding order: ``for (i, j) in A for k in N`` → i, j, k."""
    names: list[str] = []

    def visit(target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                visit(elt)

    for gen in generators:
        visit(gen.target)
    return names


def _binding_text(targets: list[str], binding: tuple[object, ...]) -> str:
    return ", ".join(f"{t}={v!r}" for t, v in zip(targets, binding, strict=False))


def _guess_name(text: object) -> str | None:
    if not isinstance(text, str) or "=" not in text:
        return None
    head = text.split("=", 1)[0].strip()
    return head if head.isidentifier() else None


def _kind(value: object) -> str:
    if isinstance(value, Atom | AllOf | AnyOf | Implies):
        return "constraint"
    if isinstance(value, VarFamily):
        return f"indexed variable (`{value.name}` needs an index)"
    return type_name(value)
