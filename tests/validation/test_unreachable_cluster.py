"""`validate nccl` against an API server that refuses connections, forbids or fails: a message that
says what failed and what to check, exit 2, never a traceback. The servers are on loopback."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import threading

import pytest
import yaml

from tests.conftest import EXAMPLES

SPEC = str(EXAMPLES / "onprem-sovereign.yaml")


def _kubeconfig(tmp_path, port: int) -> str:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def _server(status: int):
    class Answer(http.server.BaseHTTPRequestHandler):
        def _reply(self) -> None:
            body = b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no","code":%d}' % status
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _reply

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _validate(kubeconfig: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ailz", "validate", "nccl", "--spec", SPEC, "--kubeconfig", kubeconfig, "--context", "x"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "AILZ_API_READ_TIMEOUT": "2"},
    )  # fmt: skip


@pytest.mark.parametrize("status,words", [(403, "403"), (500, "500"), (401, "401")])
def test_an_api_that_answers_with_an_error(tmp_path, status, words):
    server = _server(status)
    try:
        result = _validate(_kubeconfig(tmp_path, server.server_address[1]))
    finally:
        server.shutdown()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and words in result.stderr
    assert "fix:" in result.stderr


def test_an_api_that_refuses_connections(tmp_path):
    result = _validate(_kubeconfig(tmp_path, _closed_port()))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "no answer from the Kubernetes API server" in result.stderr


def test_an_api_that_never_answers_times_out(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        result = _validate(_kubeconfig(tmp_path, listener.getsockname()[1]))
    finally:
        listener.close()
    assert result.returncode == 2, result.stderr
    assert "timed out" in result.stderr and "Traceback" not in result.stderr
