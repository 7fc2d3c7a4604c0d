"""shared/pseudonym.py and `pulih pseudonym`: known vectors, normalisation, refusals (never
echoing the value), the key file."""

import io
import re
import stat
import uuid

import pytest

from ops import cli
from shared.fields import UUID_PATTERN
from shared.pseudonym import participant_id

KEY = bytes(range(32))
NIK = "3510121506850001"
# HMAC-SHA256(KEY, b"pulih/participant/v1/nik\x00" + NIK) = d861bd2008d112a16f62da02…: its
# first 16 bytes with the version (8) and variant bits set.
VECTORS = [
    (KEY, {"nik": NIK}, "d861bd20-08d1-82a1-af62-da0264dcb1e0"),
    (KEY, {"register_number": "BI.123/2024"}, "9b2ce484-ab6a-8de7-b0e7-09baee6e1866"),
    (b"\x01" * 32, {"nik": NIK}, "6dfdeb18-5600-82b7-95cb-d92c925c7d2d"),
]


@pytest.mark.parametrize(("key", "given", "expected"), VECTORS)
def test_known_vectors(key, given, expected):
    assert participant_id(key, **given) == expected


@pytest.mark.parametrize("given", [{"nik": NIK}, {"register_number": "BI.123/2024"}])
def test_a_canonical_version_8_uuid(given):
    value = participant_id(KEY, **given)
    parsed = uuid.UUID(value)
    assert re.fullmatch(UUID_PATTERN, value) and str(parsed) == value
    assert parsed.version == 8 and parsed.variant == uuid.RFC_4122


def test_normalisation():
    assert participant_id(KEY, nik=f"  {NIK[:6]} {NIK[6:]}\n") == VECTORS[0][2]
    assert participant_id(KEY, register_number=" bi.123 / 2024\t") == VECTORS[1][2]


def test_domain_separation_and_the_key_matter():
    digits = {participant_id(KEY, nik=NIK), participant_id(KEY, register_number=NIK),
              participant_id(bytes(32), nik=NIK)}
    assert len(digits) == 3


@pytest.mark.parametrize(("key", "given", "message"), [
    (KEY, {"nik": "351012150685000"}, "a NIK is exactly 16 digits"),
    (KEY, {"nik": "35101215068500012"}, "a NIK is exactly 16 digits"),
    (KEY, {"nik": "351012150685000A"}, "a NIK is exactly 16 digits"),
    (KEY, {"nik": "٣٥١٠١٢١٥٠٦٨٥٠٠٠١"}, "a NIK is exactly 16 digits"),  # not ASCII digits
    (KEY, {"register_number": " \t"}, "a register number is 1 to 64"),
    (KEY, {"register_number": "X" * 65}, "a register number is 1 to 64"),
    (KEY, {"register_number": "BÍ.123"}, "a register number is 1 to 64"),
    (KEY, {}, "give exactly one of nik and register_number"),
    (KEY, {"nik": NIK, "register_number": "BI.1"}, "give exactly one"),
    (bytes(31), {"nik": NIK}, "the key must be at least 32 bytes"),
])
def test_refusals_name_the_rule_never_the_value(key, given, message):
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        participant_id(key, **given)
    for value in given.values():
        assert value not in str(caught.value)


def pulih(monkeypatch, capsys, *argv, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["pseudonym", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_new_key_then_pseudonyms(tmp_path, monkeypatch, capsys):
    key_file = tmp_path / "office.key"
    assert pulih(monkeypatch, capsys, "new-key", str(key_file)) == (0, "", "")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = bytes.fromhex(key_file.read_text())
    assert len(key) == 32
    code, out, err = pulih(monkeypatch, capsys, "--key-file", str(key_file), "--nik",
                           stdin=NIK + "\n")
    assert (code, out, err) == (0, participant_id(key, nik=NIK) + "\n", "")
    code, out, _ = pulih(monkeypatch, capsys, "--key-file", str(key_file),
                         "--register-number", stdin="bi.123/2024\n")
    assert (code, out) == (0, participant_id(key, register_number="BI.123/2024") + "\n")
    # new-key never overwrites a key (every pseudonym made under it would be lost)
    code, _, err = pulih(monkeypatch, capsys, "new-key", str(key_file))
    assert code == 2 and "File exists" in err and key_file.read_text().strip() == key.hex()


def test_cli_refusals_never_echo_the_value(tmp_path, monkeypatch, capsys):
    key_file = tmp_path / "office.key"
    key_file.write_text(KEY.hex())
    key_file.chmod(0o600)
    code, out, err = pulih(monkeypatch, capsys, "--key-file", str(key_file), "--nik",
                           stdin="3510-1215-0685\n")
    assert (code, out) == (2, "") and "16 digits" in err and "3510" not in err
    key_file.chmod(0o644)
    code, out, err = pulih(monkeypatch, capsys, "--key-file", str(key_file), "--nik",
                           stdin=NIK)
    assert (code, out) == (2, "") and "owner only" in err and NIK not in err
    code, _, err = pulih(monkeypatch, capsys, "--nik", stdin=NIK)
    assert code == 2 and "--key-file" in err
