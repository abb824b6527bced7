"""A loopback stand-in for the Kubernetes API as the health check script uses it: GET and PATCH
(merge patch, JSON patch with add/remove/test) of nodes, POST of events. Binds 127.0.0.1 only."""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(document: dict, operations: list[dict]) -> dict:
    document = copy.deepcopy(document)
    for op in operations:
        *parents, last = op["path"].strip("/").split("/")
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if op["op"] == "test":
            current = node[int(last)] if isinstance(node, list) else node[last]
            if current != op["value"]:
                raise ValueError("test failed")
        elif op["op"] == "add":
            if isinstance(node, list):
                node.append(op["value"]) if last == "-" else node.insert(int(last), op["value"])
            else:
                node[last] = op["value"]
        elif op["op"] == "remove":
            del node[int(last) if isinstance(node, list) else last]
    return document


class FakeNodeApi:
    """pretty: indent every reply, as the API server does for clients whose User-Agent is curl's."""

    def __init__(self, nodes: dict[str, dict], pretty: bool = False):
        self.nodes = nodes
        for name, node in nodes.items():
            node["metadata"].setdefault("uid", f"uid-{name}")
            node["metadata"].setdefault("resourceVersion", "1")
        self.pretty = pretty
        self.agents: list[str] = []
        self.races = 0  # JSON patches that another writer beats to the node first
        self.events: list[dict] = []
        self.patches: list[tuple[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: Any) -> None:
                agent = self.headers.get("User-Agent", "")
                api.agents.append(agent)
                if api.pretty or agent.startswith("curl"):
                    data = json.dumps(body, indent=2).encode()
                else:
                    data = json.dumps(body, separators=(",", ":")).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _node(self):
                name = self.path.rsplit("/", 1)[-1]
                return name, api.nodes.get(name)

            def do_GET(self):
                name, node = self._node()
                self._send(200, node) if node else self._send(404, {"reason": "NotFound"})

            def do_PATCH(self):
                name, node = self._node()
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                kind = self.headers["Content-Type"]
                api.patches.append((kind, body))
                if kind == "application/json-patch+json" and api.races:
                    api.races -= 1  # someone else wrote the node since the script read it
                    node["metadata"]["resourceVersion"] = str(int(node["metadata"]["resourceVersion"]) + 1)
                try:
                    if kind == "application/merge-patch+json":
                        patched = merge_patch(node, body)
                    else:
                        patched = json_patch(node, body)
                except (ValueError, KeyError, IndexError):
                    self._send(422, {"reason": "Invalid"})
                    return
                patched["metadata"]["resourceVersion"] = str(int(node["metadata"]["resourceVersion"]) + 1)
                api.nodes[name] = patched
                self._send(200, api.nodes[name])

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.events.append(body)
                self._send(201, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
