"""A client for the Letta webhooks HTTP API, using only Python's standard library.

    from letta_webhooks import Client

    client = Client("http://127.0.0.1:8080", api_key=os.environ["LETTA_WEBHOOKS_API_KEY"])
    client.publish_event("agent-1", "agent.run.completed", {...})

Every method returns the JSON answer as a dict (snake_case, as on the wire);
every error raises ApiError with the answer's code, field and message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional


class ApiError(Exception):
    """An error answer: `status` (HTTP), `code` (e.g. INVALID_INPUT), `field` and `message`."""

    def __init__(self, status: int, code: str, field: Optional[str], message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.field = field
        self.message = message


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class Client:
    """The HTTP API. `api_key` is an `lwk_…` key from `letta-webhooks api-keys create`."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, query: Optional[dict[str, Any]] = None) -> Any:
        """Sends one request; returns the decoded JSON answer (None for 204)."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(_without_none(query))
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.api_key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read() or b"{}").get("error", {})
            raise ApiError(
                error.code,
                answer.get("code", "HTTP_ERROR"),
                answer.get("field"),
                answer.get("message", str(error)),
            ) from None

    # Events

    def publish_event(
        self,
        agent_id: str,
        event_type: str,
        data: dict[str, Any],
        event_id: Optional[str] = None,
        occurred_at: Optional[str] = None,
        organization_id: Optional[str] = None,
        callback_url: Optional[str] = None,
    ) -> dict[str, Any]:
        """Publishes one event; returns its event id and one delivery per matching endpoint."""
        body = _without_none(
            {
                "agent_id": agent_id,
                "event_type": event_type,
                "data": data,
                "event_id": event_id,
                "occurred_at": occurred_at,
                "organization_id": organization_id,
                "callback_url": callback_url,
            }
        )
        return self.request("POST", "/v1/events", body)

    def publish_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Publishes up to 1,000 events (each a dict with the fields of publish_event)."""
        return self.request("POST", "/v1/events/batch", {"events": events})["data"]

    def replay_event(self, event_id: str, organization_id: Optional[str] = None) -> dict[str, Any]:
        """Delivers a stored event again to the endpoints that match it now."""
        return self.request(
            "POST", f"/v1/events/{event_id}/replay", _without_none({"organization_id": organization_id})
        )

    def event_types(self) -> list[dict[str, Any]]:
        """The catalogue: each type with the JSON Schema of its data and an example."""
        return self.request("GET", "/v1/event-types")["data"]

    # Endpoints

    def create_endpoint(self, url: str, event_types: list[str], **fields: Any) -> dict[str, Any]:
        """Registers an endpoint (agent_id, description, metadata, secret, organization_id
        optional); the answer carries its signing secret, shown this once."""
        return self.request("POST", "/v1/endpoints", {"url": url, "event_types": event_types, **fields})

    def list_endpoints(self, **filters: Any) -> dict[str, Any]:
        """One page: {"data": [...], "next_cursor": ...}; pass cursor=next_cursor for the next."""
        return self.request("GET", "/v1/endpoints", query=filters)

    def get_endpoint(self, endpoint_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/endpoints/{endpoint_id}")

    def update_endpoint(self, endpoint_id: str, **changes: Any) -> dict[str, Any]:
        return self.request("PATCH", f"/v1/endpoints/{endpoint_id}", changes)

    def delete_endpoint(self, endpoint_id: str) -> None:
        self.request("DELETE", f"/v1/endpoints/{endpoint_id}")

    def rotate_secret(self, endpoint_id: str, overlap_ms: Optional[int] = None) -> dict[str, Any]:
        return self.request(
            "POST", f"/v1/endpoints/{endpoint_id}/rotate-secret", _without_none({"overlap_ms": overlap_ms})
        )

    def reveal_secret(self, endpoint_id: str) -> str:
        return self.request("GET", f"/v1/endpoints/{endpoint_id}/reveal-secret")["secret"]

    def disable_endpoint(self, endpoint_id: str, reason: Optional[str] = None) -> dict[str, Any]:
        return self.request("POST", f"/v1/endpoints/{endpoint_id}/disable", _without_none({"reason": reason}))

    def enable_endpoint(self, endpoint_id: str) -> dict[str, Any]:
        return self.request("POST", f"/v1/endpoints/{endpoint_id}/enable")

    def endpoint_health(self, endpoint_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/endpoints/{endpoint_id}/health")

    def send_test_event(self, endpoint_id: str, event_type: Optional[str] = None) -> dict[str, Any]:
        """Sends the catalogue's example of a type to this endpoint only; returns the first attempt."""
        return self.request("POST", f"/v1/endpoints/{endpoint_id}/test", _without_none({"event_type": event_type}))

    def recover_endpoint(self, endpoint_id: str, since: str, limit: Optional[int] = None) -> dict[str, Any]:
        return self.request(
            "POST", f"/v1/endpoints/{endpoint_id}/recover", _without_none({"since": since, "limit": limit})
        )

    # Deliveries

    def list_deliveries(self, **filters: Any) -> dict[str, Any]:
        """One page of deliveries, newest first (endpoint_id, agent_id, status, event_type, since, until…)."""
        return self.request("GET", "/v1/deliveries", query=filters)

    def get_delivery(self, delivery_id: str) -> dict[str, Any]:
        """One delivery with the exact body sent and every attempt."""
        return self.request("GET", f"/v1/deliveries/{delivery_id}")

    def resend_delivery(self, delivery_id: str) -> dict[str, Any]:
        return self.request("POST", f"/v1/deliveries/{delivery_id}/resend")
