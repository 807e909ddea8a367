"""The Django admin shows an operator what the service holds."""

from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from federation_kit import admin_middleware
from federation_kit.auth import Viewer
from federation_kit.models import OutboxEvent
from federation_kit.testing import post_graphql
from payments import services
from payments.models import OrderClosure

STAFF_REQUEST = SimpleNamespace(viewer=Viewer(user_id=1, is_staff=True))


@pytest.fixture(autouse=True)
def any_order_exists(monkeypatch):
    """The orders service, asked before a close, knows every order."""
    monkeypatch.setattr(services, "_fetch_order", lambda order_id, request: {"id": str(order_id), "status": "PLACED"})


def test_the_admin_shows_closures_and_changes_none(admin_client):
    services.close_for_payments(8, STAFF_REQUEST)
    closure = OrderClosure.objects.get(order_id=8)
    listed = admin_client.get("/admin/payments/orderclosure/")
    assert listed.status_code == 200 and b'class="field-order_id"' in listed.content and b">8</a>" in listed.content
    assert admin_client.get(f"/admin/payments/orderclosure/{closure.pk}/change/").status_code == 200  # to view it
    assert admin_client.get("/admin/payments/orderclosure/add/").status_code == 403
    assert admin_client.post(f"/admin/payments/orderclosure/{closure.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OrderClosure.objects.filter(order_id=8).exists()


def test_the_admin_shows_the_outbox_waiting_and_sent_and_changes_nothing(admin_client):
    services.close_for_payments(9, STAFF_REQUEST)  # emits payments.order_closed, not sent yet
    event = OutboxEvent.objects.get(type="payments.order_closed")
    row = b'<td class="field-type">payments.order_closed</td>'
    waiting = admin_client.get("/admin/federation_kit/outboxevent/?sent=no")
    assert waiting.status_code == 200 and row in waiting.content
    assert row not in admin_client.get("/admin/federation_kit/outboxevent/?sent=yes").content
    assert admin_client.get(f"/admin/federation_kit/outboxevent/{event.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/federation_kit/outboxevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/federation_kit/processedevent/").status_code == 200


def test_the_admin_keeps_its_session_and_csrf_checks(admin_user):
    # federation_kit.admin_middleware skips the session's middleware on /graphql only.
    client = Client(enforce_csrf_checks=True)
    assert client.post("/admin/login/", {"username": admin_user.username, "password": "password"}).status_code == 403
    login_page = client.get("/admin/login/")
    token = login_page.cookies["csrftoken"].value
    logged_in = client.post("/admin/login/", {"username": admin_user.username, "password": "password", "csrfmiddlewaretoken": token})
    assert logged_in.status_code == 302 and "sessionid" in logged_in.cookies
    assert client.get("/admin/payments/orderclosure/").status_code == 200


def test_graphql_takes_no_csrf_token_where_the_admin_needs_one():
    # A client's request comes through the router, with its token and no cookie: nothing to forge.
    client = Client(enforce_csrf_checks=True)
    answer = post_graphql(client, "{ _service { sdl } }")
    assert answer.status_code == 200 and answer.json()["data"]["_service"]["sdl"]
    assert client.post("/admin/login/", {"username": "anyone", "password": "password"}).status_code == 403


@pytest.mark.parametrize("path, admin", [("/graphql", False), ("/admin/", True), ("/graphql/", True)])
def test_only_the_graphql_endpoint_goes_without_a_session_and_its_user(path, admin):
    seen = []

    def view(request):
        seen.append((hasattr(request, "session"), hasattr(request, "user")))
        return HttpResponse()

    chain = view
    for middleware in (admin_middleware.MessageMiddleware, admin_middleware.AuthenticationMiddleware, admin_middleware.SessionMiddleware):
        chain = middleware(chain)
    chain(RequestFactory().post(path))
    assert seen == [(admin, admin)]
