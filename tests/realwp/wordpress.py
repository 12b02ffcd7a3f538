"""A stock WordPress on 127.0.0.1, built from Debian's packages, for end-to-end tests.

``python -m tests.realwp.wordpress start [DIR]`` installs (only when missing) ``wordpress``,
``mariadb-server`` and PHP with apt, starts MariaDB on a private socket and data directory
and PHP's built-in server on a free port, creates a site of 300 Thai press releases and
prints its URL; ``state2 DIR`` (edits), ``norest DIR``/``rest DIR`` (REST API off/on),
``dateonly DIR`` (pages print the day alone) and ``stop DIR`` change or stop it.

Everything lives in one directory: a copy of ``/usr/share/wordpress`` with its own
``wp-config.php`` (Debian's reads ``/etc/wordpress``, which is left alone), the database
files, the logs and ``state.json`` (the process ids to stop, the posts WordPress made).
Content is written by PHP scripts calling WordPress's own API in one process, not by one
HTTP request per post. Needs root (apt, and MariaDB's ``--user=root``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHP = HERE / "php"
POSTS = HERE.parent / "data" / "realwp" / "posts.jsonl"
PACKAGES = {  # a command each package provides, to install only what is missing
    "wordpress": "/usr/share/wordpress/wp-load.php",
    "wordpress-theme-twentytwentyone": "/usr/share/wordpress/wp-content/themes/twentytwentyone",
    "mariadb-server": "/usr/sbin/mariadbd",
    "php-cli": "/usr/bin/php",
    "php-mysql": "/etc/php/8.2/mods-available/mysqli.ini",
    "php-xml": "/etc/php/8.2/mods-available/simplexml.ini",  # wp-sitemap.xml needs it
}
FIRST_STATE = 300
CATEGORIES = ["ข่าวประชาสัมพันธ์", "ข่าวกิจกรรม", "ประกาศ"]
TAGS = ["การศึกษา", "ครู", "นักเรียน", "อาชีวศึกษา"]
AUTHOR = {
    "user_login": "prteam",
    "user_email": "pr@example.test",
    "display_name": "กลุ่มประชาสัมพันธ์",
    "first_name": "กลุ่ม",
    "last_name": "ประชาสัมพันธ์",
}
PDF_EVERY = 60  # every 60th post carries a PDF: 5 in the first state
ABOUT = {
    "type": "page",
    "title": "เกี่ยวกับเรา",
    "content": "<p>ศูนย์ข่าวการศึกษาเผยแพร่ข่าวประชาสัมพันธ์ของหน่วยงานด้านการศึกษา "
    "ติดต่อกลุ่มประชาสัมพันธ์ได้ในวันและเวลาราชการ โทรศัพท์ 0 2628 5000</p>"
    "<p>ที่อยู่ ถนนราชดำเนินนอก เขตดุสิต กรุงเทพมหานคร 10300</p>",
}
EDIT_NOTE = "(ปรับปรุงข้อมูลเมื่อ 5 ธันวาคม 2567)"
DEADLINE = 120  # seconds for a server to answer
CHILDREN: dict[int, subprocess.Popen] = {}  # servers started by this process, by id


class Unavailable(RuntimeError):
    """WordPress cannot be installed or started here (not root, no apt)."""


@dataclass
class Site:
    """A running site: its URL, what to stop, and the posts as WordPress made them."""

    root: Path
    url: str = ""
    pids: dict[str, int] = field(default_factory=dict)
    posts: list[dict] = field(default_factory=list)  # apply.php's listing
    specs: dict[int, dict] = field(default_factory=dict)  # post id -> what was written
    changes: dict = field(default_factory=dict)  # the second state's edits, by kind

    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def save(self) -> None:
        data = {k: getattr(self, k) for k in ("url", "pids", "posts", "changes")}
        data["specs"] = {str(k): v for k, v in self.specs.items()}
        self.state_file.write_text(json.dumps(data, ensure_ascii=False))

    @classmethod
    def load(cls, root: Path) -> Site:
        data = json.loads((Path(root) / "state.json").read_text())
        data["specs"] = {int(k): v for k, v in data["specs"].items()}
        return cls(root=Path(root), **data)

    @property
    def socket(self) -> Path:
        return self.root / "db" / "mysqld.sock"

    @property
    def docroot(self) -> Path:
        return self.root / "wordpress"

    def live_posts(self) -> list[dict]:
        return [p for p in self.posts if p["type"] == "post" and p["status"] == "publish"]


# -- packages ------------------------------------------------------------------------------
def ensure_packages() -> None:
    """apt-get install what is missing; Unavailable when that is impossible here."""
    missing = [pkg for pkg, path in PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Unavailable(f"needs root and apt-get to install {' '.join(missing)}")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    subprocess.run(cmd, check=True, env=env, capture_output=True)


# -- processes -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, what: str, proc: subprocess.Popen) -> None:
    """Poll ``check`` until true; fail early when the process died, late at the deadline."""
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if check():
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {DEADLINE} s")


def start_mariadb(site: Site) -> None:
    datadir = site.root / "db"
    datadir.mkdir()
    install = [
        "mariadb-install-db",
        "--no-defaults",
        "--user=root",
        f"--datadir={datadir}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]
    subprocess.run(install, check=True, capture_output=True)
    server = [
        "mariadbd",
        "--no-defaults",
        "--user=root",
        f"--datadir={datadir}",
        f"--socket={site.socket}",
        "--skip-networking",
        f"--pid-file={site.root / 'mariadb.pid'}",
        f"--log-error={site.root / 'mariadb.log'}",
        "--innodb-buffer-pool-size=64M",
        "--innodb-flush-log-at-trx-commit=0",
        "--innodb-doublewrite=0",
        "--skip-log-bin",
        "--character-set-server=utf8mb4",
    ]
    proc = subprocess.Popen(server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    CHILDREN[proc.pid] = proc
    site.pids["mariadb"] = proc.pid
    site.save()
    wait_until(lambda: sql(site, "select 1", check=False) == 0, "mariadbd", proc)
    sql(site, "create database wordpress character set utf8mb4 collate utf8mb4_unicode_ci")


def sql(site: Site, statement: str, check: bool = True) -> int:
    cmd = ["mariadb", "--no-defaults", f"--socket={site.socket}", "-uroot", "-e", statement]
    return subprocess.run(cmd, check=check, capture_output=True).returncode


def start_php(site: Site) -> None:
    port = int(site.url.rsplit(":", 1)[1])
    env = os.environ | {"PHP_CLI_SERVER_WORKERS": "4"}
    cmd = ["php", "-S", f"127.0.0.1:{port}", "-t", str(site.docroot), str(PHP / "router.php")]
    # Its own process group: the server forks workers, stopped with it by the group's id.
    with (site.root / "php.log").open("ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=log, env=env, cwd=site.docroot, start_new_session=True
        )
    CHILDREN[proc.pid] = proc
    site.pids["php"] = proc.pid
    site.save()
    wait_until(lambda: answers(port), "php -S", proc)


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def stop(root: Path) -> None:
    """Stop what ``start`` started, by process id, then remove the directory."""
    root = Path(root)
    if (root / "state.json").exists():
        for pid in Site.load(root).pids.values():
            terminate(pid)
    shutil.rmtree(root, ignore_errors=True)


def terminate(pid: int) -> None:
    """SIGTERM to the process (and its group, when it leads one), wait, then SIGKILL."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGTERM)
        else:
            os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    proc = CHILDREN.pop(pid, None)
    if proc is not None:  # started by this process: wait for it (and reap it)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return
    end = time.monotonic() + 30  # started by an earlier `start` command: poll
    while time.monotonic() < end:
        if not _alive(pid):
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


# -- WordPress files -----------------------------------------------------------------------
def copy_wordpress(site: Site) -> None:
    shutil.copytree("/usr/share/wordpress", site.docroot, symlinks=True)
    (site.docroot / ".htaccess").unlink(missing_ok=True)  # Debian's points into /etc
    for sub in ("uploads", "mu-plugins"):
        (site.docroot / "wp-content" / sub).mkdir(parents=True, exist_ok=True)
    (site.docroot / "wp-config.php").write_text(wp_config(site))


def wp_config(site: Site) -> str:
    keys = "".join(
        f"define('{k}', '{os.urandom(16).hex()}');\n"
        for k in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY")
        + ("AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
    )
    return (
        "<?php\n"
        "define('DB_NAME', 'wordpress');\ndefine('DB_USER', 'root');\n"
        f"define('DB_PASSWORD', '');\ndefine('DB_HOST', 'localhost:{site.socket}');\n"
        "define('DB_CHARSET', 'utf8mb4');\ndefine('DB_COLLATE', '');\n"
        f"define('WP_HOME', '{site.url}');\ndefine('WP_SITEURL', '{site.url}');\n"
        # No cron loopback requests, no update checks, nothing leaves the machine.
        "define('DISABLE_WP_CRON', true);\ndefine('AUTOMATIC_UPDATER_DISABLED', true);\n"
        "define('WP_HTTP_BLOCK_EXTERNAL', true);\ndefine('WP_DEBUG', false);\n"
        f"{keys}$table_prefix = 'wp_';\n"
        "if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');\n"
        "require_once ABSPATH . 'wp-settings.php';\n"
    )


def php(site: Site, script: str, *args: str) -> str:
    cmd = ["php", str(PHP / script), str(site.docroot), site.url, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=site.docroot)
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed: {done.stderr.strip() or done.stdout[-500:]}")
    return done.stdout


def apply(site: Site, changes: dict) -> None:
    path = site.root / "changes.json"
    path.write_text(json.dumps(changes, ensure_ascii=False))
    site.posts = json.loads(php(site, "apply.php", str(path)))
    site.save()


# -- content -------------------------------------------------------------------------------
def load_rows() -> list[dict]:
    with POSTS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def tiny_png(seed: int) -> bytes:
    """A valid 48x48 one-colour PNG (the crawler never decodes images; the bytes differ)."""
    width = height = 48
    colour = bytes([seed % 256, (seed * 7) % 256, (seed * 13) % 256])
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def tiny_pdf(title: str) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {title.encode('unicode_escape').decode()}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def upload(site: Site, day: str, name: str, data: bytes, mime: str, title: str) -> dict:
    """Put a file where WordPress keeps uploads (year/month) and describe it for apply.php."""
    sub = f"{day[:4]}/{day[5:7]}"
    folder = site.docroot / "wp-content" / "uploads" / sub
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    url = f"{site.url}/wp-content/uploads/{sub}/{name}"
    return {"path": str(folder / name), "url": url, "mime": mime, "title": title}


def post_spec(site: Site, row: dict, n: int) -> dict:
    """One release as a post: BE dateline opening the first paragraph, an image or two,
    sometimes a PDF; categories and tags rotate."""
    paragraphs = list(row["paragraphs"])
    paragraphs[0] = f"{row['date_line']} {paragraphs[0]}"
    images = [
        upload(site, row["date"], f"news-{n}-{k}.png", tiny_png(n * 3 + k), "image/png", "")
        for k in range(2 if n % 50 == 0 else 1)
    ]
    files = []
    if n % PDF_EVERY == 0:
        title = f"เอกสารประกอบข่าว {n}"
        files.append(
            upload(site, row["date"], f"release-{n}.pdf", tiny_pdf(title), "application/pdf", title)
        )
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    html += "".join(
        f'<figure class="wp-block-image"><img src="{i["url"]}" alt="ภาพกิจกรรม" '
        f'width="640" height="480"/></figure>'
        for i in images
    )
    html += "".join(f'<p><a href="{f["url"]}">{f["title"]}</a></p>' for f in files)
    return {
        "title": row["title"],
        "content": html,
        "date": f"{row['date']} {row['time']}",
        "categories": [CATEGORIES[n % len(CATEGORIES)]],
        "tags": [TAGS[n % len(TAGS)], TAGS[(n + 1) % len(TAGS)]],
        "files": images + files,
        "paragraphs": paragraphs,  # a link-only line to a file is an attachment, not text
        "images": [i["url"] for i in images],
        "attachments": [f["url"] for f in files],
        "date_line": row["date_line"],
        "event_date": row["date"],
    }


def populate(site: Site) -> None:
    rows = load_rows()[:FIRST_STATE]
    specs = [post_spec(site, row, n) for n, row in enumerate(rows)]
    apply(
        site,
        {
            "options": {
                "permalink_structure": "/%year%/%monthnum%/%day%/%postname%/",
                "timezone_string": "Asia/Bangkok",
                "gmt_offset": "",
                "blogdescription": "ข่าวประชาสัมพันธ์ด้านการศึกษา",
                "default_comment_status": "closed",
            },
            "author": AUTHOR,
            "terms": {"category": CATEGORIES},
            "create": [*specs, ABOUT],
            "delete": [1, 2],  # the installer's "Hello world!" post and sample page
            "flush": True,
        },
    )
    remember(site, specs)


def remember(site: Site, specs: list[dict]) -> None:
    """Match the posts WordPress made to what was written, by title and date."""
    by_key = {(p["title"], p["date"]): p["id"] for p in site.posts}
    for spec in specs:
        site.specs[by_key[(spec["title"], spec["date"])]] = spec
    site.save()


def second_state(site: Site) -> None:
    """New posts, two edited titles, two edited bodies (one with an edit note on top), one
    post trashed and one deleted for good."""
    rows = load_rows()[FIRST_STATE:]
    news = [post_spec(site, row, FIRST_STATE + n) for n, row in enumerate(rows)]
    ids = sorted(site.specs)
    retitled, rewritten, trashed, deleted = ids[10:12], ids[20:22], ids[30], ids[40]
    updates = []
    for pid in retitled:
        site.specs[pid]["title"] += " (ฉบับแก้ไข)"
        updates.append({"ID": pid, "post_title": site.specs[pid]["title"]})
    for k, pid in enumerate(rewritten):
        spec = site.specs[pid]
        extra = "ข้อมูลเพิ่มเติม ผู้สนใจสอบถามได้ที่กลุ่มประชาสัมพันธ์ในวันและเวลาราชการ"
        spec["paragraphs"] = ([EDIT_NOTE] if k == 0 else []) + spec["paragraphs"] + [extra]
        spec["content"] = (f"<p>{EDIT_NOTE}</p>" if k == 0 else "") + spec["content"]
        spec["content"] += f"<p>{extra}</p>"
        updates.append({"ID": pid, "post_content": spec["content"]})
    apply(site, {"create": news, "update": updates, "trash": [trashed], "delete": [deleted]})
    remember(site, news)
    site.changes = {
        "new": [p for p in site.specs if p not in ids],
        "retitled": retitled,
        "rewritten": rewritten,
        "trashed": [trashed],
        "deleted": [deleted],
    }
    site.save()


def set_rest(site: Site, enabled: bool) -> None:
    """The REST API off (a must-use plugin answering every request with an error) or on."""
    set_plugin(site, "no-rest.php", not enabled)


def set_dates_only(site: Site, enabled: bool) -> None:
    """Pages show the day without the time (the feed keeps the timestamp)."""
    set_plugin(site, "date-only.php", enabled)


def set_feeds(site: Site, enabled: bool) -> None:
    """Feeds off (404, no <link rel=alternate>), or on."""
    set_plugin(site, "no-feed.php", not enabled)


def set_plugin(site: Site, name: str, enabled: bool) -> None:
    plugin = site.docroot / "wp-content" / "mu-plugins" / f"edunews-{name}"
    if enabled:
        shutil.copy(PHP / name, plugin)
    else:
        plugin.unlink(missing_ok=True)


def set_permalinks(site: Site, structure: str) -> None:
    """``""`` gives plain ``?p=123`` links; the posts' own listing is refreshed."""
    apply(site, {"options": {"permalink_structure": structure}, "flush": True})


# -- the whole site ------------------------------------------------------------------------
def start(root: Path | None = None) -> Site:
    """Install what is missing, start MariaDB and PHP, create the first state."""
    ensure_packages()
    if os.geteuid() != 0:
        raise Unavailable("MariaDB is started with --user=root: run as root")
    root = Path(root or tempfile.mkdtemp(prefix="edunews-wp-"))
    root.mkdir(parents=True, exist_ok=True)
    site = Site(root=root)
    try:
        start_mariadb(site)
        site.url = f"http://127.0.0.1:{free_port()}"
        copy_wordpress(site)
        php(site, "install.php")
        populate(site)
        start_php(site)
    except BaseException:
        stop(root)
        raise
    return site


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("start", "stop", "state2", "norest", "rest", "dateonly"):
        print(__doc__, file=sys.stderr)
        return 2
    command, root = argv[0], (Path(argv[1]) if len(argv) > 1 else None)
    if command == "start":
        began = time.monotonic()
        site = start(root)
        print(f"{site.url} ({len(site.live_posts())} posts) in {site.root}")
        print(f"ready in {time.monotonic() - began:.1f} s", file=sys.stderr)
        return 0
    if root is None:
        print(f"{command} needs the site's directory", file=sys.stderr)
        return 2
    if command == "stop":
        stop(root)
        return 0
    site = Site.load(root)
    if command == "state2":
        second_state(site)
    elif command == "dateonly":
        set_dates_only(site, True)
    else:
        set_rest(site, command == "rest")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
