"""A real chat-completions server on 127.0.0.1 for the tests, with the misbehaviours of real ones.

`ChatServer(mode)` runs http.server in a thread and records every request (headers and JSON body).
Modes: ok (answers the schema), no_schema (400 whenever response_format is sent, plain chat
answers otherwise), malformed (text that is not JSON), rate_limit (429 with Retry-After for the
first `fail_first` requests), server_error (500 for the first `fail_first`), slow (answers after
`delay` seconds), unauthorized (401 for every request).
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def completion(text: str, model: str = "test-vlm") -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}


def images_of(body: dict) -> list[Image.Image]:
    """The images of a request's data-URI content parts."""
    out = []
    for message in body["messages"]:
        content = message["content"]
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "image_url":
                header, data = part["image_url"]["url"].split(",", 1)
                assert header == "data:image/jpeg;base64"
                out.append(Image.open(io.BytesIO(base64.b64decode(data))))
    return out


def default_answer(body: dict) -> str:
    """A well-formed answer: a burst's frames ranked in reverse order; one photo kept, score 8."""
    text = " ".join(part.get("text", "") for m in body["messages"] if isinstance(m["content"], list)
                    for part in m["content"])
    if "ranking" in text and "burst" in text:
        n = len(images_of(body))
        return json.dumps({"ranking": [{"frame": i, "strengths": f"s{i}", "weaknesses": f"w{i}"}
                                       for i in range(n, 0, -1)]})
    return json.dumps({"verdict": "keep", "score": 8, "issues": ["composition"],
                       "critique": "Sharp eyes, clean background."})


class ChatServer:
    def __init__(self, mode: str = "ok", *, fail_first: int = 1, retry_after: str = "0.2",
                 delay: float = 0.0, answer=default_answer) -> None:
        self.mode, self.fail_first, self.retry_after, self.delay = mode, fail_first, retry_after, delay
        self.answer = answer
        self.requests: list[dict] = []  # {"path", "headers", "body", "bytes"}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw)
                server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                        "body": body, "bytes": len(raw)})
                status, headers, payload = server.respond(body, len(server.requests))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def respond(self, body: dict, n: int) -> tuple[int, dict, dict]:
        def error(status: int, msg: str) -> tuple[int, dict, dict]:
            return status, {}, {"error": {"message": msg, "type": "error", "code": status}}

        if self.mode == "unauthorized":
            return error(401, "invalid api key")
        if self.mode == "no_schema" and "response_format" in body:
            return error(400, "response_format is not supported")
        if self.mode == "rate_limit" and n <= self.fail_first:
            status, _, payload = error(429, "slow down")
            return status, {"Retry-After": self.retry_after}, payload
        if self.mode == "server_error" and n <= self.fail_first:
            return error(500, "boom")
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "malformed":
            return 200, {}, completion("I think it is a lovely picture, well done!")
        if self.mode == "no_schema":  # a chatty model without structured output
            return 200, {}, completion("Sure! ```json\n" + self.answer(body) + "\n``` Hope this helps.")
        return 200, {}, completion(self.answer(body))

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
