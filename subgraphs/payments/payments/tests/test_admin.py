"""The Django admin shows an operator what the service holds."""

from payments import services
from payments.models import OrderClosure


def test_the_admin_shows_closures_and_changes_none(admin_client):
    services.close_for_payments(8)
    closure = OrderClosure.objects.get(order_id=8)
    listed = admin_client.get("/admin/payments/orderclosure/")
    assert listed.status_code == 200 and b'class="field-order_id"' in listed.content and b">8</a>" in listed.content
    assert admin_client.get(f"/admin/payments/orderclosure/{closure.pk}/change/").status_code == 200  # to view it
    assert admin_client.get("/admin/payments/orderclosure/add/").status_code == 403
    assert admin_client.post(f"/admin/payments/orderclosure/{closure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OrderClosure.objects.filter(order_id=8).exists()
