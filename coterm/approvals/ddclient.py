"""A small Datadog API client for Case Management: keys from the environment, timeouts on every
call, retries with backoff on 408/429/5xx and connection errors (429 waits X-RateLimit-Reset),
and one clear line for every failure.

Environment: DD_API_KEY and DD_APP_KEY (DATADOG_API_KEY / DATADOG_APP_KEY also work), DD_SITE
(default datadoghq.com), COTERM_DD_API_URL to point at another base URL (tests, proxies).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Callable, Optional

from coterm.approvals.model import ApprovalError

DEFAULT_SITE = "datadoghq.com"
MAX_WAIT = 60.0  # never sleep longer than this between two tries


def _env(env: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return ""


def site_of(env: Mapping[str, str]) -> str:
    return _env(env, "DATADOG_SITE", "DD_SITE") or DEFAULT_SITE


def api_base(env: Mapping[str, str]) -> str:
    return (_env(env, "COTERM_DD_API_URL") or f"https://api.{site_of(env)}").rstrip("/")


def ui_base(env: Mapping[str, str]) -> str:
    """A three-part site (us3.datadoghq.com) is its own UI host; a two-part one gets `app.`."""
    site = site_of(env)
    return f"https://{site}" if site.count(".") >= 2 else f"https://app.{site}"


class DatadogClient:
    def __init__(
        self,
        env: Mapping[str, str],
        *,
        timeout: float = 10.0,
        retries: int = 3,
        retry_delay: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = api_base(env)
        self.api_key = _env(env, "DD_API_KEY", "DATADOG_API_KEY")
        self.app_key = _env(env, "DD_APP_KEY", "DATADOG_APP_KEY")
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.sleep = sleep
        self.deadline: Optional[float] = None  # no retry sleeps past this (epoch seconds)
        self._session: Any = None

    def require_keys(self) -> None:
        missing = [n for n, v in (("DD_API_KEY", self.api_key), ("DD_APP_KEY", self.app_key)) if not v]
        if missing:
            raise ApprovalError(
                f"approvals via Datadog need {' and '.join(missing)} in the environment "
                "(an API key and an application key with cases_read/cases_write)"
            )

    def session(self) -> Any:
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    def call(self, method: str, path: str, body: Optional[dict[str, Any]] = None) -> dict[str, Any]:
        """One API call; the JSON answer, or ApprovalError with one line saying what went wrong."""
        import requests

        url = self.base + path
        headers = {
            "DD-API-KEY": self.api_key,
            "DD-APPLICATION-KEY": self.app_key,
            "Accept": "application/json",
        }
        problem = ""
        for attempt in range(self.retries + 1):
            wait = self.retry_delay * (2**attempt)
            try:
                resp = self.session().request(
                    method, url, json=body, headers=headers, timeout=(min(5.0, self.timeout), self.timeout)
                )
            except requests.Timeout:
                problem = f"no answer from {self.base} within {self.timeout:g}s"
            except requests.ConnectionError as exc:
                problem = f"cannot reach {self.base}: {_connection_problem(exc)} (offline?)"
            else:
                if resp.status_code < 300:
                    return _json(resp)
                if resp.status_code == 429:
                    problem = "rate limited by Datadog (429 Too Many Requests)"
                    wait = _reset_seconds(resp, wait)
                elif resp.status_code == 408 or resp.status_code >= 500:
                    problem = f"Datadog API error {resp.status_code} {resp.reason or ''}".rstrip()
                else:
                    raise ApprovalError(self._fatal_message(resp, method, path))
            if attempt == self.retries or not self._pause(wait):
                break
        tries = "1 try" if self.retries == 0 else f"{attempt + 1} tries"
        raise ApprovalError(f"{problem}; gave up after {tries}")

    def _pause(self, seconds: float) -> bool:
        seconds = min(seconds, MAX_WAIT)
        if self.deadline is not None and time.time() + seconds >= self.deadline:
            return False
        self.sleep(seconds)
        return True

    def _fatal_message(self, resp: Any, method: str, path: str) -> str:
        code = resp.status_code
        detail = _error_detail(resp)
        if code == 401:
            return (
                f"Datadog rejected the credentials (401 Unauthorized{detail}): "
                "check DD_API_KEY and DD_APP_KEY (and DD_SITE)"
            )
        if code == 403:
            return (
                f"Datadog refused access (403 Forbidden{detail}): check DD_API_KEY, DD_APP_KEY and DD_SITE, "
                "and that the application key may read and write cases"
            )
        if code == 404:
            return f"Datadog has no such resource ({method} {path}: 404 Not Found{detail})"
        return f"Datadog rejected {method} {path} ({code}{detail})"


def _json(resp: Any) -> dict[str, Any]:
    if not resp.content:
        return {}
    try:
        value = resp.json()
    except ValueError:
        raise ApprovalError(f"Datadog answered {resp.status_code} with a body that is not JSON") from None
    return value if isinstance(value, dict) else {}


def _reset_seconds(resp: Any, fallback: float) -> float:
    try:
        return max(0.0, float(resp.headers.get("X-RateLimit-Reset", "")))
    except ValueError:
        return fallback


def _error_detail(resp: Any) -> str:
    try:
        errors = resp.json().get("errors") or []
    except (ValueError, AttributeError):
        return ""
    texts = []
    for err in errors[:2]:
        if isinstance(err, dict):
            texts.append(str(err.get("detail") or err.get("title") or "").strip())
        else:
            texts.append(str(err))
    text = "; ".join(t for t in texts if t)
    return f": {text[:200]}" if text else ""


def _connection_problem(exc: Exception) -> str:
    text = str(exc)
    if "RemoteDisconnected" in text or "Connection aborted" in text or "closed connection" in text:
        return "the connection was dropped"
    if "refused" in text.lower():
        return "connection refused"
    if "resolve" in text.lower() or "Name or service" in text:
        return "the host name does not resolve"
    return "connection failed"
