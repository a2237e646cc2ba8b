"""Status vocabularies are enums whose values never change: stored records, JSON output and reports depend on
the strings, so turning a bare string into an enum member must leave every serialised value as it was."""

from __future__ import annotations

import json

from benchmarks.datasets.audit import AuditRow, AuditStatus
from eval.exact import ExactOutcome, run_with_time_limit
from formulation.llm import CallRecord, ErrorCategory, OutputMode
from solvers.result import SolveStatus


def test_exact_outcomes_keep_their_strings() -> None:
    assert [o.value for o in ExactOutcome] == ["found", "none", "timeout", "error"]
    outcome, mapping, message = run_with_time_limit(lambda: None, (), None)
    assert outcome == "none" and outcome is ExactOutcome.NONE and mapping is None and message is None


def test_error_categories_keep_their_strings() -> None:
    assert [c.value for c in ErrorCategory] == [
        "not_configured", "rate_limited", "timeout", "connection", "server_error", "auth", "bad_request",
        "refusal", "truncated", "invalid_output",
    ]


def test_call_record_outcome_serialises_as_before() -> None:
    failed = CallRecord(mode=OutputMode.JSON_SCHEMA, cached=False, seconds=0.5, outcome=ErrorCategory.TIMEOUT)
    ok = CallRecord(mode=OutputMode.TEXT, cached=True, seconds=0.0, outcome="ok")
    assert json.loads(failed.model_dump_json())["outcome"] == "timeout"
    assert json.loads(ok.model_dump_json())["outcome"] == "ok"
    assert CallRecord.model_validate_json(failed.model_dump_json()).outcome is ErrorCategory.TIMEOUT
    assert CallRecord.model_validate_json(ok.model_dump_json()).outcome == "ok"


def test_every_solve_status_is_an_audit_status() -> None:
    assert {s.value for s in SolveStatus} | {"out_of_scope"} == {a.value for a in AuditStatus}
    for status in SolveStatus:
        assert AuditStatus.of(status).value == status.value
    assert not AuditStatus.ERROR.solved and not AuditStatus.OUT_OF_SCOPE.solved and AuditStatus.OPTIMAL.solved


def test_audit_rows_serialise_as_before() -> None:
    row = AuditRow(problem_id="p", problem_class="c", status=AuditStatus.OUT_OF_SCOPE,
                   known_status=SolveStatus.OPTIMAL, known_objective=1.5)
    payload = json.loads(row.model_dump_json())
    assert payload["status"] == "out_of_scope" and payload["known_status"] == "optimal"
    assert AuditRow.model_validate(payload).status is AuditStatus.OUT_OF_SCOPE
