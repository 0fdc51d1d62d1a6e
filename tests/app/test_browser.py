"""End to end in a real browser: the app started on 127.0.0.1 (free port) over the small real index with
SmolLM2, driven by Playwright in Debian's headless Chromium. Screenshots of each run go to the test's
temporary folder (the committed ones come from ``python -m evals.bench_app --screenshots``)."""

import json
import sqlite3

import pytest

from evals.app_server import (
    AppServer,
    BrowserUnavailableError,
    ask,
    browser_page,
    find_chromium,
    wait_until_ready,
)

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

QUESTION = "Peut-on associer apixaban et clarithromycine ?"


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing; skip only when that is impossible."""
    pytest.importorskip("playwright", reason="playwright is in requirements.txt: run `make setup`")
    try:
        return find_chromium()
    except BrowserUnavailableError as error:
        pytest.skip(f"no browser for the end-to-end tests: {error}")


def test_question_streams_a_cited_answer_then_source_and_feedback(chromium, app_env, tmp_path):
    with AppServer(app_env, log_path=tmp_path / "app.log") as server, browser_page() as page:
        page.goto(server.url)
        wait_until_ready(page)
        assert page.get_by_text("Modèle de langue").count()

        timing = ask(page, QUESTION, 1)
        assert 0 < timing["first_token"] < timing["total"]
        answer = page.locator('[class*="st-key-answer-"]').first
        assert answer.inner_text().strip()
        page.screenshot(path=str(tmp_path / "chat.png"))

        # A citation opens its source: the passage text and the button to flag it become visible.
        citation = page.locator('[class*="st-key-cite-"] button').first
        assert citation.inner_text().startswith("[")
        number = citation.inner_text().split("]")[0].strip("[")
        citation.click()
        flag = page.locator("button:visible", has_text="Cette citation est erronée")
        flag.wait_for(state="visible", timeout=60_000)
        assert flag.count() == 1 and page.locator(".esc-passage:visible").count() == 1

        page.locator('[data-testid="stFeedbackButton"]').first.click()  # thumbs up
        page.get_by_text("Merci : votre retour est enregistré.").wait_for(timeout=60_000)
        flag.click()
        page.get_by_text("Signalée comme citation erronée.").wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "feedback.png"))

    with sqlite3.connect(app_env["ESCULAPE_FEEDBACK_DB"]) as connection:
        rows = connection.execute("SELECT rating, wrong_citations, question, model FROM feedback").fetchall()
    assert len(rows) == 1
    rating, wrong, question, model = rows[0]
    assert rating == 1 and json.loads(wrong) == [int(number)]
    assert question == QUESTION and "SmolLM2" in model


def test_pilot_mode_refuses_access_without_login(chromium, app_env, users_file, tmp_path):
    environment = {**app_env, "ESCULAPE_USERS": str(users_file)}
    with AppServer(environment, log_path=tmp_path / "app.log") as server, browser_page() as page:
        page.goto(server.url)
        page.get_by_text("accès réservé aux participants du pilote").wait_for(timeout=120_000)
        assert page.locator('[data-testid="stChatInputTextArea"]').count() == 0
        page.get_by_label("Identifiant").fill("dupont")
        page.get_by_label("Mot de passe").fill("faux mot de passe")
        page.get_by_role("button", name="Se connecter").click()
        page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=60_000)
        assert page.locator('[data-testid="stChatInputTextArea"]').count() == 0
        page.screenshot(path=str(tmp_path / "login.png"))
