"""identities.json read, and a request's sender checked against it, without servers."""

import os
from datetime import UTC, datetime
from types import SimpleNamespace

import orjson
import pytest

from shared import runtime
from shared.errors import Rejected
from shared.identities import (
    REQUEST_INFO,
    Identities,
    IdentitiesError,
    check_actor,
    sender,
)
from shared.settings import Settings
from tests.unit.identities_kit import member, officer, write

A, B = "lapas-a", "lapas-b"
BUDI, SARI, SERVICES = "UBUDI", "USARI", "USERVICES"


@pytest.fixture
def identities(tmp_path):
    return Identities.load(write(tmp_path, officer(A, "budi", BUDI, "2025-02-01T00:00:00Z"),
                                 officer(B, "sari", SARI), member("services", SERVICES)))


def stamped(account, user, **more):
    return {REQUEST_INFO: orjson.dumps({"acc": account, "user": user, "rtt": 1, **more}).decode()}


def forbidden(call, field):
    with pytest.raises(Rejected) as caught:
        call()
    assert caught.value.code == "forbidden"
    assert [d.field for d in caught.value.details] == [field]
    return caught.value


def test_an_officer_is_found_by_key_in_its_own_account_only(identities):
    assert identities.officer("prison-lapas-a", BUDI).actor == "officer:lapas-a:budi"
    assert identities.officer("prison-lapas-b", BUDI) is None
    assert identities.officer("PULIH", SERVICES) is None  # not an officer
    assert identities.by_key("UNKNOWN") is None


def test_an_actor_is_known_from_its_creation_on(identities):
    actor = "officer:lapas-a:budi"
    assert identities.known_at(actor, datetime(2025, 2, 1, tzinfo=UTC))
    assert not identities.known_at(actor, datetime(2025, 1, 31, 23, 59, tzinfo=UTC))
    assert not identities.known_at("officer:lapas-a:nobody", datetime(2030, 1, 1, tzinfo=UTC))


def test_a_missing_or_malformed_file_is_a_clear_error(tmp_path):
    with pytest.raises(IdentitiesError, match="auth init"):
        Identities.load(tmp_path)
    (tmp_path / "identities.json").write_text('{"version": 1, "identities": [{"role": "x"}]}')
    with pytest.raises(IdentitiesError, match=r"identities\.0\.role"):
        Identities.load(tmp_path)


def test_an_officer_added_while_running_is_found_once_the_file_changes(tmp_path, identities):
    assert identities.by_key("UNEW") is None
    write(tmp_path, officer(A, "budi", BUDI), officer(A, "new", "UNEW"))
    os.utime(tmp_path / "identities.json", ns=(1, 1))  # a change even within the mtime's grain
    assert identities.officer("prison-lapas-a", "UNEW").actor == "officer:lapas-a:new"


def test_the_stamped_officer_of_the_subjects_prison_is_the_sender(identities):
    found = sender(identities, stamped("prison-lapas-a", BUDI), A)
    assert found.public_key == BUDI
    check_actor(found, "officer:lapas-a:budi")


@pytest.mark.parametrize(("headers", "field"), [
    (None, "actor"),
    ({}, "actor"),
    ({REQUEST_INFO: "not json"}, "actor"),
    ({REQUEST_INFO: "[1]"}, "actor"),
    (stamped("prison-lapas-b", SARI), "subject.prison_id"),  # another prison's officer
    (stamped("PULIH", SERVICES), "subject.prison_id"),  # from inside the services' account
    (stamped("prison-lapas-a", "UNKNOWN"), "actor"),
    (stamped("prison-lapas-a", SARI), "actor"),  # B's key claiming A's account
    ({"acc": "prison-lapas-a"}, "actor"),
    ({REQUEST_INFO: orjson.dumps({"acc": "prison-lapas-a"}).decode()}, "actor"),  # no `share`
    # A client's own header in another case beside the server's: refused, not guessed at.
    ({**stamped("prison-lapas-a", BUDI), REQUEST_INFO.lower(): "{}"}, "actor"),
])
def test_anyone_else_is_forbidden(identities, headers, field):
    forbidden(lambda: sender(identities, headers, A), field)


def test_a_body_naming_another_actor_is_forbidden(identities):
    found = sender(identities, stamped("prison-lapas-a", BUDI), A)
    refusal = forbidden(lambda: check_actor(found, "officer:lapas-a:sari"), "actor")
    assert "officer:lapas-a:budi" in refusal.details[0].message
    assert "sari" not in refusal.message and "budi" not in refusal.message  # logged: no names


def test_the_runtime_reads_identities_only_when_credentials_are_configured(tmp_path):
    write(tmp_path, officer(A, "budi", BUDI))
    assert runtime.identities(Settings.from_env({})) is None  # an open server, as before
    configured = SimpleNamespace(nats_credentials=tmp_path)  # the setting PULIH_NATS_CREDENTIALS
    assert runtime.identities(configured).by_key(BUDI).actor == "officer:lapas-a:budi"
