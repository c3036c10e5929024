"""Loaded by Python at start-up when this folder is on PYTHONPATH: any attempt to open a
network socket (IPv4 or IPv6) fails loudly, so a test can prove a command stays offline."""

import socket

_real_socket = socket.socket


class _GuardedSocket(_real_socket):
    def __init__(self, family: int = -1, *args: object, **kwargs: object) -> None:
        if family in (socket.AF_INET, socket.AF_INET6, -1):
            raise SystemExit("NETWORK ACCESS ATTEMPTED")
        super().__init__(family, *args, **kwargs)  # type: ignore[arg-type]


socket.socket = _GuardedSocket  # type: ignore[misc]
socket.create_connection = lambda *a, **k: (_ for _ in ()).throw(  # type: ignore[assignment]
    SystemExit("NETWORK ACCESS ATTEMPTED"))
