"""`pulih auth init`: identities, keys and the generated config, without a server."""

import json
import stat

import nkeys
import pytest

from ops.auth_cli import CONFIG, write
from ops.cli import main
from ops.identities import IdentityError, load
from ops.natsconf import accounts, permissions
from shared.consumers import PREFIX, slot_names
from shared.settings import Settings


def test_init_writes_seeds_0600_public_facts_and_a_config(tmp_path):
    directory = tmp_path / "creds"
    assert main(["auth", "init", str(directory), "--prison", "lapas-a", "--officer",
                 "lapas-a:budi", "--subscriber", "partner=pulih.events.lapas-a.>"]) == 0
    seeds = sorted(p.name for p in directory.glob("*.nk"))
    assert seeds == ["admin.nk", "officer-lapas-a-budi.nk", "reporting.nk", "services.nk",
                     "subscriber-partner.nk"]
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    facts = json.loads((directory / "identities.json").read_text())
    by_stem = {i.stem: i for i in load(directory).identities}
    for path in directory.glob("*.nk"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        seed = path.read_text().strip()
        assert seed.startswith("SU") and seed not in json.dumps(facts)
        assert seed not in (directory / CONFIG).read_text()
        public = nkeys.from_seed(bytearray(seed.encode())).public_key.decode()
        assert by_stem[path.stem].public_key == public
    budi = by_stem["officer-lapas-a-budi"]
    assert (budi.role, budi.account, budi.prison_id, budi.actor) == (
        "officer", "prison-lapas-a", "lapas-a", "officer:lapas-a:budi")
    assert by_stem["subscriber-partner"].filter == "pulih.events.lapas-a.>"
    assert facts["version"] == 1 and all(i["created_at"].endswith("Z")
                                         for i in facts["identities"])


def test_a_rerun_keeps_every_key_and_adds_the_new_ones(tmp_path):
    write(tmp_path, ["lapas-a"], ["lapas-a:budi"])
    before = {i.stem: i.public_key for i in load(tmp_path).identities}
    seeds = {p.name: p.read_text() for p in tmp_path.glob("*.nk")}
    write(tmp_path, ["lapas-b"], ["lapas-b:sari", "lapas-a:budi"], ["feed=pulih.events.>"])
    after = {i.stem: i.public_key for i in load(tmp_path).identities}
    assert after.items() >= before.items()
    assert set(after) - set(before) == {"officer-lapas-b-sari", "subscriber-feed"}
    assert all((tmp_path / name).read_text() == text for name, text in seeds.items())
    assert load(tmp_path).prisons == ["lapas-a", "lapas-b"]
    assert set(accounts(load(tmp_path))) == {"PULIH", "prison-lapas-a", "prison-lapas-b"}


@pytest.mark.parametrize("args", [
    {"prisons": ["Lapas A"]}, {"officers": ["lapas-a"]}, {"officers": ["lapas-a:Budi!"]},
    {"subscribers": ["x"]}, {"subscribers": ["x=pulih.commands.>"]},
    {"subscribers": ["x=pulih.events.>.a"]}, {"subscribers": ["x=pulih.events.a b"]},
    {"subscribers": ["reporting-0=pulih.events.>"]},  # reporting's consumers' names
    {"subscribers": ["reporting-feed=pulih.events.lapas-a.>"]},
])
def test_bad_names_and_filters_are_refused(tmp_path, args):
    with pytest.raises(IdentityError):
        write(tmp_path, **args)


def test_no_identity_may_delete_purge_or_update_and_only_admin_creates(tmp_path):
    write(tmp_path, ["lapas-a"], ["lapas-a:budi"], ["feed=pulih.events.lapas-a.>"])
    allowed = {user["nkey"]: user["permissions"]["publish"]["allow"]
               for account in accounts(load(tmp_path)).values() for user in account["users"]}
    role = {i.public_key: i.role for i in load(tmp_path).identities}
    for key, subjects in allowed.items():
        for subject in subjects:
            assert not subject.startswith(("$JS.API.STREAM.DELETE", "$JS.API.STREAM.PURGE",
                                           "$JS.API.STREAM.UPDATE", "$JS.API.STREAM.MSG"))
            assert "*" not in subject.split(".")[:4] and not subject.startswith("$JS.API.>")
            if subject.startswith("$JS.API.CONSUMER.DELETE"):  # its own only
                owned = slot_names() if role[key] == "reporting" else ["feed"]
                assert subject in {f"$JS.API.CONSUMER.DELETE.PULIH_EVENTS.{n}" for n in owned}
        assert any("STREAM.CREATE" in s for s in subjects) == (role[key] == "admin")
        assert ("pulih.events.>" in subjects) == (role[key] == "services")


def test_the_credentials_directory_is_a_setting(tmp_path):
    settings = Settings.from_env({"PULIH_NATS_CREDENTIALS": str(tmp_path)})
    assert settings.nats_credentials == tmp_path
    assert Settings.from_env({}).nats_credentials is None


def test_init_creates_the_reports_token_key_once(tmp_path):
    directory = tmp_path / "creds"
    assert main(["auth", "init", str(directory), "--prison", "lapas-a"]) == 0
    key = directory / "http-token.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and (directory / "http-token.pub").exists()
    before = key.read_bytes()
    assert main(["auth", "init", str(directory), "--prison", "lapas-b"]) == 0
    assert key.read_bytes() == before  # kept: tokens already issued stay valid


def test_reporting_creates_and_touches_only_consumers_named_from_its_pool(tmp_path):
    """No stream-wide create (its body may name any consumer): every consumer subject of the
    reporting identity names one of its own, and no subscriber may take such a name."""
    write(tmp_path, ["lapas-a"], [], ["feed=pulih.events.lapas-a.>"])
    model = load(tmp_path)
    reporting = next(i for i in model.identities if i.role == "reporting")
    subjects = permissions(reporting)["publish"]["allow"]
    consumer = [s for s in subjects if s.startswith(("$JS.API.CONSUMER.", "$JS.FC.", "$JS.ACK."))]
    assert "$JS.API.CONSUMER.CREATE.PULIH_EVENTS" not in subjects
    assert all(s.split(".")[5 if s.startswith("$JS.API") else 3] in slot_names()
               for s in consumer), consumer
    assert {f"$JS.API.CONSUMER.CREATE.PULIH_EVENTS.{n}" for n in slot_names()} <= set(subjects)
    assert all(n.startswith(PREFIX) for n in slot_names())


def test_a_subscriber_listed_with_a_reporting_name_gets_no_permissions(tmp_path):
    write(tmp_path, ["lapas-a"], [], ["feed=pulih.events.lapas-a.>"])
    feed = next(i for i in load(tmp_path).identities if i.role == "subscriber")
    with pytest.raises(IdentityError, match="reporting"):
        permissions(feed.model_copy(update={"name": "reporting-3"}))
