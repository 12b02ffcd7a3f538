"""The project's Scrapy settings with the command line's overrides: what `edunews crawl`, the
scale-out worker and `edunews sources check` run with. Modules below the command line import
this, never ``archive/cli.py``."""

from __future__ import annotations

from scrapy.settings import Settings

GETTERS = {bool: "getbool", int: "getint", float: "getfloat"}


class SettingsError(ValueError):
    """A ``-s NAME=VALUE`` the command line refuses; the message is one line."""


def project_settings(overrides: list[str] | None = None, **named) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for pair in overrides or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SettingsError(f"-s expects NAME=VALUE, got {pair!r}")
        check_type(name.strip(), settings.get(name.strip()), value)
        settings.set(name.strip(), value, priority="cmdline")
    for name, value in named.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def check_type(name: str, default, value: str) -> None:
    """A -s value must read as the type of the setting's default (a number stays a number):
    refused here in one line, not as a traceback from inside the crawl."""
    getter = GETTERS.get(type(default))
    if getter is None:
        return
    try:
        getattr(Settings({name: value}), getter)(name)
    except (TypeError, ValueError):
        kind = {bool: "true or false", int: "a whole number", float: "a number"}[type(default)]
        raise SettingsError(f"-s {name} expects {kind}, got {value!r}") from None
