"""The scheduler's SMS job: queue new receipts and reply notices, send what is due through the gateway
outside any transaction, record results, then apply the delivery reports and opt-outs that came back.
Logs only what happened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from hotline.db import unit_of_work
from hotline.models import utcnow
from hotline.sms import outbox
from hotline.sms.gateways import DeliveryReport, IncomingSms, SmsGateway, SmsSendError

log = logging.getLogger(__name__)


class SmsSender:
    def __init__(self, session_factory, gateway: SmsGateway, clock: Callable[[], datetime] = utcnow) -> None:
        self.session_factory, self.gateway, self.clock = session_factory, gateway, clock

    def run_once(self) -> dict[str, int]:
        counts = {"queued": 0, "sent": 0, "failed": 0, "reports": 0, "opt_outs": 0}
        with unit_of_work(self.session_factory) as session:
            counts["queued"] = outbox.queue_notices(session, now=self.clock())
            due = outbox.claim_due(session, now=self.clock())
        for message in due:
            try:
                provider_id = self.gateway.send(message.phone, message.text)
            except SmsSendError as exc:
                counts["failed"] += 1
                log.warning(
                    "sms %d to %s…%s attempt %d failed: %s",
                    message.id,
                    message.phone[:3],
                    message.phone[-2:],
                    message.attempt,
                    exc,
                )
                with unit_of_work(self.session_factory) as session:
                    outbox.record_failure(
                        session,
                        message_id=message.id,
                        error=str(exc),
                        permanent=exc.permanent,
                        now=self.clock(),
                    )
                continue
            counts["sent"] += 1
            with unit_of_work(self.session_factory) as session:
                outbox.record_sent(session, message_id=message.id, provider_id=provider_id, now=self.clock())
        arrived = self.gateway.poll()
        if arrived:
            with unit_of_work(self.session_factory) as session:
                for item in arrived:
                    if isinstance(item, DeliveryReport):
                        counts["reports"] += outbox.record_delivery(
                            session,
                            provider_id=item.provider_id,
                            delivered=item.delivered,
                            status=item.status,
                            now=self.clock(),
                        )
                    elif isinstance(item, IncomingSms):
                        counts["opt_outs"] += outbox.on_incoming(session, phone=item.phone, text=item.text)
        if any(counts.values()):
            log.info("sms: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
        return counts

    def close(self) -> None:
        self.gateway.close()
