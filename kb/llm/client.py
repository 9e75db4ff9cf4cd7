"""ChatClient: one OpenAI-compatible `/chat/completions` call, whole or streamed, under one deadline.

Every way the call can fail (server down, HTTP error, timeout, a body that is not a completion) becomes an
`LLMFailure` whose message can be shown to a delegate: the caller then falls back to the extractive answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import httpx
from pydantic import BaseModel, ValidationError

from kb.settings import LLMSettings

FailureKind = Literal["unreachable", "timeout", "server_error", "malformed"]


class LLMFailure(Exception):
    def __init__(self, kind: FailureKind, message: str) -> None:
        self.kind = kind
        super().__init__(message)


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message


class ChatCompletion(BaseModel):
    choices: list[_Choice]


class _Delta(BaseModel):
    content: str | None = None


class _DeltaChoice(BaseModel):
    delta: _Delta
    finish_reason: str | None = None


class ChatCompletionChunk(BaseModel):
    choices: list[_DeltaChoice]


class ChatClient:
    def __init__(self, settings: LLMSettings, transport: httpx.BaseTransport | None = None) -> None:
        if settings.url is None:
            raise ValueError("ChatClient needs TIPKB_LLM_URL")
        self.settings = settings
        self.endpoint = f"{settings.url}/chat/completions"
        headers = {"Accept": "application/json, text/event-stream"}
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        self._http = httpx.Client(headers=headers, transport=transport, trust_env=False)

    @property
    def model(self) -> str:
        return self.settings.model

    def close(self) -> None:
        self._http.close()

    def _body(self, messages: list[ChatMessage], stream: bool) -> dict[str, object]:
        body: dict[str, object] = {
            **self.settings.extra_body,
            "model": self.settings.model,
            "messages": [m.model_dump() for m in messages],
            "max_tokens": self.settings.max_tokens,
            "temperature": self.settings.temperature,
            "stream": stream,
        }
        return body

    def _timeout(self, deadline: float) -> httpx.Timeout:
        left = deadline - time.monotonic()
        if left <= 0:
            raise LLMFailure("timeout", f"the LLM server did not answer within {self.settings.timeout:g} s")
        return httpx.Timeout(left, connect=min(left, 5.0))

    def complete(self, messages: list[ChatMessage]) -> str:
        """The whole reply in one response (`stream: false`)."""
        deadline = time.monotonic() + self.settings.timeout
        with mapped_failures(self.settings.timeout):
            response = self._http.post(
                self.endpoint, json=self._body(messages, stream=False), timeout=self._timeout(deadline)
            )
            self._raise_for_status(response)
            try:
                completion = ChatCompletion.model_validate_json(response.content)
            except ValidationError as exc:
                raise LLMFailure("malformed", "the LLM server's reply is not a chat completion") from exc
        if not completion.choices:
            raise LLMFailure("malformed", "the LLM server's reply has no choices")
        return completion.choices[0].message.content or ""

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """The reply's text pieces as the server sends them (`stream: true`, Server-Sent Events)."""
        deadline = time.monotonic() + self.settings.timeout
        with mapped_failures(self.settings.timeout):
            request = self._http.build_request(
                "POST", self.endpoint, json=self._body(messages, stream=True), timeout=self._timeout(deadline)
            )
            response = self._http.send(request, stream=True)
            try:
                if response.status_code >= 400:
                    response.read()
                    self._raise_for_status(response)
                for line in response.iter_lines():
                    if time.monotonic() > deadline:
                        raise LLMFailure("timeout", f"the LLM server did not finish within {self.settings.timeout:g} s")
                    if not line.startswith("data:"):
                        continue  # comments, event names, keep-alives
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        chunk = ChatCompletionChunk.model_validate(json.loads(data))
                    except (ValueError, ValidationError) as exc:
                        raise LLMFailure("malformed", "the LLM server streamed something that is not a chunk") from exc
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield choice.delta.content
            finally:
                response.close()

    def _raise_for_status(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            detail = response.text.strip().replace("\n", " ")[:200]
            raise LLMFailure("server_error", f"the LLM server answered HTTP {response.status_code}: {detail}")


@contextmanager
def mapped_failures(timeout: float) -> Iterator[None]:
    """httpx's errors as LLMFailure (a context manager, so the streaming generator gets it too)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise LLMFailure("timeout", f"the LLM server did not answer within {timeout:g} s") from exc
    except httpx.ConnectError as exc:
        raise LLMFailure("unreachable", "the LLM server cannot be reached") from exc
    except httpx.HTTPError as exc:
        raise LLMFailure("server_error", f"the LLM call failed: {type(exc).__name__}") from exc
