"""The pilot's users file: salted scrypt hashes, the command that adds a user, and login checks."""

import io
import sys

import pytest

from esculape.workbench.users import (
    UsersFileError,
    add_user,
    authenticate,
    hash_password,
    load_users,
    main,
    verify_password,
)


def test_hash_is_salted_and_verifies_only_the_right_password():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", first) and verify_password("correct horse", second)
    assert not verify_password("correct hors", first)
    assert not verify_password("correct horse", "pbkdf2$garbage") and not verify_password("x", "scrypt$1$2")


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_added_users_are_read_back_and_authenticated(tmp_path, suffix):
    path = tmp_path / f"users{suffix}"
    add_user(path, "dupont", "mot-de-passe-1", name="Dr Dupont")
    add_user(path, "admin", "mot-de-passe-2", role="admin")
    add_user(path, "dupont", "mot-de-passe-3", name="Dr Dupont")  # replaced, not duplicated
    users = load_users(path)
    assert sorted(users) == ["admin", "dupont"] and users["admin"].is_admin
    assert "mot-de-passe" not in path.read_text(encoding="utf-8")
    assert authenticate(users, "dupont", "mot-de-passe-3").name == "Dr Dupont"
    assert authenticate(users, "dupont", "mot-de-passe-1") is None
    assert authenticate(users, "inconnu", "mot-de-passe-3") is None


def test_command_adds_a_user_from_standard_input(tmp_path, monkeypatch, capsys):
    path = tmp_path / "pilot.toml"
    monkeypatch.setattr(sys, "stdin", io.StringIO("un-mot-de-passe\n"))
    assert main(["add", "martin", "--file", str(path), "--role", "admin", "--password-stdin"]) == 0
    assert "martin" in capsys.readouterr().out
    assert authenticate(load_users(path), "martin", "un-mot-de-passe").role == "admin"


def test_short_password_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least 8 characters"):
        add_user(tmp_path / "u.toml", "martin", "court")


@pytest.mark.parametrize(
    "content",
    [
        "[users.dupont]\npassword = 'en clair'\n",
        "pas du toml [",
        "[users.x]\npassword='scrypt$1'\nrole='chef'\n",
    ],
)
def test_malformed_file_closes_access_with_a_french_message(tmp_path, content):
    path = tmp_path / "users.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsersFileError) as raised:
        load_users(path)
    assert "l'accès est fermé" in raised.value.french
