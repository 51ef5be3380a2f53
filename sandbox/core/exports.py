"""Native exports (filled in M2/M3)."""


def process_due() -> None:
    return None
