"""`edunews` / `python -m archive`: catch stop signals before the heavy imports, then run."""

from __future__ import annotations

import sys

from archive import shutdown


def main(argv: list[str] | None = None) -> int:
    shutdown.catch()
    from archive import cli  # Scrapy, Datasette, PyThaiNLP: seconds of imports

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
