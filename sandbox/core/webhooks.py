"""Webhook deliveries (filled in M2)."""


def process_due() -> None:
    return None
