"""A connection that breaks after the request was written is a timeout (Meta may have sent the message),
not a failure to connect: the send must never be repeated. Real sockets, no HTTP mocks."""

from __future__ import annotations

import socket
import threading

import pytest

from whatsapp.client import GraphClient
from whatsapp.errors import GraphTimeoutError, TransientGraphError


def _server_that_reads_then_hangs_up() -> tuple[str, threading.Thread]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)  # the whole request arrived
        connection.close()  # and no answer ever comes
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}", thread


def test_a_connection_dropped_after_the_request_was_written_is_a_timeout():
    url, thread = _server_that_reads_then_hangs_up()
    with pytest.raises(GraphTimeoutError):
        GraphClient("t", base_url=url, version="v26.0", timeout=5).send_text("111", "+573001112233", "Hola")
    thread.join(timeout=5)


def test_a_refused_connection_sent_nothing_and_is_transient():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nobody listens there now
    with pytest.raises(TransientGraphError) as error:
        GraphClient("t", base_url=f"http://127.0.0.1:{port}", version="v26.0", timeout=5).send_text(
            "111", "+573001112233", "Hola"
        )
    assert not isinstance(error.value, GraphTimeoutError)


def test_an_answer_that_breaks_off_mid_body_is_a_timeout_not_an_unmapped_error():
    """Meta answered 200 and the body broke off: the message went out, so it is never sent again."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess')
        connection.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    with pytest.raises(GraphTimeoutError):
        GraphClient("t", base_url=url, version="v26.0", timeout=5).send_text("111", "+573001112233", "Hola")
    thread.join(timeout=5)
