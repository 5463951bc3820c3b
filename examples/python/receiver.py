"""A webhook receiver using only Python's standard library: it verifies every
request's Standard Webhooks signature before trusting the body.

    python3 receiver.py            # listens on 127.0.0.1:8000, secret from LETTA_WEBHOOK_SECRET
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """The request was not signed by Letta webhooks with this secret (or is too old)."""


# docs:begin verify
def verify(secret: str, headers: dict[str, str], body: bytes, now: Optional[float] = None) -> dict:
    """Checks the signature of one webhook request and returns the parsed envelope.

    `secret` is the endpoint's `whsec_…` secret; `headers` maps lower-case names to values;
    `body` is the raw request body, exactly as received (verify before parsing it).
    """
    key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    if len(key) < 24:
        raise InvalidSignature("the secret is not a valid whsec_ secret")
    event_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not event_id or not timestamp.isdigit():
        raise InvalidSignature("missing webhook-id or webhook-timestamp")
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance: replayed or clock skew")
    signed = f"{event_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # During a secret rotation the header carries one signature per active secret.
    for candidate in headers.get("webhook-signature", "").split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise InvalidSignature("no signature matches")
# docs:end verify


# docs:begin receiver
class WebhookHandler(BaseHTTPRequestHandler):
    """Answers 2xx only for verified requests; hands each envelope to `server.on_event`."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            envelope = verify(self.server.secret, headers, body)
        except (InvalidSignature, ValueError) as error:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(str(error).encode())
            return
        # Deliveries are at least once: dedupe on the event id (webhook-id).
        self.server.on_event(envelope)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass
# docs:end receiver


class Receiver(ThreadingHTTPServer):
    """A receiver on `host:port` (0 picks a free port), serving in a background thread."""

    def __init__(self, secret: str = "", on_event: Callable[[dict], None] = lambda e: None, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), WebhookHandler)
        self.secret = secret
        self.on_event = on_event
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/webhooks"

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


if __name__ == "__main__":
    receiver = Receiver(
        secret=os.environ["LETTA_WEBHOOK_SECRET"],
        on_event=lambda envelope: print(envelope["event_type"], envelope["event_id"], flush=True),
        port=int(os.environ.get("PORT", "8000")),
    )
    print(f"listening on {receiver.url}", flush=True)
    receiver.serve_forever()
