"""SMS gateways: SMPP 3.4 (smpplib, the only module that imports it) to an operator's SMSC, and an HTTP
template for cloud SMS APIs. ``send`` returns the gateway's message id or raises SmsSendError; ``poll``
returns the delivery reports and citizens' messages (e.g. TD) that arrived since the last poll."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

RECEIPT = re.compile(r"id:(?P<id>\S+).*?stat:(?P<stat>\w+)", re.S)
SMPP_RECEIPT_FLAG = 0x04  # esm_class bit: the deliver_sm is a delivery receipt
PERMANENT_SMPP_STATUSES = frozenset({0x0A, 0x0B, 0x0C, 0x45})  # bad source/destination, bad id, rejected


class SmsSendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class DeliveryReport:
    provider_id: str
    delivered: bool
    status: str


@dataclass(frozen=True)
class IncomingSms:
    phone: str
    text: str


class SmsGateway(Protocol):
    def send(self, phone: str, text: str) -> str: ...
    def poll(self) -> list[DeliveryReport | IncomingSms]: ...
    def close(self) -> None: ...


@dataclass
class SmppGateway:
    """One bound transceiver session, opened on first use and reopened after a failure."""

    host: str
    port: int
    system_id: str
    password: str
    source_addr: str = "7812345"
    timeout: float = 10.0
    _client: Any = None  # smpplib.client.Client (smpplib ships no types)
    _inbox: list[DeliveryReport | IncomingSms] = field(default_factory=list)
    _responses: dict[int, Any] = field(default_factory=dict)  # sequence number -> smpplib response PDU

    def _connect(self):
        import smpplib.client

        if self._client is not None:
            return self._client
        client = smpplib.client.Client(
            self.host, self.port, timeout=self.timeout, allow_unknown_opt_params=True
        )
        client.set_message_sent_handler(lambda pdu: self._responses.__setitem__(pdu.sequence, pdu))
        client.set_message_received_handler(self._received)
        client.set_error_pdu_handler(lambda pdu: self._responses.__setitem__(pdu.sequence, pdu))
        try:
            client.connect()
            client.bind_transceiver(system_id=self.system_id, password=self.password)
        except Exception as exc:
            self._drop(client)
            raise SmsSendError(
                f"SMPP {self.host}:{self.port}: cannot bind ({exc.__class__.__name__}: {exc})"
            ) from exc
        self._client = client
        return client

    def _received(self, pdu) -> None:
        text = _short_message(pdu)
        if (getattr(pdu, "esm_class", 0) or 0) & SMPP_RECEIPT_FLAG:
            match = RECEIPT.search(text)
            if match:
                status = match.group("stat").upper()
                self._inbox.append(DeliveryReport(match.group("id"), status == "DELIVRD", status))
            return
        source = getattr(pdu, "source_addr", b"")
        self._inbox.append(IncomingSms(source.decode() if isinstance(source, bytes) else str(source), text))

    def send(self, phone: str, text: str) -> str:
        import smpplib.consts
        import smpplib.gsm

        client = self._connect()
        parts, coding, esm_class = smpplib.gsm.make_parts(text)
        provider_id = ""
        try:
            for part in parts:
                pdu = client.send_message(
                    source_addr_ton=smpplib.consts.SMPP_TON_UNK,
                    source_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    source_addr=self.source_addr,
                    dest_addr_ton=smpplib.consts.SMPP_TON_UNK,
                    dest_addr_npi=smpplib.consts.SMPP_NPI_ISDN,
                    destination_addr=phone,
                    short_message=part,
                    data_coding=coding,
                    esm_class=esm_class,
                    registered_delivery=True,
                )
                while pdu.sequence not in self._responses:
                    client.read_once(auto_send_enquire_link=False)
                response = self._responses.pop(pdu.sequence)
                if response.status:
                    raise SmsSendError(
                        f"SMSC refused the message (status 0x{response.status:02X})",
                        permanent=response.status in PERMANENT_SMPP_STATUSES,
                    )
                message_id = response.message_id
                provider_id = provider_id or (
                    message_id.decode() if isinstance(message_id, bytes) else message_id
                )
        except SmsSendError:
            raise
        except Exception as exc:  # connection lost, timeout: reconnect next time
            self._drop(self._client)
            raise SmsSendError(f"SMPP {self.host}:{self.port}: {exc.__class__.__name__} {exc}") from exc
        return provider_id

    def poll(self, wait: float = 0.2) -> list[DeliveryReport | IncomingSms]:
        client = self._client
        if client is not None:
            client._socket.settimeout(wait)  # smpplib has no public way to read with a short timeout
            try:
                while True:
                    client.read_once(auto_send_enquire_link=False)
            except TimeoutError:  # nothing more for now
                client._socket.settimeout(self.timeout)
            except Exception:  # connection lost: reconnect on the next send
                self._drop(client)
        arrived, self._inbox = self._inbox, []
        return arrived

    def _drop(self, client: Any) -> None:
        if client is not None:
            try:
                client.disconnect()
            except Exception:
                pass
        self._client = None

    def close(self) -> None:
        client = self._client
        if client is not None:
            try:
                client.unbind()
            except Exception:
                pass
        self._drop(client)


def _short_message(pdu) -> str:
    raw = getattr(pdu, "short_message", b"") or b""
    if not isinstance(raw, bytes):
        return str(raw)
    return (
        raw.decode("utf-16-be", "replace") if getattr(pdu, "data_coding", 0) == 8 else raw.decode("latin-1")
    )


@dataclass
class HttpTemplateGateway:
    """POST a JSON body built from ``body_template`` ({phone} and {text} placeholders) to ``url``; the
    response's ``id_field`` is the message id. 4xx: refused for good; 5xx and network errors: retried."""

    url: str
    body_template: str = '{"phone": "{phone}", "text": "{text}"}'
    id_field: str = "id"
    headers: dict = field(default_factory=dict)
    transport: httpx.BaseTransport | None = None

    def send(self, phone: str, text: str) -> str:
        body = self.body_template.replace("{phone}", json.dumps(phone, ensure_ascii=False)[1:-1]).replace(
            "{text}", json.dumps(text, ensure_ascii=False)[1:-1]
        )
        try:
            with httpx.Client(timeout=15, transport=self.transport) as client:
                response = client.post(
                    self.url,
                    content=body.encode(),
                    headers={"Content-Type": "application/json", **self.headers},
                )
        except httpx.HTTPError as exc:
            raise SmsSendError(f"{self.url}: {exc.__class__.__name__} {exc}") from exc
        if response.status_code >= 400:
            raise SmsSendError(
                f"{self.url}: HTTP {response.status_code} {response.text[:120]}",
                permanent=response.status_code < 500,
            )
        try:
            return str(response.json()[self.id_field])
        except (ValueError, KeyError, TypeError):
            return ""

    def poll(self) -> list[DeliveryReport | IncomingSms]:
        return []

    def close(self) -> None:
        pass


def gateway_from_url(url: str, *, http_body: str | None = None) -> SmsGateway:
    """``smpp://system_id:password@host:2775?source=7812345`` or an ``http(s)://`` API URL."""
    parts = urlsplit(url)
    if parts.scheme == "smpp":
        source = parse_qs(parts.query).get("source", ["7812345"])[0]
        return SmppGateway(
            parts.hostname or "127.0.0.1",
            parts.port or 2775,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            source_addr=source,
        )
    if parts.scheme in ("http", "https"):
        return HttpTemplateGateway(url, body_template=http_body or HttpTemplateGateway.body_template)
    raise ValueError(f"HOTLINE_SMS_GATEWAY must start with smpp://, http:// or https://, not {url!r}")
