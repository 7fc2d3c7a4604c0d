"""Settings: the contract's PULIH_* variables, their defaults, and one clear line per bad one."""

from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared import settings as settings_module
from shared.settings import Settings, SettingsError

DEFAULTS = Settings(nats_url=None, database_url=None, data_dir=Path(".pulih"), http_port=8080,
                    http_host="127.0.0.1", expiry_check_seconds=3600.0,
                    readmodel_schema="readmodel")
ALL_EMPTY = {name: "" for name in ("PULIH_NATS_URL", "PULIH_DATABASE_URL", "PULIH_DATA_DIR",
                                    "PULIH_HTTP_PORT", "PULIH_HTTP_HOST",
                                    "PULIH_EXPIRY_CHECK_SECONDS")}


def test_unset_and_empty_variables_give_the_defaults():
    assert Settings.from_env({}) == DEFAULTS
    assert Settings.from_env(ALL_EMPTY) == DEFAULTS


@pytest.mark.parametrize(("variable", "value", "attribute", "expected"), [
    ("PULIH_NATS_URL", "nats://127.0.0.1:4222", "nats_url", "nats://127.0.0.1:4222"),
    ("PULIH_DATABASE_URL", "postgresql://u:pw@db/pulih", "database_url",
     "postgresql://u:pw@db/pulih"),
    ("PULIH_DATA_DIR", "/var/lib/pulih", "data_dir", Path("/var/lib/pulih")),
    ("PULIH_HTTP_PORT", "9090", "http_port", 9090),
    ("PULIH_HTTP_PORT", "1", "http_port", 1),
    ("PULIH_HTTP_PORT", "65535", "http_port", 65535),
    ("PULIH_HTTP_HOST", "0.0.0.0", "http_host", "0.0.0.0"),
    ("PULIH_EXPIRY_CHECK_SECONDS", "2.5", "expiry_check_seconds", 2.5),
    ("PULIH_EXPIRY_CHECK_SECONDS", "60", "expiry_check_seconds", 60.0),
])
def test_each_variable_sets_its_attribute(variable, value, attribute, expected):
    assert Settings.from_env({variable: value}) == replace(DEFAULTS, **{attribute: expected})


def test_names_are_exact_and_others_are_ignored():
    env = {"pulih_http_port": "1", "PULIH_READMODEL_SCHEMA": "elsewhere", "PULIH_OTHER": "x"}
    assert Settings.from_env(env) == DEFAULTS


def test_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("PULIH_HTTP_PORT", "8181")
    monkeypatch.delenv("PULIH_NATS_URL", raising=False)
    assert Settings.from_env().http_port == 8181
    assert Settings.from_env().nats_url is None


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("PULIH_HTTP_PORT", "abc", "PULIH_HTTP_PORT must be an integer port 1–65535, got 'abc'"),
    ("PULIH_HTTP_PORT", "0", "PULIH_HTTP_PORT must be an integer port 1–65535, got '0'"),
    ("PULIH_HTTP_PORT", "65536", "PULIH_HTTP_PORT must be an integer port 1–65535, got '65536'"),
    ("PULIH_HTTP_PORT", "80.5", "PULIH_HTTP_PORT must be an integer port 1–65535, got '80.5'"),
    ("PULIH_EXPIRY_CHECK_SECONDS", "soon",
     "PULIH_EXPIRY_CHECK_SECONDS must be a positive number of seconds, got 'soon'"),
    ("PULIH_EXPIRY_CHECK_SECONDS", "0",
     "PULIH_EXPIRY_CHECK_SECONDS must be a positive number of seconds, got '0'"),
    ("PULIH_EXPIRY_CHECK_SECONDS", "nan",
     "PULIH_EXPIRY_CHECK_SECONDS must be a positive number of seconds, got 'nan'"),
])
def test_a_bad_variable_is_one_clear_line(variable, value, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})
    assert str(caught.value) == message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_each_bad_variable_has_its_own_line():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PULIH_HTTP_PORT": "x", "PULIH_EXPIRY_CHECK_SECONDS": "-1",
                           "PULIH_DATABASE_URL": "postgresql://u:pw@db/pulih"})
    assert str(caught.value).splitlines() == [
        "PULIH_HTTP_PORT must be an integer port 1–65535, got 'x'",
        "PULIH_EXPIRY_CHECK_SECONDS must be a positive number of seconds, got '-1'",
    ]


def test_a_bad_url_is_named_without_its_value():
    # No string from the environment is a bad URL today; the rule is there for when one is.
    with pytest.raises(ValidationError) as caught:
        settings_module._Environment.model_validate({"PULIH_DATABASE_URL": ["postgresql://u:pw@db"]})
    assert settings_module._explain(caught.value) == "PULIH_DATABASE_URL must be a URL"
