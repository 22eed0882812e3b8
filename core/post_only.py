"""Views that only change state on POST, and send a GET to the page that holds their form.

A bookmark, a phone tab restored after a while, the back button or a reload after a form
error all ask such a URL with GET. A bare "405 Method Not Allowed" leaves the customer
stranded; a redirect to the right section of the page (``/profile/#address``) does not, and
it changes nothing. Other methods still answer 405.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse

SAFE_METHODS = ("GET", "HEAD")

P = ParamSpec("P")
# The view's own request type (``HttpRequest``, or an app's narrower one), kept as it is.
RequestT = TypeVar("RequestT", bound=HttpRequest)
View = Callable[Concatenate[RequestT, P], HttpResponseBase]


def section_url(url_name: str, section: str = "") -> str:
    url = reverse(url_name)
    return f"{url}#{section}" if section else url


def post_only(url_name: str,
              section: str = "") -> Callable[[View[RequestT, P]], View[RequestT, P]]:
    """POST runs the view; GET and HEAD redirect to ``url_name`` (at ``#section``)."""

    def decorator(view: View[RequestT, P]) -> View[RequestT, P]:
        @wraps(view)
        def wrapper(request: RequestT, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if request.method in SAFE_METHODS:
                return redirect(section_url(url_name, section))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
