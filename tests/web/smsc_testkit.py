"""A small SMPP 3.4 server (SMSC) on loopback for the SMS tests: binds transceivers, accepts submit_sm
(UCS-2 or GSM text), answers with a message id, sends a delivery receipt, and can send a citizen's message
(deliver_sm) to the bound client. Real TCP and real PDUs, so smpplib is tested as it runs in production."""

from __future__ import annotations

import itertools
import socket
import struct
import threading
from dataclasses import dataclass

BIND_TRANSCEIVER, SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x09, 0x04, 0x05, 0x06, 0x15
RESP = 0x80000000


@dataclass
class Submitted:
    destination: str
    source: str
    text: str
    message_id: str


def _cstr(body: bytes, at: int) -> tuple[str, int]:
    end = body.index(b"\0", at)
    return body[at:end].decode("latin-1"), end + 1


def _pdu(command: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, sequence) + body


def _deliver_body(source: str, destination: str, text: bytes, *, esm_class: int, coding: int) -> bytes:
    return (
        b"\0"
        + bytes([0, 1])
        + source.encode()
        + b"\0"
        + bytes([0, 1])
        + destination.encode()
        + b"\0"
        + bytes([esm_class, 0, 0])
        + b"\0"
        + b"\0"
        + bytes([0, 0, coding, 0, len(text)])
        + text
    )


class Smsc:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.submitted: list[Submitted] = []
        self.binds: list[str] = []
        self.refuse_with = 0  # a command_status for the next submit_sm (0: accept)
        self._ids = itertools.count(1000)
        self._seq = itertools.count(1)
        self._conn: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="test-smsc")
        self._thread.start()

    def _send(self, data: bytes) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.sendall(data)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self._conn = conn
            try:
                self._session(conn)
            except (OSError, struct.error):
                pass
            finally:
                conn.close()
                self._conn = None

    def _recv(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise OSError("closed")
            data += part
        return data

    def _session(self, conn: socket.socket) -> None:
        while True:
            length, command, _status, sequence = struct.unpack(">IIII", self._recv(conn, 16))
            body = self._recv(conn, length - 16)
            if command == BIND_TRANSCEIVER:
                self.binds.append(_cstr(body, 0)[0])
                self._send(_pdu(RESP | BIND_TRANSCEIVER, sequence, b"TESTSMSC\0"))
            elif command == SUBMIT_SM:
                self._submit(body, sequence)
            elif command == ENQUIRE_LINK:
                self._send(_pdu(RESP | ENQUIRE_LINK, sequence))
            elif command == UNBIND:
                self._send(_pdu(RESP | UNBIND, sequence))
                return

    def _submit(self, body: bytes, sequence: int) -> None:
        _service, at = _cstr(body, 0)
        source, at = _cstr(body, at + 2)
        destination, at = _cstr(body, at + 2)
        esm_class = body[at]
        at += 3  # esm_class, protocol_id, priority_flag
        _schedule, at = _cstr(body, at)
        _validity, at = _cstr(body, at)
        coding, length = body[at + 2], body[at + 4]
        raw = body[at + 5 : at + 5 + length]
        if self.refuse_with:
            status, self.refuse_with = self.refuse_with, 0
            self._send(_pdu(RESP | SUBMIT_SM, sequence, b"\0", status=status))
            return
        if esm_class & 0x40:  # UDHI: a part of a long message; its user data header is not text
            raw = raw[1 + raw[0]:]
        text = raw.decode("utf-16-be") if coding == 8 else raw.decode("latin-1")
        message_id = str(next(self._ids))
        self.submitted.append(Submitted(destination, source, text, message_id))
        self._send(_pdu(RESP | SUBMIT_SM, sequence, message_id.encode() + b"\0"))
        receipt = (f"id:{message_id} sub:001 dlvrd:001 submit date:2603011000 done date:2603011000 "
                   "stat:DELIVRD err:000 text:")
        self._send(
            _pdu(
                DELIVER_SM,
                next(self._seq),
                _deliver_body(destination, source, receipt.encode(), esm_class=0x04, coding=0),
            )
        )

    def texts(self) -> dict[str, str]:
        """destination -> everything submitted to it, the parts of a long message joined in order."""
        joined: dict[str, str] = {}
        for item in self.submitted:
            joined[item.destination] = joined.get(item.destination, "") + item.text
        return joined

    def citizen_sends(self, phone: str, text: str) -> None:
        """A message from a citizen's phone to the hotline (mobile-originated)."""
        self._send(
            _pdu(
                DELIVER_SM,
                next(self._seq),
                _deliver_body(phone, "7812345", text.encode("utf-16-be"), esm_class=0, coding=8),
            )
        )

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
