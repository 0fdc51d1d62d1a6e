"""Pilot mode (``ESCULAPE_USERS``): the page refuses access without a login, and every question is written
to the per-user audit log without patient identifiers."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from esculape.workbench.audit import AuditLog

APP = Path(__file__).resolve().parents[2] / "app.py"
LOGIN, PASSWORD = "dupont", "motdepasse-pilote-42"  # written to the users file by the users_file fixture

pytestmark = pytest.mark.corpus


@pytest.fixture
def pilot_env(app_env, users_file, monkeypatch):
    monkeypatch.setenv("ESCULAPE_USERS", str(users_file))
    return app_env


def _login(app: AppTest, login: str, password: str) -> AppTest:
    app.text_input[0].input(login)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def test_no_access_without_login(pilot_env):
    app = AppTest.from_file(str(APP), default_timeout=300)
    app.run()
    assert not app.exception
    assert "accès réservé" in app.title[0].value
    assert [t.label for t in app.text_input] == ["Identifiant", "Mot de passe"]
    assert not app.chat_input and not app.sidebar.radio

    _login(app, LOGIN, "mauvais mot de passe")
    assert app.error[0].value == "Identifiant ou mot de passe incorrect."
    assert not app.chat_input
    events = AuditLog(Path(pilot_env["ESCULAPE_AUDIT_DB"])).events()
    assert [(e["user"], e["event"]) for e in events] == [(LOGIN, "login_failed")]


def test_questions_are_audited_per_user_without_patient_identifiers(pilot_env):
    app = AppTest.from_file(str(APP), default_timeout=300)
    app.run()
    _login(app, LOGIN, PASSWORD)
    assert not app.exception and app.chat_input
    question = "M. Durand, né le 12/03/1950, tél. 06 12 34 56 78 : posologie du zorvexamab chez l'adulte ?"
    app.chat_input[0].set_value(question).run()
    assert not app.exception

    events = AuditLog(Path(pilot_env["ESCULAPE_AUDIT_DB"])).events(LOGIN)
    assert [e["event"] for e in events] == ["login", "question", "answer"]
    asked, answered = events[1], events[2]
    assert (
        asked["question"]
        == "M. [nom], [date de naissance], tél. [téléphone] : posologie du zorvexamab chez l'adulte ?"
    )
    assert asked["detail"]["settings"]["mode"] == "hybrid"
    assert answered["turn_id"] == asked["turn_id"] and answered["detail"]["outcome"] == "abstained"


def test_unreadable_users_file_closes_the_pilot(app_env, tmp_path, monkeypatch):
    broken = tmp_path / "users.toml"
    broken.write_text("[users.dupont]\npassword = 'en clair'\n", encoding="utf-8")
    monkeypatch.setenv("ESCULAPE_USERS", str(broken))
    app = AppTest.from_file(str(APP), default_timeout=300)
    app.run()
    assert not app.exception
    assert "l'accès est fermé" in app.error[0].value and not app.text_input and not app.chat_input
