"""The real app in a real browser: start ``streamlit run app.py`` on a free port of 127.0.0.1, find (or
install) Debian's Chromium, and drive the chat with Playwright. Shared by the end-to-end tests
(``tests/app/test_browser.py``) and the app benchmark (``python -m evals.bench_app``).

Playwright's own browser downloads are never used: the browser is the ``chromium`` package of the
distribution, installed with apt-get when it is missing and the process may do so (root, apt-get present).

Usage example:

```python
with AppServer({"ESCULAPE_LLM": "llamacpp:smollm2"}) as server, browser_page() as page:
    page.goto(server.url)
    seconds = ask(page, "Peut-on associer apixaban et clarithromycine ?", 1)
```
"""

import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from esculape import processes

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
START_TIMEOUT = 120.0
# Selectors of the page (keys given in app.py become ``st-key-<key>`` classes).
CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
ANSWER_TIMEOUT_MS = 600_000


class BrowserUnavailableError(RuntimeError):
    """No Chromium, and it could not be installed; the message says why."""


def find_chromium(install: bool = True) -> str:
    """The path of Debian's Chromium, installing the ``chromium`` package with apt-get when it is absent.

    :param install: try ``apt-get install -y chromium`` when no binary is found.
    :raises BrowserUnavailableError: with the reason (not root, no apt-get, install failed).
    """
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    if not install:
        raise BrowserUnavailableError(f"Chromium not found at {' or '.join(CHROMIUM_PATHS)}")
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise BrowserUnavailableError(
            "Chromium is not installed and cannot be installed here (apt-get as root is needed): "
            "run `apt-get install -y chromium`"
        )
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # DejaVu gives the pages readable text on a machine with no fonts at all.
    command = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-dejavu-core"]
    completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if completed.returncode != 0:
        # The package lists may be missing on a fresh machine.
        subprocess.run(["apt-get", "update"], capture_output=True, env=environment, check=False)
        completed = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if completed.returncode != 0:
        raise BrowserUnavailableError(
            f"`{' '.join(command)}` failed ({completed.returncode}): {completed.stderr.strip()[-400:]}"
        )
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    raise BrowserUnavailableError("apt-get installed chromium but no binary was found")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` on 127.0.0.1 with extra environment variables; stopped on exit.

    :param environment: variables added to this process's environment (``ESCULAPE_DATA_DIR``...).
    :param log_path: where the server's output goes (a temporary file by default).
    """

    def __init__(self, environment: dict[str, str], log_path: Path | None = None) -> None:
        self.environment = environment
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"esculape-app-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "AppServer":
        command = [
            sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
            "--server.address", "127.0.0.1", "--server.port", str(self.port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal",
        ]  # fmt: skip
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115  (closed in __exit__)
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **self.environment},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            processes.wait_until_ready(f"{self.url}/_stcore/health", self.process, START_TIMEOUT)
        except processes.ServiceNotReadyError as error:
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"The app did not start on {self.url} ({error}); see {self.log_path}"
            ) from None
        return self

    def __exit__(self, *exc: Any) -> None:
        processes.stop(self.process)
        self._log.close()


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
            yield context.new_page()
        finally:
            browser.close()


def wait_until_ready(page: Any, timeout_ms: int = 180_000) -> None:
    """Wait for the chat input (the index and the model are loaded by then)."""
    page.wait_for_selector(CHAT_INPUT, timeout=timeout_ms)


def ask(page: Any, question: str, number: int, timeout_ms: int = ANSWER_TIMEOUT_MS) -> dict[str, float]:
    """Type ``question`` in the chat, send it, and time the first streamed token and the finished answer.

    :param number: the question's position in the session (1 for the first); the streaming container of
        that question is ``st-key-stream-<number>``.
    :returns: ``first_token`` and ``total`` seconds, from the key press.
    """
    box = page.locator(CHAT_INPUT)
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    # Polled on every animation frame in the page, so the time is the first paint of a token.
    page.wait_for_function(
        """(n) => {
            const box = document.querySelector(`.st-key-stream-${n}`);
            const answers = document.querySelectorAll('[class*="st-key-answer-"]').length;
            return (box && box.innerText.trim().length > 0) || answers >= n;
        }""",
        arg=number,
        polling="raf",
        timeout=timeout_ms,
    )
    first = time.perf_counter() - started
    page.wait_for_function(
        "(n) => document.querySelectorAll('[class*=\"st-key-answer-\"]').length >= n",
        arg=number,
        timeout=timeout_ms,
    )
    page.wait_for_selector('[data-testid="stChatInputTextArea"]:not([disabled])', timeout=timeout_ms)
    return {"first_token": first, "total": time.perf_counter() - started}
