"""`edunews sources` and `edunews sources check` against local sites (127.0.0.x only)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from archive import cli
from tests.conftest import edunews, free_port
from tests.sites.server import QuietServer, SampleSites

SLOW_DELAY = "0.3"  # seconds between two requests to one host during the politeness test


class Recorder(BaseHTTPRequestHandler):
    """A tiny site: ``routes`` maps a path to (status, headers, body); records each request."""

    routes: dict[str, tuple[int, dict, bytes]] = {}
    seen: list[tuple[str, str]] = []  # (path, user agent)

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("User-Agent", "")))
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(host: str, routes: dict) -> tuple[QuietServer, type[Recorder]]:
    handler = type("Site", (Recorder,), {"routes": routes, "seen": []})
    server = QuietServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler


def base(server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


HOME = (
    '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
    '<body><a href="/news/1.html">ข่าวประชาสัมพันธ์ ครั้งที่ 1</a></body></html>'
).encode()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The four sample sites, a moved homepage, a homepage behind robots.txt, one that
    redirects within its own host, a dead port, and an office without a homepage."""
    elsewhere, elsewhere_log = serve("127.0.0.2", {"/": (200, {}, HOME)})
    moved, moved_log = serve("127.0.0.1", {"/": (301, {"Location": base(elsewhere) + "new/"}, b"")})
    private, private_log = serve(
        "127.0.0.1", {"/robots.txt": (200, {}, b"User-agent: *\nDisallow: /\n")}
    )
    redirected, redirected_log = serve(
        "127.0.0.1",
        {"/": (301, {"Location": "/th/"}, b""), "/th/": (200, {}, HOME)},
    )
    extra = {
        "moved": base(moved),
        "private": base(private),
        "redirected": base(redirected),
        "dead": f"http://127.0.0.1:{free_port()}/",
    }
    with SampleSites() as sites:
        lines = [sites.sources_yaml()]
        lines += [f"  - {{id: {name}, name: ทดสอบ, url: '{url}'}}\n" for name, url in extra.items()]
        lines += ["  - {id: nohome, name: ไม่มีเว็บไซต์}\n"]
        path = tmp_path_factory.mktemp("registry") / "sources.yaml"
        path.write_text("".join(lines), encoding="utf-8")
        logs = {"elsewhere": elsewhere_log, "moved": moved_log, "private": private_log}
        logs["redirected"] = redirected_log
        yield sites, path, logs
    for server in (elsewhere, moved, private, redirected):
        server.shutdown()
        server.server_close()


class Ran:
    """What one in-process run of the command line returned and printed."""

    def __init__(self, capsys, *args: str):
        self.returncode = cli.main(list(args))
        self.stdout, self.stderr = capsys.readouterr()


def check(capsys, path, *ids, delay="0"):
    args = ["--json", "--sources", str(path), "-s", f"DOWNLOAD_DELAY={delay}"]
    result = Ran(capsys, "sources", "check", *ids, *args)
    return result, {c["source"]: c for c in map(json.loads, result.stdout.splitlines())}


def test_check_reports_what_discovery_finds(world):
    """The real command, in its own process: one line per source, no traceback."""
    sites, path, logs = world
    sites.clear_log()
    result = edunews("sources", "check", "--json", "--sources", str(path), "-s", "DOWNLOAD_DELAY=0")
    assert "Traceback" not in result.stderr
    found = {c["source"]: c for c in map(json.loads, result.stdout.splitlines())}
    assert result.returncode == 1  # the moved, blocked and dead ones
    assert "nohome" not in found  # disabled: not checked unless named
    wp = found["sample-wp"]
    assert wp["status"] == "ok" and wp["wordpress"] and wp["api_root"].endswith("/wp-json/")
    assert wp["feeds"]
    assert found["sample-feedonly"]["feeds"] and not found["sample-feedonly"]["api_root"]
    legacy = found["sample-legacy"]
    assert legacy["status"] == "ok" and (legacy["listings"] or legacy["article_links"])
    assert found["sample-wpnoapi"]["wordpress"]
    for name in sites.urls:  # once each: robots.txt, then the homepage
        assert sorted(sites.sites[name].requests) == ["/", "/robots.txt"], name
    redirected = found["redirected"]
    assert redirected["status"] == "ok" and redirected["final_url"].endswith("/th/")
    assert redirected["feeds"] and redirected["article_links"] == 1


def test_a_moved_homepage_is_reported_not_followed(world, capsys):
    sites, path, logs = world
    result, found = check(capsys, path, "moved")
    moved = found["moved"]
    assert moved["status"] == "moved" and moved["moved_to"].startswith("http://127.0.0.2:")
    assert moved["moved_to"].endswith("/new/")
    assert logs["elsewhere"].seen == []  # not followed off-site
    assert result.returncode == 1


def test_robots_txt_is_obeyed_and_the_agent_announced(world, capsys):
    sites, path, logs = world
    logs["private"].seen.clear()
    result, found = check(capsys, path, "private")
    assert found["private"]["status"] == "blocked"
    assert [p for p, _ in logs["private"].seen] == ["/robots.txt"]
    assert all(agent.startswith("edunews/") for _, agent in logs["private"].seen)


def test_failures_are_one_line_each(world, capsys):
    sites, path, logs = world
    result = Ran(capsys, "sources", "check", "dead", "nohome", "--sources", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAILED dead: connection refused")
    assert lines[1].startswith("SKIPPED nohome: no homepage in the registry")


def test_one_request_at_a_time_per_host_with_the_delay(world, capsys):
    """robots.txt, a same-host redirect and the homepage: three requests, spaced out."""
    sites, path, logs = world
    logs["redirected"].seen.clear()
    result, found = check(capsys, path, "redirected", delay=SLOW_DELAY)
    assert found["redirected"]["requests"] == 3
    assert found["redirected"]["seconds"] >= 2 * float(SLOW_DELAY)
    assert [p for p, _ in logs["redirected"].seen] == ["/robots.txt", "/", "/th/"]


def test_unknown_id_is_a_usage_error(world, capsys):
    sites, path, logs = world
    result = Ran(capsys, "sources", "check", "nosuch", "--sources", str(path))
    assert result.returncode == 2 and result.stderr.strip().endswith("unknown source id(s): nosuch")


def test_sources_lists_and_filters_the_bundled_registry(capsys):
    result = Ran(capsys, "sources", "--kind", "esa-secondary", "--province", "ตรัง", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["id"] == "spm-trang-krabi" and row["region"] == "south"
    assert row["evidence_url"] and row["confidence"] == "low"
    listed = Ran(capsys, "sources", "--disabled")
    assert listed.returncode == 0 and "disabled" in listed.stdout
    assert " enabled " not in listed.stdout
    assert "central" in listed.stderr  # the per-kind summary
    bad = Ran(capsys, "sources", "--province", "Atlantis")
    assert bad.returncode == 2 and "unknown province" in bad.stderr


def test_offices_sharing_a_host_read_its_robots_txt_once(world, capsys, tmp_path):
    sites, path, logs = world
    home = sites.urls["legacy"]
    registry = tmp_path / "shared.yaml"
    registry.write_text(
        f"sources:\n  - {{id: a, name: ก, url: '{home}'}}\n  - {{id: b, name: ข, url: '{home}'}}\n",
        encoding="utf-8",
    )
    sites.clear_log()
    result, found = check(capsys, registry)
    assert result.returncode == 0 and found["a"]["status"] == found["b"]["status"] == "ok"
    assert sorted(sites.sites["legacy"].requests) == ["/", "/", "/robots.txt"]


def test_a_page_the_parsers_choke_on_is_one_failure(world, capsys, tmp_path, monkeypatch):
    from archive import registry as command

    def broken(*args):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(command, "parse", broken)
    sites, path, logs = world
    result, found = check(capsys, path, "sample-wp")
    assert found["sample-wp"]["status"] == "failed"
    assert found["sample-wp"]["reason"] == "cannot read the homepage: RuntimeError: parser exploded"
