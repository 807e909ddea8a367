from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from django.urls import path

from payments.models import Payment, payment_status


def order_payments(request: HttpRequest, order_id: int) -> JsonResponse:
    """The order's payments, and its payment status given its ``total`` (which the orders service owns)."""
    payments = list(Payment.objects.filter(order_id=order_id))
    return JsonResponse(
        {
            "payments": [
                {
                    "id": str(p.pk),
                    "amount": p.amount,
                    "currency": p.currency,
                    "status": p.status,
                    "method": p.method,
                    "createdAt": p.created_at,
                }
                for p in payments
            ],
            "paymentStatus": payment_status(payments, Decimal(request.GET["total"])).value,
        }
    )


urlpatterns = [
    path("orders/<int:order_id>/payments", order_payments),
    path("health", lambda request: JsonResponse({"status": "ok"})),
]
