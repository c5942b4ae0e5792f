"""One client for the OpenAI-compatible chat-completions protocol (Ollama, llama.cpp's server,
LM Studio, vLLM and the cloud services all speak it), through the optional `openai` package.

The package's own retries are off: culler retries here so that every wait is reported and can be
cancelled. A timeout or a 5xx is retried with doubling back-off; a 429 waits for its Retry-After
(a wait longer than `max_retry_after_s` stops the run); 401/403 and an unreachable endpoint stop at
once. A 400/422 on a request carrying `response_format` is read as "no structured output here":
the request is sent once more without it, and so are the rest of the run's requests.
Every message that leaves this module has passed through `redact` (no key in it).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.request import getproxies

from culler.analysis.vlm_config import VlmConfig, redact, safe_url

INSTALL_HINT = ("asking a vision-language model needs the optional 'openai' package: "
                "pip install 'culler[vlm]' (or pip install openai)")


class VlmError(Exception):
    """A request failed; `fatal` = the run cannot go on (endpoint unreachable, key refused, ...)."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class VlmCancelled(Exception):
    """The user cancelled while a request was waiting."""


@dataclass
class Answer:
    text: str
    request_bytes: int
    response_bytes: int
    seconds: float


def check_reachable(config: VlmConfig, timeout: float = 3.0) -> None:
    """A TCP connection to the endpoint within `timeout`, else a fatal VlmError at once.
    A remote endpoint reached through a proxy is not checked (the first request tells)."""
    parts = urlsplit(config.url)
    if not config.local and getproxies().get(parts.scheme):
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as e:
        raise VlmError(f"the model endpoint {safe_url(config.url)} is not reachable "
                       f"({e.strerror or e}); is the server running?", fatal=True) from e


class VlmClient:
    """Chat completions against one endpoint. `wait(seconds) -> bool` sleeps and returns False
    when the user cancelled meanwhile; `on_retry(message)` hears about every retry."""

    def __init__(self, config: VlmConfig, *, wait: Callable[[float], bool] | None = None,
                 on_retry: Callable[[str], None] | None = None) -> None:
        try:
            import openai
        except ImportError as e:
            raise VlmError(INSTALL_HINT, fatal=True) from e
        self._openai = openai
        self.config = config
        # A local server ignores the key, but the package insists on one. Photos meant for a local
        # server never go through a proxy from the environment (HTTPS_PROXY...): that would send
        # them off the machine without the consent a remote endpoint needs.
        http_client = None if not config.local else openai.DefaultHttpxClient(trust_env=False)
        self._client = openai.OpenAI(base_url=config.url, api_key=config.key or "not-needed",
                                     timeout=config.timeout_s, max_retries=0, http_client=http_client)
        self._wait = wait or _sleep
        self._on_retry = on_retry or (lambda message: None)
        self.structured = True  # False once the server refused response_format
        self._last_start = 0.0

    def ask(self, messages: list[dict], schema_name: str, schema: dict) -> Answer:
        """The model's answer text; raises VlmError (fatal or not) or VlmCancelled."""
        from culler.analysis.vlm_prompt import response_format

        retries = 0
        backoff = self.config.backoff_s
        while True:
            kwargs = {"model": self.config.model, "messages": messages, "temperature": 0}
            structured = self.structured
            if structured:
                kwargs["response_format"] = response_format(schema_name, schema)
            self._pace()
            started = time.monotonic()
            try:
                raw = self._client.chat.completions.with_raw_response.create(**kwargs)
                completion = raw.parse()
                text = completion.choices[0].message.content or ""
                return Answer(text, _request_bytes(raw, kwargs), len(raw.content), time.monotonic() - started)
            except self._openai.APIStatusError as e:
                status = e.status_code
                if status in (400, 422) and structured:
                    self.structured = False
                    self._on_retry(f"the server refused structured output ({status}); asking again without it")
                    continue
                if status in (401, 403):
                    raise VlmError(f"{safe_url(self.config.url)} refused the request ({status}): "
                                   "check the key (CULLER_VLM_KEY)", fatal=True) from None
                if status == 429:
                    delay = _retry_after(e.response.headers)
                    delay = backoff if delay is None else delay
                    if delay > self.config.max_retry_after_s:
                        raise VlmError(f"rate limited (429): the server asks to wait {delay:.0f} s; "
                                       "try again later or lower requests_per_minute", fatal=True) from None
                    what, backoff_next = f"rate limited (429), waiting {delay:.1f} s as the server asks", backoff
                elif status >= 500:
                    delay, what, backoff_next = backoff, f"server error {status}", backoff * 2
                else:
                    raise VlmError(f"the server answered {status}: {self._message(e)}") from None
            except self._openai.APITimeoutError:
                delay, what, backoff_next = backoff, f"no answer within {self.config.timeout_s:g} s", backoff * 2
            except self._openai.APIConnectionError as e:
                raise VlmError(f"lost the connection to {safe_url(self.config.url)} "
                               f"({self._message(e)})", fatal=True) from None
            except (IndexError, AttributeError, ValueError) as e:  # a 200 that is not a completion
                raise VlmError(f"the server's answer is not a chat completion ({self._message(e)})") from None
            if retries >= self.config.retries:
                raise VlmError(f"{what}; gave up after {retries + 1} attempt(s)")
            retries += 1
            self._on_retry(f"{what}; retry {retries} of {self.config.retries}")
            if not self._wait(delay):
                raise VlmCancelled()
            backoff = backoff_next

    def close(self) -> None:
        """Drop the connection; a request in flight on another thread then fails at once (the
        window uses this to stop a run when it closes instead of waiting out the timeout)."""
        self._client.close()

    def _message(self, e: Exception) -> str:
        return redact(str(e), self.config)[:300]

    def _pace(self) -> None:
        rpm = self.config.requests_per_minute
        if rpm > 0:
            gap = 60.0 / rpm - (time.monotonic() - self._last_start)
            if gap > 0 and not self._wait(gap):
                raise VlmCancelled()
        self._last_start = time.monotonic()


def _request_bytes(raw, kwargs: dict) -> int:
    content = getattr(getattr(raw, "http_request", None), "content", None)
    return len(content) if isinstance(content, bytes) else len(json.dumps(kwargs))


def _retry_after(headers) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), None when absent or bad."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _sleep(seconds: float) -> bool:
    time.sleep(max(0.0, seconds))
    return True
