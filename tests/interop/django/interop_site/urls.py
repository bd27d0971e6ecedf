"""django-oauth-toolkit's endpoints under /o/ (authorize, token, revoke_token), and one
protected resource, /api/hello, that answers only a live access token."""

from django.http import JsonResponse
from django.urls import include, path
from oauth2_provider.views import ProtectedResourceView


class Hello(ProtectedResourceView):
    """A resource that needs a valid access token (403 otherwise)."""

    def get(self, request, *args, **kwargs):
        return JsonResponse({"hello": request.resource_owner.username})


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("api/hello", Hello.as_view()),
]
