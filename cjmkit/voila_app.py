"""Voila for the pages that need a live kernel: the workshop board and ``serve --notebook``.

:func:`voila_class` returns a Voila application that answers through a
:class:`cjmkit.web.GuardedApplication` (Host, Origin and token are checked before any kernel
starts), mounts extra plain tornado handlers in front of its own routes, and replaces a few of
Voila's handlers:

- the page handler gives the page its ``_xsrf`` cookie, so the page's "shut my kernel down" on
  leaving is accepted;
- ``/login`` and ``/logout`` (there is no login) answer a plain 404 instead of a 500;
- template file requests that do not name a template file answer 404 instead of logging a
  traceback.

Voila itself is imported only when :func:`voila_class` is called.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import Any

from cjmkit.web import Guard, GuardedApplication, PlainPageHandler

NOT_FOUND = {"status": 404, "title": "Not found", "sentence": "There is no such page here."}


def voila_class(guard: Guard, handlers: Sequence[tuple[Any, ...]] = ()) -> type:
    """Return cjmkit's Voila application class, guarded by ``guard``, with ``handlers`` mounted first."""
    import tornado.web
    from bokeh.util.paths import bokehjs_path
    from voila.app import Voila
    from voila.static_file_handler import TemplateStaticFileHandler
    from voila.tornado.handler import TornadoVoilaHandler

    class PageHandler(TornadoVoilaHandler):
        """Voila's page handler, which also gives the page its ``_xsrf`` cookie.

        When a visitor leaves, Voila's page asks the server to shut its kernel down, sending the
        ``_xsrf`` cookie's value; Voila's own handler never sets that cookie, so the request was
        refused (403) and every visitor's kernel (about 160 MB) stayed until culled.
        """

        async def prepare(self, *args: Any, **kwargs: Any) -> None:
            await super().prepare(*args, **kwargs)
            self.xsrf_token  # noqa: B018 (reading the token sets the cookie)

    class TemplateFileHandler(TemplateStaticFileHandler):
        """Voila's template file handler, answering 404 to paths that are not ``NAME/static/FILE``."""

        @classmethod
        def get_absolute_path(cls, root: str, path: str) -> str:
            try:
                return super().get_absolute_path(root, path)
            except (ValueError, AssertionError):
                raise tornado.web.HTTPError(404) from None

        def parse_url_path(self, url_path: str) -> str:
            try:
                return super().parse_url_path(url_path)
            except (ValueError, AssertionError):
                raise tornado.web.HTTPError(404) from None

    replaced: dict[Any, Any] = {
        TornadoVoilaHandler: PageHandler,
        TemplateStaticFileHandler: TemplateFileHandler,
    }

    class CjmkitVoila(Voila):
        """Voila behind cjmkit's guard, also serving BokehJS (the installed bokeh's files) under /voila/static/js/.

        The cjmkit template loads BokehJS from there with two <script> tags: the browser fetches
        and parses plain files (cacheable) instead of 1.6 MB of JavaScript embedded in a cell
        output, which made the first paint of a map about 3 s slower.
        """

        def setup_template_dirs(self) -> None:
            super().setup_template_dirs()
            self.static_paths.append(str(bokehjs_path()))

        def init_handlers(self) -> list[Any]:
            routes = []
            for route in super().init_handlers():
                if route[0] in ("/login", "/logout"):
                    routes.append((route[0], PlainPageHandler, NOT_FOUND))
                else:
                    routes.append((route[0], replaced.get(route[1], route[1]), *route[2:]))
            return [*handlers, *routes]

        def start(self) -> None:
            # Voila.start, with the guarded application in place of tornado's
            self.connection_dir = tempfile.mkdtemp(prefix="voila_", dir=self.connection_dir_root)
            self.app = GuardedApplication(guard, **self.init_settings())
            self.app.settings.update(self.tornado_settings)
            self.app.add_handlers(".*$", self.init_handlers())
            self.listen()

    return CjmkitVoila
