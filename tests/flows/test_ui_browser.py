"""The Prefect UI as a person uses it, in a real browser: Custom run of `solve-problem/ui`, then the run's artifact.

A real `prefect server start` (UI enabled, temporary PREFECT_HOME, 127.0.0.1, a free port), the scripted LLM
server (`tests.fake_openai`, answering with examples/transport.json, whose optimum is 153.675) and `milpflow serve`
as a subprocess pointed at both. Headless Chromium (Debian's, driven by Playwright's sync API; never
`playwright install`) opens the deployment's page, chooses Run ▸ Custom run, types the problem into the form,
submits, follows the new flow run until the page shows it Completed, checks the Logs tab, opens the run's
Artifacts and checks that the optimum is shown. Both UIs of Prefect 3.8 are driven: the React UI (``/v2``, where
the server's root sends a new user) and the Vue UI (``Switch to V1 UI``).

Every wait is bounded; a failure saves a screenshot into the test's tmp dir and names it in the message. Without
/usr/bin/chromium the test is skipped, except in CI (``CI`` set), where it fails (./dev.sh test installs it).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.fake_openai import FakeOpenAI, spec_reply

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRANSPORT = json.loads((ROOT / "examples" / "transport.json").read_text())
OPTIMUM = "153.675"
STARTUP_SECONDS = 120
"""Bound on the server becoming healthy, and on `milpflow serve` registering its deployments."""
RUN_SECONDS = 180
"""Bound on one pass through the UI: form, submission, the run completing, its artifact (~20 s on an idle machine;
every browser wait gets what is left of it, so a loaded CI machine slows the test down without failing it)."""
UIS = {"react": "/v2", "vue": ""}
"""Prefect 3.8 serves two UIs: the React one under /v2 (the default a new user lands on) and the Vue one."""


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI: ./dev.sh test installs Debian's chromium (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium, or run ./dev.sh test as root); CI never skips this")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _post_json(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@dataclass
class Stack:
    url: str
    """The server's root, e.g. http://127.0.0.1:4321 (the UI; the API is under /api)."""
    deployment_id: str
    llm: FakeOpenAI
    server_log: Path
    serve_log: Path

    def runs_of(self, problem: str) -> list[dict[str, Any]]:
        """The flow runs of solve-problem/ui whose problem text is `problem` (through the REST API; none when the
        server does not answer in time)."""
        try:
            runs = _post_json(f"{self.url}/api/flow_runs/filter",
                              {"deployments": {"id": {"any_": [self.deployment_id]}}, "limit": 50})
        except OSError:
            return []
        return [r for r in runs if (r.get("parameters") or {}).get("problem") == problem]

    def logs(self) -> str:
        return f"server log:\n{_tail(self.server_log)}\n\nmilpflow serve log:\n{_tail(self.serve_log)}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _need_chromium()
    tmp = tmp_path_factory.mktemp("ui")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OPENAI_", "MILPFLOW_"))}
    env.update({
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "true",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
        # `--port` alone leaves the UI calling the API at the default port 4200: the UI's API URL comes from these
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "NO_COLOR": "1",
    })
    server_log, serve_log = tmp / "server.log", tmp / "serve.log"
    with server_log.open("wb") as sink:
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    serving: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"prefect server exited with {server.returncode}:\n{_tail(server_log)}")
            try:
                if _get_json(f"{url}/api/health") is True:
                    break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"prefect server not healthy after {STARTUP_SECONDS} s:\n{_tail(server_log)}")
            time.sleep(0.5)
        with FakeOpenAI(lambda request, index: spec_reply(TRANSPORT)) as llm:
            serve_env = {**env, "PREFECT_API_URL": f"{url}/api", "PREFECT_RUNNER_POLL_FREQUENCY": "1",
                         "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-browser-test-dummy",
                         "MILPFLOW_USE_CACHE": "false", "MILPFLOW_DATA_DIR": str(tmp / "data")}
            with serve_log.open("wb") as sink:
                serving = subprocess.Popen([str(BIN / "milpflow"), "serve"], env=serve_env, cwd=ROOT, stdout=sink,
                                           stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + STARTUP_SECONDS
            while True:
                if serving.poll() is not None:
                    pytest.fail(f"milpflow serve exited with {serving.returncode}:\n{_tail(serve_log)}")
                try:
                    deployment = _get_json(f"{url}/api/deployments/name/solve-problem/ui")
                    break
                except urllib.error.HTTPError as exc:
                    if exc.code != 404:
                        raise
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"solve-problem/ui not served after {STARTUP_SECONDS} s:\n{_tail(serve_log)}")
                time.sleep(0.5)
            yield Stack(url=url, deployment_id=deployment["id"], llm=llm, server_log=server_log, serve_log=serve_log)
    finally:
        if serving is not None:
            _stop(serving)
        _stop(server)


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[BrowserContext]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as playwright:
        # a fresh profile directory (Playwright passes it as --user-data-dir)
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000}, timeout=60_000,
        )
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()


@contextmanager
def _screenshot_on_failure(page: Page, path: Path, stack: Stack) -> Iterator[None]:
    from playwright.sync_api import Error as PlaywrightError

    try:
        yield
    except (AssertionError, PlaywrightError, pytest.fail.Exception) as exc:
        try:
            page.screenshot(path=str(path), full_page=True)
            where = f"screenshot: {path} (page {page.url})"
        except PlaywrightError as shot:
            where = f"no screenshot ({shot})"
        raise AssertionError(f"{exc}\n\n{where}\n\n{stack.logs()}") from exc


def _until(deadline: float, what: str, check: Any, every: float = 1.0) -> Any:
    """Call `check` until it returns something truthy, failing with `what` at `deadline`."""
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def _click_tab(page: Page, name: str, timeout: float) -> None:
    # the React UI marks its tabs up as tabs; the Vue UI's are plain elements with the tab's text
    page.get_by_role("tab", name=name, exact=True).or_(page.get_by_text(name, exact=True)).first.click(timeout=timeout)


# The React UI is where a new user lands, so it runs in the default suite; the older Vue UI runs with the slow suites.
@pytest.mark.parametrize("ui", [pytest.param("react"), pytest.param("vue", marks=pytest.mark.slow)])
def test_custom_run_from_the_deployment_page_shows_the_optimum_in_its_artifact(
    stack: Stack, browser: BrowserContext, tmp_path: Path, ui: str,
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + RUN_SECONDS

    def left() -> float:
        """Milliseconds left before the deadline, as Playwright's timeouts want them."""
        return max(1_000.0, (deadline - time.monotonic()) * 1000)

    prefix = UIS[ui]
    problem = (f"Two plants ship cases to three markets; minimise the freight cost ({ui} UI browser test "
               f"{time.time_ns()}).")
    page = browser.new_page()
    try:
        with _screenshot_on_failure(page, tmp_path / f"{ui}-failure.png", stack):
            # the deployment's page, Run ▸ Custom run
            page.goto(f"{stack.url}{prefix}/deployments/deployment/{stack.deployment_id}", timeout=left())
            page.get_by_role("button", name="Run", exact=True).click(timeout=left())
            page.get_by_text("Custom run", exact=True).click(timeout=left())
            # the form: the problem is the one required parameter, a text area with its description above it
            page.get_by_text("problem", exact=True).first.wait_for(timeout=left())
            page.get_by_text("The decision problem in words", exact=False).first.wait_for(timeout=left())
            page.get_by_label("problem", exact=True).or_(page.locator("textarea")).first.fill(problem, timeout=left())
            page.get_by_role("button", name="Submit", exact=True).click(timeout=left())
            page.wait_for_url(re.compile(r".*/deployments/deployment/[0-9a-f-]+(\?.*)?$"), timeout=left())
            run = _until(deadline, "the submitted flow run in the API", lambda: stack.runs_of(problem))[0]
            # the new run is linked from the deployment's page (its next run, then its runs)
            link = page.get_by_role("link", name=run["name"], exact=True).first

            def link_visible() -> bool:
                if link.is_visible():
                    return True
                page.reload(timeout=left())
                return False

            _until(deadline, f"a link to flow run {run['name']}", link_visible, every=2)
            link.click(timeout=left())
            page.wait_for_url(re.compile(rf".*/runs/flow-run/{run['id']}.*"), timeout=left())

            def completed() -> bool:
                for bad in ("Failed", "Crashed", "Cancelled"):
                    if page.get_by_text(bad, exact=True).first.is_visible():
                        raise AssertionError(f"the flow run ended {bad}")
                if page.get_by_text("Completed", exact=True).first.is_visible():
                    return True
                page.reload(timeout=left())
                return False

            _until(deadline, "the flow run to show Completed", completed, every=2)
            # the Logs tab shows the flow's own lines. Prefect ships run logs in batches, so the last ones can reach
            # the server after the state turns Completed, and the React UI does not re-fetch a finished run's logs:
            # reload until they are there.
            attempt_line = page.get_by_text(re.compile(rf"attempt 1: optimal, objective {re.escape(OPTIMUM)}")).first

            def logs_shown() -> bool:
                _click_tab(page, "Logs", left())
                try:
                    attempt_line.wait_for(timeout=min(5_000.0, left()))
                except PlaywrightError:
                    page.reload(timeout=left())
                    return False
                return True

            _until(deadline, "the flow's log lines in the Logs tab", logs_shown, every=1)
            # the Artifacts tab lists the solve's markdown artifact; opening it shows the model and the optimum
            _click_tab(page, "Artifacts", left())
            page.get_by_text("formulated model and solution", exact=True).first.click(timeout=left())
            optimum = page.get_by_text(OPTIMUM, exact=True).first
            version = page.get_by_role("link", name=re.compile(r"^[0-9a-f]{8}$")).first

            def artifact_shown() -> bool:
                if optimum.is_visible():
                    return True
                if version.is_visible():  # the React UI first lists the key's versions
                    version.click(timeout=left())
                return False

            _until(deadline, f"the artifact to show the optimum {OPTIMUM}", artifact_shown)
            assert page.get_by_text("Solve: transport", exact=True).first.is_visible()
            assert page.get_by_text(problem, exact=False).first.is_visible(), "the artifact quotes the typed problem"
            assert page.get_by_role("heading", name="Solution").first.is_visible()
    finally:
        page.close()
    assert any(problem in request.text for request in stack.llm.requests), "the typed problem reached the LLM"
