"""Rules that span flows, applied in one transaction with the outbox writes."""
