import os
import signal
import subprocess
import sys
import urllib.request

from click.testing import CliRunner
from sqlalchemy import func, select

from catalog.models import Agency
from core.db import make_sessionmaker
from portal.cli import main
from tests.waiting import wait_until


def _env(settings):
    return {
        "GOVCLOUD_DATABASE_URL": settings.database_url,
        "GOVCLOUD_FEEDBACK_DATABASE_URL": settings.feedback_database_url,
        "GOVCLOUD_VAR_DIR": settings.var_dir,
    }


def test_seed_twice_changes_nothing(settings, committed_platform):
    runner = CliRunner()
    first = runner.invoke(main, ["seed", "--no-demo"], env=_env(settings))
    assert first.exit_code == 0, first.output
    assert "79 added" in first.output
    second = runner.invoke(main, ["seed", "--no-demo"], env=_env(settings))
    assert "0 added, 0 updated, 79 unchanged" in second.output
    with make_sessionmaker(committed_platform)() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 79
        mcth = session.scalar(select(Agency).where(Agency.code == "MCTH"))
        assert mcth.name_fa.startswith("وزارت میراث")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _overseer_sees_the_dashboard(base: str) -> None:
    """The demo seed's snapshot wrote standings and totals on SQLite: the dashboard pages them."""
    import http.cookiejar
    import re
    import urllib.parse

    from portal.demo import DEMO_PASSWORD

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"{base}/sign-in", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {"email": "overseer@demo.govcloud.ir", "password": DEMO_PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(f"{base}/sign-in", data=body, timeout=10).read()
    with opener.open(f"{base}/compliance", timeout=30) as response:
        page = response.read().decode()
        assert "/dashboard" in response.url and 'id="matrix"' in page
    assert 'class="cell st-' in page  # at least one agency's figures, read from the standings
    with opener.open(response.url.replace("/dashboard", "/dashboard.csv"), timeout=30) as export:
        assert len(export.read().decode("utf-8-sig").splitlines()) > 1


def test_run_serves_everything_and_ctrl_c_leaves_nothing_running(tmp_path):
    """`govcloud run` on the embedded default: SQLite, filesystem broker, worker and beat in-process."""
    port, feedback_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCLOUD_")}
    env.update(
        GOVCLOUD_VAR_DIR=str(tmp_path / "var"),
        GOVCLOUD_PORT=str(port),
        GOVCLOUD_FEEDBACK_PORT=str(feedback_port),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "run", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        answers = {}

        def all_ready() -> bool:
            for url in (
                f"http://127.0.0.1:{port}/healthz",
                f"http://127.0.0.1:{port}/readyz",
                f"http://127.0.0.1:{feedback_port}/readyz",
            ):
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        answers[url] = response.status
                except OSError:
                    pass
            return len(answers) == 3

        wait_until(all_ready, timeout=300, interval=0.5, what=f"the three services to answer ({answers})")
        assert set(answers.values()) == {200} and len(answers) == 3
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert 'dir="rtl"' in response.read().decode()
        _overseer_sees_the_dashboard(f"http://127.0.0.1:{port}")
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        output = process.communicate(timeout=60)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output

    def left() -> str:
        return subprocess.run(["pgrep", "-a", "-s", str(process.pid)], capture_output=True, text=True).stdout

    # as a terminal user would wait: a few seconds at most
    wait_until(lambda: not left(), timeout=15, interval=0.5, what="every child to stop after Ctrl-C")
