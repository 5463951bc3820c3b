"""End to end through the HTTP API, with Python's standard library only:
register an endpoint pointing at a local receiver, publish every event type in
the catalogue, and verify every webhook that arrives.

    LETTA_WEBHOOKS_URL=http://127.0.0.1:8080 LETTA_WEBHOOKS_API_KEY=lwk_… python3 demo.py

The API and at least one worker must be running (`letta-webhooks api`,
`letta-webhooks worker`), and the worker must be allowed to reach this
machine's loopback address (WEBHOOK_ALLOWED_CIDRS=127.0.0.0/8: local use only).
Prints a JSON summary; exits 0 when every event arrived with a valid signature.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from letta_webhooks import ApiError, Client
from receiver import Receiver

WAIT_SECONDS = 30


def main() -> int:
    client = Client(os.environ["LETTA_WEBHOOKS_URL"], os.environ["LETTA_WEBHOOKS_API_KEY"])
    received: dict[str, dict] = {}
    arrived = threading.Condition()

    def on_event(envelope: dict) -> None:
        with arrived:
            received[envelope["event_id"]] = envelope
            arrived.notify_all()

    receiver = Receiver(on_event=on_event).start()
    try:
        # docs:begin register
        endpoint = client.create_endpoint(
            receiver.url,
            ["*"],
            description="Python demo receiver",
            metadata={"owner": "demo"},
        )
        receiver.secret = endpoint["secret"]  # shown once: store it with the receiver
        # docs:end register

        # docs:begin publish
        catalogue = client.event_types()
        published = {}
        for entry in catalogue:
            result = client.publish_event("agent-python-demo", entry["event_type"], entry["example"])
            published[result["event_id"]] = entry
        # docs:end publish

        # Publishing the same event id again answers the same and delivers nothing twice.
        again_id = next(iter(published))
        first = published[again_id]
        again = client.publish_event(
            "agent-python-demo", first["event_type"], first["example"], event_id=again_id
        )

        deadline = time.monotonic() + WAIT_SECONDS
        with arrived:
            while not set(published) <= set(received) and time.monotonic() < deadline:
                arrived.wait(timeout=0.2)

        mismatched = [
            event_id
            for event_id, entry in published.items()
            if event_id in received
            and (
                received[event_id]["event_type"] != entry["event_type"]
                or received[event_id]["data"] != entry["example"]
            )
        ]
        # The delivery log records each attempt once the receiver has answered.
        while True:
            deliveries = client.list_deliveries(endpoint_id=endpoint["id"], limit=100)["data"]
            settled = all(d["status"] != "pending" for d in deliveries)
            if (settled and len(deliveries) >= len(published)) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        try:
            client.get_endpoint("ep_does_not_exist")
            missing_code = None
        except ApiError as error:
            missing_code = error.code
        client.delete_endpoint(endpoint["id"])
    finally:
        receiver.stop()

    summary = {
        "event_types": len(catalogue),
        "published": len(published),
        "received_verified": len(set(published) & set(received)),
        "mismatched": mismatched,
        "republished_same_id": again["event_id"] == again_id,
        "deliveries_succeeded": sum(1 for d in deliveries if d["status"] == "succeeded"),
        "missing_endpoint_error": missing_code,
    }
    print(json.dumps(summary))
    ok = (
        summary["received_verified"] == summary["published"] == summary["event_types"]
        and not mismatched
        and summary["republished_same_id"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
