"""One v2 statement: ``name = <expression>  # description``, parsed and checked, never executed.

Why separate: every section (sets, parameters, variables, objectives, constraints) starts the same way — split
off the trailing comment (it becomes the statement's description), parse one Python statement, check that it is
an assignment to one plain name (or, where allowed, a bare expression), and run the whitelist of
`formulation.v2.interpreter.check_tree`. Doing it once here gives every section the same located messages.

Contract: `parse_statement` returns a `Statement` or raises `InterpreterError`; `Statement.where` is the location
prefix every later message uses, e.g. ``constraints[2] (leave)``.
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from dataclasses import dataclass

from formulation.v2.interpreter import ALLOWED_FUNCTIONS, InterpreterError, Limits, check_tree

__all__ = ["RESERVED", "Statement", "parse_statement"]

RESERVED = frozenset({
    *ALLOWED_FUNCTIONS, "continuous", "integer", "binary", "minimize", "maximize", "implies", "either",
    "piecewise", "inf", "True", "False", "None",
})
"""Names a statement cannot define: the language's own words."""


@dataclass(frozen=True)
class Statement:
    """A parsed statement.

    Attributes:
        section: ``sets``, ``parameters``, ``variables``, ``objectives`` or ``constraints``.
        index: Position in its section (0-based, as in the JSON list).
        code: The statement without its comment (fragments are quoted from it).
        name: The assigned name, or None for a bare expression (an unnamed objective or constraint).
        value: The right-hand side, checked against the whitelist.
        comment: The trailing ``# comment``, stripped, or None.
    """

    section: str
    index: int
    code: str
    name: str | None
    value: ast.expr
    comment: str | None

    @property
    def where(self) -> str:
        return location(self.section, self.index, self.name)


def location(section: str, index: int, name: str | None) -> str:
    """``constraints[2] (leave)``: the prefix of every message about a statement."""
    return f"{section}[{index}] ({name})" if name else f"{section}[{index}]"


def split_comment(text: str) -> tuple[str, str | None]:
    """Code and trailing comment of one statement (a ``#`` inside a string literal is not a comment)."""
    if "#" not in text:
        return text, None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return text, None  # the parser reports the real problem
    lines = text.splitlines(keepends=True)
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, col = token.start
            offset = sum(len(line) for line in lines[: row - 1]) + col
            comment = token.string[1:].strip()
            return text[:offset].rstrip(), comment or None
    return text, None


def parse_statement(text: object, section: str, index: int, limits: Limits, *, name_required: bool) -> Statement:
    """Parse one statement of `section`; raise `InterpreterError` (without location) if it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise InterpreterError("the statement is empty", hint="write `name = expression`")
    if len(text) > limits.max_statement_chars:
        raise InterpreterError(
            f"the statement has {len(text):,} characters; the limit is {limits.max_statement_chars:,}",
            text[:60], "put large tables in data.json and refer to them by name",
        )
    if "\x00" in text:
        raise InterpreterError("the statement contains a NUL character")
    code, comment = split_comment(text.strip())
    code = code.strip()
    try:
        module = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise InterpreterError(f"syntax error{where}: {exc.msg}", code, _syntax_hint(code)) from None
    except (RecursionError, MemoryError, ValueError):
        raise InterpreterError(f"the statement nests deeper than {limits.max_depth} levels", code,
                               "split it into smaller statements") from None
    if len(module.body) != 1:
        raise InterpreterError("write exactly one statement per entry", code,
                               "split `a = 1; b = 2` into two entries")
    stmt = module.body[0]
    name: str | None
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise InterpreterError("the left side must be one plain name", code, "write `name = expression`")
        name = stmt.targets[0].id
        value = stmt.value
        _check_name(name, code)
    elif isinstance(stmt, ast.Expr):
        if name_required:
            raise InterpreterError(f"a statement under {section} must name what it defines", code,
                                   "write `name = expression`")
        name, value = None, stmt.value
    else:
        raise InterpreterError(f"{_kind(stmt)} is not allowed", code,
                               "a statement is `name = expression` (one line of Python syntax, never executed)")
    check_tree(value, code, limits)
    return Statement(section=section, index=index, code=code, name=name, value=value, comment=comment)


def _check_name(name: str, code: str) -> None:
    if "__" in name or name.startswith("_"):
        raise InterpreterError(f"the name `{name}` is not allowed (names starting with `_` are reserved)", code)
    if name in RESERVED or keyword.iskeyword(name):
        raise InterpreterError(f"`{name}` is a word of the language and cannot be redefined", code,
                               "choose another name")


def _kind(stmt: ast.stmt) -> str:
    kinds = {
        ast.Import: "an import", ast.ImportFrom: "an import", ast.FunctionDef: "a function definition",
        ast.AsyncFunctionDef: "a function definition", ast.ClassDef: "a class definition",
        ast.For: "a for loop", ast.While: "a while loop", ast.If: "an if statement", ast.With: "a with statement",
        ast.AugAssign: "augmented assignment (+=)", ast.AnnAssign: "an annotated assignment", ast.Delete: "del",
        ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Raise: "raise", ast.Try: "try", ast.Assert: "assert",
        ast.Return: "return", ast.Pass: "pass",
    }
    return kinds.get(type(stmt), type(stmt).__name__)


def _syntax_hint(code: str) -> str:
    if ":=" in code:
        return "assignment expressions (:=) are not allowed"
    if code.count("(") != code.count(")"):
        return "the parentheses do not balance"
    if code.count("[") != code.count("]"):
        return "the brackets do not balance"
    return "a statement is one line of Python syntax: `name = expression`"
