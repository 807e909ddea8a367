"""The pattern the product replaces: the orders endpoint asks the users and payments
services for each order's user and payments over HTTP, one call each per order."""

import json
from decimal import Decimal

import httpx
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from orders.models import Order, OrderItem

# One keep-alive connection pool per process, shared by its threads: the old way at its best.
# Idle connections are dropped before gunicorn's 2 s keep-alive closes them from its side,
# which would otherwise fail the odd request reusing a connection just as it closes.
_http = httpx.Client(timeout=30, limits=httpx.Limits(keepalive_expiry=1))


def _with_user_and_payments(order: Order) -> dict:
    user = _http.get(f"{settings.USERS_API_URL}/users/{order.user_id}").raise_for_status().json()
    payments = (
        _http.get(f"{settings.PAYMENTS_API_URL}/orders/{order.pk}/payments", params={"total": str(order.total)})
        .raise_for_status()
        .json()
    )
    return {
        "id": str(order.pk),
        "total": str(order.total),
        "currency": order.currency,
        "user": {"id": user["id"], "username": user["username"]},
        "payments": [{"amount": p["amount"], "status": p["status"]} for p in payments["payments"]],
        "paymentStatus": payments["paymentStatus"],
    }


def _create(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    user_id = int(body["userId"])
    if _http.get(f"{settings.USERS_API_URL}/users/{user_id}").status_code != 200:
        return JsonResponse({"error": f"User {user_id} does not exist"}, status=400)
    items = [{**item, "unitPrice": Decimal(item["unitPrice"])} for item in body["items"]]
    with transaction.atomic():
        order = Order.objects.create(
            user_id=user_id,
            currency=body["currency"],
            total=sum((i["unitPrice"] * i["quantity"] for i in items), Decimal("0.00")),
        )
        OrderItem.objects.bulk_create(
            OrderItem(order=order, sku=i["sku"], name=i["name"], quantity=i["quantity"], unit_price=i["unitPrice"])
            for i in items
        )
    return JsonResponse({"id": str(order.pk), "total": str(order.total), "currency": order.currency}, status=201)


@csrf_exempt
def orders(request: HttpRequest) -> JsonResponse:
    """GET ?limit=N: the first N orders with their user and payments; POST: create one."""
    if request.method == "POST":
        return _create(request)
    page = Order.objects.all()[: int(request.GET["limit"])]
    return JsonResponse([_with_user_and_payments(order) for order in page], safe=False)


urlpatterns = [
    path("orders", orders),
    path("health", lambda request: JsonResponse({"status": "ok"})),
]
