"""Schemathesis over `docs/openapi.json` against the real reporting app (the whole stack on real
NATS and PostgreSQL, with a seeded prison): every generated request, valid or not, gets a
documented status (never a 5xx) and a body that conforms to the document.

The app runs with bearer tokens on (`secured_reports`), as a non-loopback deployment does: a
request schemathesis sends with an `Authorization` header carries a valid all-prisons token
instead of its generated one; one it sends without (a negative case) must be refused (401).

Bounded: a fixed number of examples per operation and generation mode, no example database,
no shrinking past the first failure's report."""

import asyncio
from datetime import timedelta
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.meta import ParameterLocation

from ops.tokens import ensure_token_key, issue_token, scope_of
from tests.e2e.helpers import last_seq
from tests.e2e.test_evaluation_e2e import first_prison

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
# negative_data_rejection: a request the document says is invalid (`to=0`, a pattern broken)
# must be refused with a 4xx, not answered.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance,
          content_type_conformance, negative_data_rejection]
# A case whose generated Authorization header was the invalid part gets a valid token instead
# (above), and is then no longer known to be invalid: its other "invalid" parts may serialise
# to a valid request (a one-item array for a string query parameter is `?partner_id=false`),
# so such a case is held to every check but negative_data_rejection.
REPLACED_CHECKS = [c for c in CHECKS if c is not negative_data_rejection]
EXAMPLES = 100  # per operation, valid and invalid requests mixed: ≈ 500 requests


def fuzz(base_url: str, examples: int, token: str) -> dict[str, int]:
    """Runs every operation of the document in both modes; returns requests per operation.
    Raises the first failure (schemathesis names the check, the request and the response)."""
    schema = schemathesis.openapi.from_path(DOC)
    sent: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        sent[operation.label] = 0
        _operation_test(operation, base_url, examples, sent, token)()
    return sent


def _operation_test(operation, base_url: str, examples: int, sent: dict[str, int], token: str):
    strategy = (operation.as_strategy(GenerationMode.POSITIVE)
                | operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    def run(case):
        sent[operation.label] += 1
        checks = CHECKS
        if case.headers and "Authorization" in case.headers:
            case.headers["Authorization"] = f"Bearer {token}"
            header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
            if header is not None and header.mode == GenerationMode.NEGATIVE:
                checks = REPLACED_CHECKS
        case.call_and_validate(base_url=base_url, checks=checks, timeout=10)

    return run


@pytest.mark.nats
@pytest.mark.pg
@pytest.mark.timeout(240)
async def test_the_reports_keep_the_openapi_document(stack, secured_reports, prison_id):
    await first_prison(stack, prison_id)
    await stack.caught_up(await last_seq(stack))
    # Requests block: sent from a thread while this loop serves them.
    base_url, creds = secured_reports
    token = issue_token(ensure_token_key(creds), scope_of(every=True), timedelta(hours=1))
    sent = await asyncio.to_thread(fuzz, base_url, EXAMPLES, token)
    print(f"schemathesis: {sum(sent.values())} requests, {sent}")
    # 6, /intake, /recidivism{,/stock}, /programs/{id}/participants, /quotas
    assert len(sent) == 11 and all(n > 0 for n in sent.values())
