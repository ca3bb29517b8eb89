"""The OpenAI-compatible backend against a local HTTP server that speaks the same API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from robostack.core.errors import RobostackError
from robostack.language.openai_backend import OpenAIParser, a2nav_to_json, build_messages

GOOD = {
    "level": "L1",
    "subtasks": [
        {"action": "exit", "landmark": "the bedroom"},
        {"action": "turn_left"},
        {"action": "go_past", "landmark": "gray couch"},
        {"action": "stop"},
    ],
}


class FakeServer:
    """Answers /v1/chat/completions with queued replies and records the requests."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers["Content-Length"])
                owner.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                content = owner.replies.pop(0) if owner.replies else "no more replies"
                body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[FakeServer]:
    fake = FakeServer(request.param)
    yield fake
    fake.close()


@pytest.mark.parametrize("server", [[json.dumps(GOOD)]], indirect=True)
def test_valid_reply_becomes_plan(server: FakeServer) -> None:
    parser = OpenAIParser(base_url=server.url, model="tiny")
    plan = parser.parse("Exit the bedroom and turn left, walk past the gray couch.")
    assert [str(s) for s in plan.subtasks] == [
        "navigate(exit, bedroom)",
        "navigate(turn_left)",
        "navigate(go_past, gray couch)",
        "navigate(stop)",
    ]
    assert parser.last_source == "llm"
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "tiny"
    assert request["body"]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize(
    "server", [["I think you should go left.", "Sure: " + json.dumps(GOOD)]], indirect=True
)
def test_invalid_reply_is_retried_once(server: FakeServer) -> None:
    parser = OpenAIParser(base_url=server.url, model="tiny")
    plan = parser.parse("exit the bedroom")
    assert plan.subtasks[0].action == "exit"
    assert parser.last_source == "llm-retry"
    assert "invalid" in server.requests[1]["body"]["messages"][-1]["content"]


@pytest.mark.parametrize(
    "server", [['{"level": "L9", "subtasks": []}', '{"subtasks": [{"action": "fly"}]}']], indirect=True
)
def test_two_invalid_replies_fall_back_with_warning(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    parser = OpenAIParser(base_url=server.url, model="tiny")
    plan = parser.parse("go to the kitchen")
    assert parser.last_source == "fallback"
    assert str(plan.subtasks[0]) == "navigate(go_into, kitchen)"
    assert len(server.requests) == 2
    assert any("falling back" in r.getMessage() for r in caplog.records)


def test_unreachable_server_falls_back() -> None:
    parser = OpenAIParser(base_url="http://127.0.0.1:9/v1", model="tiny", timeout_s=1.0)
    assert parser.parse("turn left").subtasks[0].action == "turn_left"
    assert parser.last_source == "fallback"


def test_needs_url_and_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROBOSTACK_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("ROBOSTACK_LLM_MODEL", raising=False)
    with pytest.raises(RobostackError, match="base-url"):
        OpenAIParser()


def test_prompt_uses_a2nav_examples() -> None:
    messages = build_messages("walk to the door")
    assert "[go past]" in messages[0]["content"]
    assert sum(m["role"] == "user" for m in messages) == 6  # five examples + the instruction
    assert a2nav_to_json("1. [exit] {bedroom}. 2. [turn left]. 3. [stop].", "L1")["subtasks"][1] == {
        "action": "turn_left",
        "landmark": "",
        "receptacle": "",
    }
