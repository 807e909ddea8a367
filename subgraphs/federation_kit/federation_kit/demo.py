"""Deterministic demo data, the same in every service's database.

Each service seeds only its own tables, yet the three agree: order ``i`` belongs to the
same user, has the same total in the orders database and is paid the same way in the
payments database, because all of it is derived from ``i`` alone.
"""

import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection

DEMO_USERS = 50
DEMO_ORDERS = 500
# Every demo user logs in with this password (documented in the README).
DEMO_PASSWORD = "supergraph-demo"

_FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Guido"]
_LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman", "Rossum"]
_PRODUCTS = [
    ("KB-001", "Mechanical keyboard", "89.90"),
    ("MS-002", "Wireless mouse", "24.50"),
    ("MN-003", "27-inch monitor", "279.00"),
    ("HD-004", "Noise-cancelling headphones", "199.99"),
    ("CB-005", "USB-C cable", "9.99"),
    ("DK-006", "Laptop dock", "149.00"),
    ("WC-007", "Webcam", "59.95"),
    ("ST-008", "Standing desk mat", "39.00"),
]
CURRENCIES = ("EUR", "USD", "GBP")
PAYMENT_METHODS = ("CARD", "BANK_TRANSFER", "WALLET")


@dataclass(frozen=True)
class DemoUser:
    id: int
    username: str
    email: str
    full_name: str
    is_staff: bool


@dataclass(frozen=True)
class DemoItem:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class DemoOrder:
    id: int
    user_id: int
    currency: str
    cancelled: bool
    items: tuple[DemoItem, ...]

    @property
    def total(self) -> Decimal:
        return sum((item.unit_price * item.quantity for item in self.items), Decimal("0.00"))


@dataclass(frozen=True)
class DemoPayment:
    order_id: int
    amount: Decimal
    currency: str
    method: str
    refunded: bool
    idempotency_key: str


def demo_user(i: int) -> DemoUser:
    first, last = _FIRST[(i - 1) % len(_FIRST)], _LAST[((i - 1) // len(_FIRST)) % len(_LAST)]
    username = f"{first}.{last}{i}".lower()
    return DemoUser(i, username, f"{username}@example.com", f"{first} {last}", is_staff=i == 1)


def demo_order(i: int, users: int = DEMO_USERS) -> DemoOrder:
    rng = random.Random(f"order-{i}")
    items = tuple(
        DemoItem(sku, name, rng.randint(1, 3), Decimal(price))
        for sku, name, price in rng.sample(_PRODUCTS, rng.randint(1, 5))
    )
    return DemoOrder(i, rng.randint(1, users), rng.choice(CURRENCIES), cancelled=i % 15 == 0, items=items)


def demo_payments(order: DemoOrder) -> list[DemoPayment]:
    """Covers every payment status: unpaid, partially paid, paid (in one or two parts), refunded."""
    rng = random.Random(f"payments-{order.id}")
    scenario = rng.choice(["unpaid", "refunded"] if order.cancelled else ["unpaid", "partial", "paid", "paid", "split", "refunded"])
    total = order.total
    if scenario == "unpaid":
        parts, refunded = [], False
    elif scenario == "partial":
        parts, refunded = [(total / 2).quantize(Decimal("0.01"))], False
    elif scenario == "split":
        first = (total / 3).quantize(Decimal("0.01"))
        parts, refunded = [first, total - first], False
    else:
        parts, refunded = [total], scenario == "refunded"
    return [
        DemoPayment(order.id, amount, order.currency, rng.choice(PAYMENT_METHODS), refunded, f"demo-{order.id}-{n}")
        for n, amount in enumerate(parts)
    ]


def chunks(count: int, size: int, label: str) -> Iterator[range]:
    """Ranges of 1-based ids in chunks, with a progress bar on stderr."""
    for start in range(1, count + 1, size):
        yield range(start, min(start + size, count + 1))
        done = min(start + size - 1, count)
        bar = "#" * (30 * done // count)
        sys.stderr.write(f"\r{label} [{bar:<30}] {done}/{count}")
        sys.stderr.flush()
    sys.stderr.write("\n")


def reset_sequences(models: Sequence[type]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
