"""What every page must say first, in a banner at its top (a full disk, data.disk): the
sentence is set per request for components.layout.Page, which draws it."""

from __future__ import annotations

from components.layout import BANNER

QUIET = ("/api/", "/static/", "/vendor/")  # no page: nothing to draw a banner on


class BannerMiddleware:
    def __init__(self, app, say):
        """`say(scope)` returns the sentence for this request, "" for none."""
        self.app, self.say = app, say

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(QUIET):
            return await self.app(scope, receive, send)
        token = BANNER.set(self.say(scope) or "")
        try:
            await self.app(scope, receive, send)
        finally:
            BANNER.reset(token)
