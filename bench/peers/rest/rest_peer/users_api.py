from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path

from accounts.models import User


def user(request: HttpRequest, user_id: int) -> JsonResponse:
    found = User.objects.filter(pk=user_id).first()
    if found is None:
        raise Http404
    return JsonResponse(
        {
            "id": str(found.pk),
            "username": found.username,
            "email": found.email,
            "fullName": found.full_name,
            "dateJoined": found.date_joined,
        }
    )


urlpatterns = [
    path("users/<int:user_id>", user),
    path("health", lambda request: JsonResponse({"status": "ok"})),
]
