"""The publication's one ASGI chain, in a stated order (not left to the plugin manager).

Outermost first, each link sees what the ones after it answer:

1. ``security``: the read-only rule and the security headers, so every response carries
   them (error pages, refusals, CSVs, the other links' answers);
2. ``exports``: every CSV starts with a byte-order mark, a downloaded search is named for
   what it holds, then its formula cells are neutralised (the BOM goes in front of the
   rewritten bytes);
3. ``search_page``: arguments of the listings checked and completed (unknown facets dropped,
   a tie-broken default order, an unreadable date answered with a 400 page that says so).

The links live in the modules of their concern; they are imported here as the package's
modules (Datasette loads the same files as plugins for their hooks: the wrappers keep no state,
so the two copies cannot disagree).
"""

from __future__ import annotations

from datasette import hookimpl

from archive.datasette.plugins import exports, search_page, security


def chain(app, datasette):
    app = search_page.wrapper(app, datasette)
    app = exports.formula_safe_wrapper(app)
    app = exports.named_wrapper(app)
    app = exports.bom_wrapper(app)
    return security.security_wrapper(app)


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: chain(app, datasette)
