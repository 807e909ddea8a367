"""The raw floor: one SQL query with joins, serialised to JSON by a plain Django view.

No GraphQL, no ORM objects: the least this stack (gunicorn, Django, SQLite) can do
to answer "orders with their user and payments".
"""

import json
from decimal import Decimal

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from shop import models

# Money comes back as text with its two decimals, as the GraphQL Decimal scalar prints it.
_ORDERS_SQL = """
SELECT o.id, printf('%%.2f', o.total), o.currency, u.id, u.username, p.id, printf('%%.2f', p.amount), p.status
FROM (SELECT id, total, currency, user_id FROM shop_order ORDER BY id LIMIT %s) AS o
JOIN shop_user AS u ON u.id = o.user_id
LEFT JOIN shop_payment AS p ON p.order_id = o.id
ORDER BY o.id, p.id
"""


def _orders(limit: int) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(_ORDERS_SQL, [limit])
        rows = cursor.fetchall()
    orders: dict[int, dict] = {}
    for order_id, total, currency, user_id, username, payment_id, amount, status in rows:
        order = orders.get(order_id)
        if order is None:
            order = orders[order_id] = {
                "id": str(order_id),
                "total": total,
                "currency": currency,
                "user": {"id": str(user_id), "username": username},
                "payments": [],
            }
        if payment_id is not None:  # the LEFT JOIN's row of an order without payments
            order["payments"].append({"amount": amount, "status": status})
    for order in orders.values():
        pairs = [(p["status"], Decimal(p["amount"])) for p in order["payments"]]
        order["paymentStatus"] = models.payment_status(pairs, Decimal(order["total"])).value
    return list(orders.values())


def _create_order(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    user_id = int(body["userId"])
    if not models.User.objects.filter(pk=user_id).exists():
        return JsonResponse({"error": f"User {user_id} does not exist"}, status=400)
    items = [{**item, "unitPrice": Decimal(item["unitPrice"])} for item in body["items"]]
    with transaction.atomic():
        order = models.Order.objects.create(
            user_id=user_id,
            currency=body["currency"],
            total=sum((i["unitPrice"] * i["quantity"] for i in items), Decimal("0.00")),
        )
        models.OrderItem.objects.bulk_create(
            models.OrderItem(order=order, sku=i["sku"], name=i["name"], quantity=i["quantity"], unit_price=i["unitPrice"])
            for i in items
        )
    return JsonResponse({"id": str(order.pk), "total": str(order.total), "currency": order.currency}, status=201)


@csrf_exempt
def orders(request: HttpRequest) -> HttpResponse:
    """GET ?limit=N: the first N orders; POST: create one (``createOrder``'s input as JSON)."""
    if request.method == "POST":
        return _create_order(request)
    return HttpResponse(json.dumps(_orders(int(request.GET["limit"]))), content_type="application/json")
