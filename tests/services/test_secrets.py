"""services/secrets.py: the keyring where one exists, nothing stored (and said so) where not, and
the database password never in config.json or the log."""

from __future__ import annotations

import json
import logging

import pytest

from services import secrets
from services.config import Paths, load_config, write_config_file
from services.persistence.engine import make_engine
from tests.keyring_fakes import memory_keyring, no_keyring, refusing_keyring  # noqa: F401

PASSWORD = "s3cr:t@pa/ss"  # characters that must survive URL quoting
URL = "postgresql://takt@db-host:5433/plant"


def test_split_and_join_keep_an_awkward_password_intact() -> None:
    with_pw = secrets.with_password(URL, PASSWORD)
    assert PASSWORD not in with_pw  # quoted in the URL
    bare, password = secrets.split_password(with_pw)
    assert bare == URL
    assert password == PASSWORD
    assert secrets.split_password(URL) == (URL, None)


def test_database_key_names_user_host_port_and_database() -> None:
    assert secrets.database_key(URL) == "database:takt@db-host:5433/plant"
    assert secrets.database_key("postgresql://takt@db-host/plant") == (
        "database:takt@db-host:5432/plant"
    )
    assert secrets.database_key("sqlite:////tmp/x.db") is None
    assert secrets.database_key("postgresql://db-host/plant") is None  # no user: no entry


def test_password_goes_to_the_keyring_and_back(memory_keyring) -> None:  # noqa: F811
    result = secrets.store_database_password(URL, PASSWORD)
    assert result.stored
    assert PASSWORD not in result.message
    assert secrets.database_password(URL) == PASSWORD
    engine = make_engine(URL)
    try:
        assert engine.url.password == PASSWORD
        assert PASSWORD not in str(engine.url)  # SQLAlchemy masks it when printed
    finally:
        engine.dispose()


def test_an_explicit_password_wins_over_the_keyring(memory_keyring) -> None:  # noqa: F811
    secrets.store_database_password(URL, PASSWORD)
    engine = make_engine(secrets.with_password(URL, "typed"))
    try:
        assert engine.url.password == "typed"
    finally:
        engine.dispose()


def test_without_a_keyring_nothing_is_stored_and_the_user_is_told(no_keyring) -> None:  # noqa: F811
    assert not secrets.keyring_available()
    result = secrets.store_database_password(URL, PASSWORD)
    assert not result.stored
    assert "no keyring" in result.message
    assert secrets.database_password(URL) is None
    engine = make_engine(URL)
    try:
        assert engine.url.password is None
    finally:
        engine.dispose()


def test_a_keyring_that_refuses_is_reported(refusing_keyring) -> None:  # noqa: F811
    result = secrets.set_secret("database:x@y:5432/z", PASSWORD)
    assert not result.stored
    assert "refused" in result.message


@pytest.mark.parametrize("keyring_fixture", ["memory_keyring", "no_keyring"])
def test_config_file_never_holds_the_password(
    keyring_fixture: str,
    request: pytest.FixtureRequest,
    tmp_path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    request.getfixturevalue(keyring_fixture)
    paths = Paths(tmp_path / "d", tmp_path / "c", tmp_path / "l", tmp_path / "k")
    caplog.set_level(logging.DEBUG)
    write_config_file(paths, {"database_url": secrets.with_password(URL, PASSWORD), "seat": "s1"})
    text = paths.config_file.read_text(encoding="utf-8")
    assert json.loads(text)["database_url"] == URL
    assert "s3cr" not in text
    assert "s3cr" not in caplog.text
    config = load_config(paths=paths)
    assert config.database_url == URL
    stored = secrets.database_password(URL)
    assert stored == (PASSWORD if keyring_fixture == "memory_keyring" else None)
    if keyring_fixture == "no_keyring":
        assert "not saved" in caplog.text


def test_camera_credentials_round_trip(memory_keyring) -> None:  # noqa: F811
    assert secrets.store_camera_credentials("cam-01", "viewer", PASSWORD).stored
    assert secrets.camera_credentials("cam-01") == ("viewer", PASSWORD)
    assert secrets.camera_credentials("cam-02") is None
    assert secrets.delete_secret(secrets.camera_key("cam-01"))
    assert secrets.camera_credentials("cam-01") is None
