"""App benchmark: time from sending a question to the first streamed token painted in a real browser.

Starts the app (``streamlit run app.py`` on a free port of 127.0.0.1) on the index of ``ESCULAPE_DATA_DIR``
(``.esculape`` by default) with the model of ``ESCULAPE_LLM`` (the CPU default when unset), opens it in
headless Debian Chromium with Playwright, and asks 10 questions of ``evals/answer/questions.jsonl`` that the
model answers, each in a fresh session. The clock starts at the Enter key and stops at the first animation
frame whose streaming area shows text; the next question waits for the whole answer. Prints a table and
writes ``evals/results/app-ttft-<time>.json``. The model is loaded before the first question (page load),
so the figures are what a clinician waits once the app is up.

With ``--screenshots DIR`` it also saves the README's screenshots: the chat with an answer and its sources,
a drug card with interactions, the compare view and the login page of pilot mode.

    python -m evals.bench_app [--limit N] [--screenshots docs/screenshots] [--no-timing] [--no-write]
"""

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from esculape.settings import Settings
from esculape.workbench.users import add_user
from evals.app_server import AppServer, ask, browser_page, find_chromium, wait_until_ready

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
# Questions the model answers (interactions, SMR/ASMR, shortages, brand names, leaflets, clinical), from the
# answer benchmark's set; abstentions and refusals stream no model token.
QUESTION_IDS = ("q01", "q03", "q04", "q06", "q08", "q10", "q11", "q16", "q20", "q24")
SCREENSHOT_QUESTION = "Peut-on associer apixaban et clarithromycine ?"
PAGE_LOAD_TIMEOUT_MS = 600_000


def load_questions(ids: tuple[str, ...] = QUESTION_IDS) -> list[dict[str, str]]:
    """The benchmark's questions, in ``ids`` order."""
    lines = (HERE / "answer" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    by_id = {record["id"]: record for record in map(json.loads, filter(None, lines))}
    return [by_id[question_id] for question_id in ids]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` between 0 and 1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def time_questions(server: AppServer, questions: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Ask each question in a fresh session; returns one record per question."""
    records = []
    with browser_page() as page:
        for question in questions:
            page.goto(server.url)
            wait_until_ready(page, PAGE_LOAD_TIMEOUT_MS)
            timing = ask(page, question["question"], 1)
            records.append({**question, **{key: round(value, 3) for key, value in timing.items()}})
            print(
                f"{question['id']} first token {timing['first_token']:.2f} s, total {timing['total']:.2f} s"
            )
    return records


def take_screenshots(server: AppServer, folder: Path, environment: dict[str, str]) -> list[Path]:
    """The README's screenshots: chat with sources, drug card with interactions, an opened source, the
    compare view and the login page."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    with browser_page(width=1440, height=2200) as page:
        page.goto(server.url)
        wait_until_ready(page, PAGE_LOAD_TIMEOUT_MS)
        ask(page, SCREENSHOT_QUESTION, 1)
        page.locator('[class*="st-key-cite-"] button').first.click()
        page.locator(".esc-passage:visible").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        message = page.locator('[data-testid="stChatMessage"]').nth(1)

        page.locator('[data-testid="stChatMessage"]').first.scroll_into_view_if_needed()
        saved.append(folder / "chat.png")
        page.screenshot(path=str(saved[-1]))

        # The interaction table and the drug cards below it, from the table's heading.
        heading = message.get_by_text("Interactions médicamenteuses (thésaurus ANSM)").first
        heading.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(800)
        box, outer = heading.bounding_box(), message.bounding_box()
        saved.append(folder / "drug-card.png")
        page.screenshot(
            path=str(saved[-1]),
            clip={"x": outer["x"], "y": max(0, box["y"] - 10), "width": outer["width"], "height": 1500},
        )

        # A retrieved passage opened: origin, link, ranks and scores per retriever, highlighted text. The
        # first numbered sources are the drug and interaction cards; the first passage follows them.
        expanders = message.locator('[data-testid="stExpander"]')
        labels = [expanders.nth(i).locator("summary").inner_text() for i in range(expanders.count())]
        cards = ("Fiche médicament", "Interactions (thésaurus ANSM)")
        first_passage = next((i for i, label in enumerate(labels) if not any(c in label for c in cards)), -1)
        passage = expanders.nth(first_passage if first_passage >= 0 else expanders.count() - 1)
        passage.locator("summary").click()
        passage.locator(".esc-passage").wait_for(timeout=60_000)
        passage.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        saved.append(folder / "source.png")
        passage.screenshot(path=str(saved[-1]))

        page.get_by_text("Comparaison des modes").click()
        page.locator(".esc-compare").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)
        saved.append(folder / "compare.png")
        page.screenshot(path=str(saved[-1]))

    with tempfile.TemporaryDirectory() as pilot:
        users = Path(pilot) / "users.toml"
        add_user(users, "demo", "mot-de-passe-de-demonstration", name="Dr Démo")
        pilot_environment = {
            **environment,
            "ESCULAPE_USERS": str(users),
            "ESCULAPE_AUDIT_DB": str(Path(pilot) / "audit.sqlite"),
        }
        with AppServer(pilot_environment) as pilot_server, browser_page(width=1440, height=900) as page:
            page.goto(pilot_server.url)
            page.get_by_text("accès réservé aux participants du pilote").wait_for(
                timeout=PAGE_LOAD_TIMEOUT_MS
            )
            page.get_by_label("Identifiant").fill("demo")
            page.get_by_label("Mot de passe").fill("un mauvais mot de passe")
            page.get_by_role("button", name="Se connecter").click()
            page.get_by_text("Identifiant ou mot de passe incorrect.").wait_for(timeout=60_000)
            saved.append(folder / "login.png")
            page.screenshot(path=str(saved[-1]))
    return saved


def main(argv: list[str] | None = None) -> None:
    """Time the questions, print the table, write the run file; take the screenshots if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--screenshots", type=Path, help="save the README's screenshots in this folder")
    parser.add_argument("--no-timing", action="store_true", help="screenshots only")
    parser.add_argument("--no-write", action="store_true", help="do not write evals/results")
    args = parser.parse_args(argv)

    find_chromium()  # installs Debian's chromium when missing, or says why it cannot
    settings = Settings.from_env()
    work = Path(tempfile.mkdtemp(prefix="esculape-bench-app-"))
    # Feedback and audit of the benchmark's sessions stay out of the real databases.
    environment = {
        "ESCULAPE_DATA_DIR": str(settings.data_dir),
        "ESCULAPE_LLM": settings.llm,
        "ESCULAPE_FEEDBACK_DB": str(work / "feedback.sqlite"),
        "ESCULAPE_AUDIT_DB": str(work / "audit.sqlite"),
        "ESCULAPE_USERS": "",
    }
    with AppServer(environment, log_path=work / "app.log") as server:
        records = []
        if not args.no_timing:
            records = time_questions(server, load_questions()[: args.limit])
        if args.screenshots:
            for path in take_screenshots(server, args.screenshots, environment):
                print(f"screenshot: {path}")
    if not records:
        return

    first = [r["first_token"] for r in records]
    total = [r["total"] for r in records]
    summary = {
        "questions": len(records),
        "first_token_p50": round(statistics.median(first), 3),
        "first_token_p95": round(percentile(first, 0.95), 3),
        "total_p50": round(statistics.median(total), 3),
        "total_p95": round(percentile(total, 0.95), 3),
        "llm": settings.llm,
        "index": str(settings.index_dir),
        "browser": "Debian Chromium, headless (Playwright)",
        "load_average": os.getloadavg(),
    }
    print()
    print("| questions | first token p50 | first token p95 | total p50 | total p95 |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {summary['questions']} | {summary['first_token_p50']:.2f} s | {summary['first_token_p95']:.2f} s "
        f"| {summary['total_p50']:.2f} s | {summary['total_p95']:.2f} s |"
    )
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"app-ttft-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(
            json.dumps({"summary": summary, "questions": records}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
