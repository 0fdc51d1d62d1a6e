"""Serve a GGUF model over an OpenAI-compatible HTTP API with llama.cpp's own server (``xllamacpp``).

The tests start it to exercise the server backend against a real server. It is also the simplest way
to put a model on a machine of its own and point Esculape at it (``ESCULAPE_LLM=openai:http://host:port/v1``);
a GPU server runs vLLM, TGI or Ollama the same way. The first line printed is the address
(``listening on http://127.0.0.1:PORT``); the server stops on SIGTERM or Ctrl-C.

Run::

    .venv/bin/python -m pipelines.generators.serve path/to/model.gguf --port 8080 [--api-key KEY]
    .venv/bin/python -m pipelines.generators.serve smollm2 --port 0      # the packaged SmolLM2, any free port

From Python, :func:`launch` starts it as a child process on a free port and waits until it answers.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from esculape.processes import ServiceNotReadyError, stop, wait_until_ready
from esculape.settings import REPO_ROOT
from pipelines.generators.base import GeneratorError
from pipelines.generators.models import check_gguf_header, smollm2_path

__all__ = ["launch", "main"]


def _model_path(name: str) -> Path:
    return smollm2_path() if name == "smollm2" else Path(name).expanduser()


def launch(
    model: str | Path, ctx: int = 4096, alias: str = "", timeout: float = 120.0
) -> tuple[subprocess.Popen[str], str]:
    """Start this server in a child process on a free port of 127.0.0.1 and wait until it is healthy.

    :param model: a .gguf path, or ``smollm2``.
    :returns: ``(process, base_url)``, the URL without ``/v1``; stop the process with
        :func:`esculape.processes.stop`.
    :raises ServiceNotReadyError: the server did not start (the message holds the end of its error output).
    """
    command = [sys.executable, "-m", "pipelines.generators.serve", str(model), "--port", "0"]
    command += ["--ctx", str(ctx)]
    command += ["--alias", alias] if alias else []
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    first_line = process.stdout.readline().strip()
    if not first_line.startswith("listening on "):
        stop(process)
        raise ServiceNotReadyError(f"llama.cpp's server did not start: {process.stderr.read()[-500:]}")
    base = first_line.removeprefix("listening on ")
    try:
        wait_until_ready(f"{base}/health", process, timeout)
    except ServiceNotReadyError:
        stop(process)
        raise
    return process, base


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server and block until SIGTERM or SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .gguf file, or 'smollm2' for the packaged SmolLM2-135M")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default 8080)")
    parser.add_argument("--ctx", type=int, default=4096, help="context window in tokens (default 4096)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores)")
    parser.add_argument("--api-key", default="", help="require this bearer token (default: none)")
    parser.add_argument("--alias", default="", help="model name the server reports (default: file name)")
    args = parser.parse_args(argv)

    try:
        path = _model_path(args.model)
        check_gguf_header(path)
    except GeneratorError as error:
        print(error, file=sys.stderr)
        return 2

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = args.ctx
    params.hostnames = [args.host]
    params.port = args.port
    params.verbosity = -1
    if args.threads:
        params.cpuparams.n_threads = args.threads
        params.cpuparams_batch.n_threads = args.threads
    if args.api_key:
        params.api_keys = [args.api_key]
    params.model_alias = {args.alias or path.name}
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as error:
        print(f"llama.cpp could not load {path}: {error}", file=sys.stderr)
        return 2

    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    print(f"listening on {server.listening_address}", flush=True)
    stopped.wait()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
