"""Schemathesis over `docs/openapi.json` against the real reporting app (the whole stack on real
NATS and PostgreSQL, with a seeded prison): every generated request, valid or not, gets a
documented status (never a 5xx) and a body that conforms to the document.

Bounded: a fixed number of examples per operation and generation mode, no example database,
no shrinking past the first failure's report."""

import asyncio
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

from tests.e2e.helpers import last_seq
from tests.e2e.test_evaluation_e2e import first_prison

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
# negative_data_rejection: a request the document says is invalid (`to=0`, a pattern broken)
# must be refused with a 4xx, not answered.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance,
          content_type_conformance, negative_data_rejection]
EXAMPLES = 100  # per operation, valid and invalid requests mixed: ≈ 500 requests


def fuzz(base_url: str, examples: int) -> dict[str, int]:
    """Runs every operation of the document in both modes; returns requests per operation.
    Raises the first failure (schemathesis names the check, the request and the response)."""
    schema = schemathesis.openapi.from_path(DOC)
    sent: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        sent[operation.label] = 0
        _operation_test(operation, base_url, examples, sent)()
    return sent


def _operation_test(operation, base_url: str, examples: int, sent: dict[str, int]):
    strategy = (operation.as_strategy(GenerationMode.POSITIVE)
                | operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    def run(case):
        sent[operation.label] += 1
        case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=10)

    return run


@pytest.mark.nats
@pytest.mark.pg
@pytest.mark.timeout(240)
async def test_the_reports_keep_the_openapi_document(stack, prison_id):
    await first_prison(stack, prison_id)
    await stack.caught_up(await last_seq(stack))
    # Requests block: sent from a thread while this loop serves them.
    sent = await asyncio.to_thread(fuzz, str(stack.http.base_url).rstrip("/"), EXAMPLES)
    print(f"schemathesis: {sum(sent.values())} requests, {sent}")
    assert len(sent) == 6 and all(n > 0 for n in sent.values())
