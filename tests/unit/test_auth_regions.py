"""`pulih auth init --region KANWIL=P1,P2 --region-user KANWIL:NAME`: the region's account,
users and config, without a server."""

import json

import pytest

from ops.cli import main
from ops.identities import load
from ops.natsconf import accounts
from shared.identities import Identities

SET, ASSIGN = "programs.SetQuota", "programs.AssignKanwil"


def subjects(*prisons):
    return [f"pulih.commands.{p}.{c}" for p in prisons for c in (SET, ASSIGN)]


def test_a_region_account_imports_only_its_prisons_quota_commands(tmp_path):
    assert main(["auth", "init", str(tmp_path), "--officer", "lapas-a:budi", "--region",
                 "jatim=lapas-a,lapas-b", "--region-user", "jatim:ana"]) == 0
    ana = next(i for i in load(tmp_path).identities if i.role == "region")
    assert (ana.stem, ana.account, ana.kanwil_id, ana.actor) == (
        "region-jatim-ana", "region-jatim", "jatim", "region:jatim:ana")
    assert (tmp_path / "region-jatim-ana.nk").stat().st_mode & 0o777 == 0o600
    region = accounts(load(tmp_path))["region-jatim"]
    imported = [i["service"]["subject"] for i in region["imports"]]
    assert imported == subjects("lapas-a", "lapas-b")
    assert all(i["share"] is True and i["service"]["account"] == "PULIH"
               for i in region["imports"])
    (user,) = region["users"]
    assert user["nkey"] == ana.public_key
    assert user["permissions"]["publish"]["allow"] == subjects("lapas-a", "lapas-b")
    assert user["permissions"]["subscribe"]["allow"] == ["_INBOX_region-jatim-ana.>"]
    assert "--region" not in json.dumps(accounts(load(tmp_path))["prison-lapas-a"])
    assert Identities.load(tmp_path).regions == {"jatim": frozenset({"lapas-a", "lapas-b"})}


def test_a_rerun_keeps_the_keys_and_adds_prisons_to_the_region(tmp_path):
    main(["auth", "init", str(tmp_path), "--region", "jatim=lapas-a", "--region-user",
          "jatim:ana"])
    seed = (tmp_path / "region-jatim-ana.nk").read_text()
    assert main(["auth", "init", str(tmp_path), "--region", "jatim=lapas-c", "--region",
                 "jateng=lapas-b", "--region-user", "jatim:ana", "--region-user",
                 "jateng:eko"]) == 0
    assert (tmp_path / "region-jatim-ana.nk").read_text() == seed
    model = load(tmp_path)
    assert model.regions == {"jatim": ["lapas-a", "lapas-c"], "jateng": ["lapas-b"]}
    assert len([i for i in model.identities if i.role == "region"]) == 2
    imported = [i["service"]["subject"] for i in accounts(model)["region-jatim"]["imports"]]
    assert imported == subjects("lapas-a", "lapas-c")
    assert set(model.prisons) == {"lapas-a", "lapas-b", "lapas-c"}


@pytest.mark.parametrize("args", [
    ["--region", "jatim"], ["--region", "jatim="], ["--region", "Jatim=lapas-a"],
    ["--region", "jatim=Lapas A"], ["--region-user", "jatim:ana"],  # no such region
    ["--region", "jatim=lapas-a", "--region-user", "jatim"],
    ["--region", "jatim=lapas-a", "--region-user", "jatim:Ana!"],
])
def test_bad_regions_and_users_are_refused_and_nothing_is_written(tmp_path, args):
    assert main(["auth", "init", str(tmp_path / "c"), *args]) == 2
    assert not (tmp_path / "c" / "identities.json").exists()


def test_audit_verify_knows_region_users_on_a_prisons_own_aggregate_only(tmp_path):
    from ops.actors import ActorCheck

    main(["auth", "init", str(tmp_path), "--region", "jatim=lapas-a", "--region-user",
          "jatim:ana"])
    check = ActorCheck(Identities.load(tmp_path))

    def reason(actor, aggregate_type="prison", recorded_at="2099-01-01T00:00:00+00:00"):
        return check.reason({"actor": actor, "aggregate_type": aggregate_type,
                             "prison_id": "lapas-a", "recorded_at": recorded_at})

    assert reason("region:jatim:ana") is None
    assert reason("region:jatim:eko") is not None  # no such user
    assert reason("region:jatim:ana", recorded_at="2000-01-01T00:00:00+00:00") is not None
    assert reason("region:jatim:ana", aggregate_type="program") is not None
