"""Bale update JSON as Bale sends it, and a local stand-in for the Bot API server."""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.waiting import wait_until

_update_ids = itertools.count(1_000_000)
_message_ids = itertools.count(1)
SECRET = "s3cret-" + "x" * 40


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "شهروند"}


def _from(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "شهروند"}


def message(chat_id: int, update_id: int | None = None, **content: Any) -> dict[str, Any]:
    return {
        "update_id": update_id if update_id is not None else next(_update_ids),
        "message": {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _from(chat_id),
            **content,
        },
    }


def text(chat_id: int, body: str, update_id: int | None = None) -> dict[str, Any]:
    return message(chat_id, update_id, text=body)


def location(chat_id: int, lat: float, lon: float) -> dict[str, Any]:
    return message(chat_id, location={"latitude": lat, "longitude": lon})


def photo(chat_id: int, file_id: str) -> dict[str, Any]:
    sizes = [
        {"file_id": f"{file_id}-small", "file_unique_id": "a", "width": 90, "height": 90},
        {"file_id": file_id, "file_unique_id": "b", "width": 1280, "height": 960},
    ]
    return message(chat_id, photo=sizes)


def callback(chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cb-{next(_message_ids)}",
            "from": _from(chat_id),
            "message": {"message_id": next(_message_ids), "chat": _chat(chat_id), "date": 0},
            "data": data,
        },
    }


class BotApiStandIn:
    """A real HTTP server on 127.0.0.1 that answers like the Bot API, records every call, and can be
    told to fail the first N calls with a 502 (or a chosen status)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # file_id → bytes: getFile answers, /file/bot…/<path> serves
        self.fail_next = 0
        self.fail_status = 502
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with stand_in._lock:
                    stand_in.calls.append({"path": self.path, "body": body, "at": time.monotonic()})
                    failing = stand_in.fail_next > 0
                    if failing:
                        stand_in.fail_next -= 1
                status = stand_in.fail_status if failing else 200
                result: dict[str, Any] = {"message_id": len(stand_in.calls)}
                if self.path.endswith("/getFile"):
                    file_id = str(body.get("file_id"))
                    if file_id not in stand_in.files:
                        failing, status = True, 400
                    result = {"file_id": file_id, "file_path": f"photos/{file_id}.jpg"}
                answer = (
                    {"ok": False, "error_code": status, "description": "stand-in failure"}
                    if failing
                    else {"ok": True, "result": result}
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                name = self.path.rsplit("/", 1)[-1].removesuffix(".jpg")
                data = stand_in.files.get(name)
                with stand_in._lock:
                    stand_in.calls.append({"path": self.path, "body": None, "at": time.monotonic()})
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> BotApiStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:

        def made() -> list[dict[str, Any]] | None:
            with self._lock:
                return list(self.calls) if len(self.calls) >= count else None

        return wait_until(made, timeout=timeout, what=f"{count} calls to the Bot API (got {self.calls})")
