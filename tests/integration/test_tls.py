"""HTTPS connections refuse anything below TLS 1.2, over loopback."""

from __future__ import annotations

import socket
import ssl
import threading
import warnings
from collections.abc import Iterator
from importlib import resources

import pytest

from explore_pandas.api.transport import Transport
from explore_pandas.exceptions import TransportError

CERT = str(resources.files("explore_pandas.emulator").joinpath("tls", "localhost.pem"))
KEY = str(resources.files("explore_pandas.emulator").joinpath("tls", "localhost-key.pem"))


def _old_tls(context: ssl.SSLContext) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 are deprecated: the point
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("ALL:@SECLEVEL=0")


@pytest.fixture
def tls11_server() -> Iterator[int]:
    """A loopback HTTPS server that speaks at most TLS 1.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERT, KEY)
    _old_tls(context)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
                    tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
            except (ssl.SSLError, OSError):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()


def test_a_tls_1_1_server_is_reachable_by_a_permissive_client(tls11_server: int) -> None:
    # proves the fixture really speaks TLS 1.1, so the refusal below means something
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(CERT)
    _old_tls(client)
    with client.wrap_socket(socket.create_connection(("127.0.0.1", tls11_server)), server_hostname="localhost") as tls:
        assert tls.version() in ("TLSv1.1", "TLSv1")


def test_the_transport_refuses_tls_below_1_2(tls11_server: int) -> None:
    transport = Transport(verify=CERT, sleep=lambda s: None)
    with pytest.raises(TransportError, match="TLS") as info:
        transport.request("GET", f"https://localhost:{tls11_server}/")
    assert info.value.request_sent is False
