"""The random helpers of the seed: one store's random sources (`StoreSeed`), weighted
choices, times of day, and `ascii_slug` for the e-mail addresses and slugs made from
drawn names.

Everything one store's seed draws comes from one `random.Random` and one Faker, both
seeded with "<seed>:<subdomain>", in a fixed order (see store.py). The same seed and
anchor date give the same data; a draw added anywhere shifts everything drawn after it.
"""

import bisect
import datetime as dt
import itertools
import random
import unicodedata
from zoneinfo import ZoneInfo

from faker import Faker

from ..models import Store
from ..profiles import profile_for

# How far back the data goes from the anchor date.
HISTORY = dt.timedelta(days=548)
# Relative weight of each hour of the day (store's local time) for orders and sign-ups.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 8, 7, 6, 6, 7, 8, 9, 10, 10, 8, 5, 3]


class Choice:
    """A weighted choice, precomputed: [(value, weight), ...] or [(a, b, c, weight), ...]."""

    def __init__(self, pairs):
        self.values = [pair[0] if len(pair) == 2 else pair[:-1] for pair in pairs]
        self.cumulative = list(itertools.accumulate(pair[-1] for pair in pairs))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


HOUR = Choice(list(enumerate(HOUR_WEIGHTS)))


def weighted(rng: random.Random, pairs):
    """Pick from [(value, weight), ...] or [(a, b, c, weight), ...] (for paths that are not hot)."""
    return Choice(pairs)(rng)


def ascii_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


class StoreSeed:
    """One store's seed in progress: the store, its profile, its random sources, and the
    span the data covers (`start` to `anchor`)."""

    def __init__(self, store: Store, *, seed: int, anchor: dt.datetime):
        self.store = store
        self.profile = profile_for(store.subdomain)
        self.rng = random.Random(f"{seed}:{store.subdomain}")
        self.fake = Faker(self.profile.locale)
        self.fake.seed_instance(f"{seed}:{store.subdomain}")
        self.tz = ZoneInfo(store.timezone)
        self.anchor = anchor
        self.start = anchor - HISTORY

    def random_moment(self, earliest: dt.datetime, latest: dt.datetime, *, recent_bias: float = 1.0) -> dt.datetime:
        """A time between the two, busier towards `latest` and in the local evening."""
        span = (latest - earliest).total_seconds()
        day = earliest + dt.timedelta(seconds=span * (self.rng.random() ** (1 / recent_bias)))
        local = day.astimezone(self.tz)
        hour = HOUR(self.rng)
        local = local.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60), microsecond=0)
        moment = local.astimezone(dt.UTC)
        return min(max(moment, earliest), latest)
