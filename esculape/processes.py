"""Child processes that serve HTTP on 127.0.0.1 (the app, llama.cpp's server): wait until they answer,
stop them cleanly.

Usage example::

    process = subprocess.Popen([...])
    try:
        wait_until_ready("http://127.0.0.1:8501/_stcore/health", process, timeout=120)
    except ServiceNotReadyError as error:
        stop(process)
        raise MyError(f"the app did not start: {error}") from error
"""

import subprocess
import time
import urllib.request

__all__ = ["ServiceNotReadyError", "stop", "wait_until_ready"]


class ServiceNotReadyError(RuntimeError):
    """The process exited, or its health address did not answer 200 in time; the message says which."""


def wait_until_ready(health_url: str, process: subprocess.Popen, timeout: float, poll: float = 0.3) -> None:
    """Poll ``health_url`` until it answers 200.

    :raises ServiceNotReadyError: the process exited first, or ``timeout`` seconds passed.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceNotReadyError(f"the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(poll)
    raise ServiceNotReadyError(f"{health_url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen | None, grace: float = 20.0) -> None:
    """Terminate ``process`` and wait; kill it if it is still there after ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
