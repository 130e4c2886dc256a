"""SMS to citizens: the outbox (what to send, when, retries, quiet hours, opt-out, delivery reports) and the
gateways that carry it (SMPP, or an HTTP template for cloud SMS APIs)."""
