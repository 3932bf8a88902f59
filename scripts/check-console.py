#!/usr/bin/env python3
"""Drives the web console in a real browser against a live server, as a person would.

Headless Chromium (Debian's `chromium` and `chromium-driver`, installed by bootstrap.sh) under
Selenium (pinned in requirements-dev.txt) with the system driver: nothing is downloaded. The
script starts `aeserve serve` on a free loopback port (scripts/live_server.py) with copies of
the bundled models plus a second version of `fashion-mnist`, and checks:

- no view logs a console error (the browser's log is read after each step);
- the models listed are those GET /models reports, with the served versions;
- activating a version from the page changes what GET /models reports;
- the job form shows the server's error message as it is, and a job started from it gets a
  loss chart that gains one point per epoch while it runs, without a reload; cancel works;
- the playground's reconstruction canvas holds the pixels /reconstruct returns for the same
  input (read back with getImageData), for dataset rows and for a drawing; interpolation and
  samples of the variational model are drawn;
- every control is labelled and reachable by keyboard; nothing overflows a phone-width screen;
- with an API key configured, an action asks for the key and then succeeds.

Screenshots of each view go to --screenshots (default .build/console-screenshots).
Usage: check-console.py --aeserve .build/debug/aeserve [--screenshots DIR]
"""
import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import ROOT, LiveServer  # noqa: E402

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch a driver
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TEST_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
TEST_IMAGES_PATH = "fashion-mnist/t10k-images-idx3-ubyte.gz"
API_KEY = "console-test-key"


class Check:
    """Counts passed and failed checks; a failure is reported and the run goes on."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def __call__(self, condition, what):
        if condition:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"FAIL: {what}", flush=True)
        return condition


check = Check()


def step(name):
    print(f"- {name}", flush=True)


def server_scores(server):
    """Whether the server has POST /score (anomaly scores), read from its OpenAPI document."""
    _, _, body = server.request("GET", "/openapi.json")
    return "post" in json.loads(body)["paths"].get("/score", {})


def add_second_version(models):
    """fashion-mnist v2 (a copy of v1), so the page has a version to roll back to."""
    shutil.copytree(os.path.join(models, "fashion-mnist", "1"), os.path.join(models, "fashion-mnist", "2"))


def test_image(index):
    """Row `index` of the Fashion-MNIST test images as 784 values in [0, 1]."""
    with gzip.open(TEST_IMAGES) as f:
        raw = f.read()
    return [b / 255 for b in raw[16 + 784 * index:16 + 784 * (index + 1)]]


def browser(user_data):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,800", "--no-first-run", "--disable-extensions", "--disable-sync",
                     "--disable-background-networking", "--disable-component-update", "--force-color-profile=srgb",
                     "--hide-scrollbars", f"--user-data-dir={user_data}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    return driver


def console_errors(driver, allowed=()):
    """The browser's SEVERE log entries since the last call, minus those containing an allowed text."""
    entries = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return [e["message"] for e in entries if not any(text in e["message"] for text in allowed)]


def expect_no_console_errors(driver, view, allowed=()):
    errors = console_errors(driver, allowed)
    check(not errors, f"{view}: console errors {errors}")


def query(driver, selector, attribute):
    """An attribute of the element `selector` finds, read in the page (no stale element handles
    while a view re-renders), or None."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;", selector, attribute)


def text_of(driver, selector):
    # SVG elements (the histogram's labels) have no innerText: their textContent is the text.
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? (e.innerText ?? e.textContent) : '';", selector)


def wait(driver, condition, what, timeout=30):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))
    except Exception:
        check(False, f"timed out waiting for {what}")
        return None


def open_view(driver, server, hash_route, ready_selector, what):
    driver.get(f"{server.url}/{hash_route}")
    return wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ready_selector), what)


def check_accessible(driver, view):
    """Every visible control has a label (or aria-label/text) and is in the tab order."""
    problems = driver.execute_script("""
        const problems = [];
        for (const c of document.querySelectorAll('input, select, textarea, button, a[href]')) {
          if (!c.offsetParent && c.tagName !== 'BODY') continue;  // hidden
          if (c.tabIndex < 0) problems.push('not focusable: ' + c.outerHTML.slice(0, 80));
          const named = (c.labels && c.labels.length) || c.getAttribute('aria-label') || c.textContent.trim()
            || c.getAttribute('aria-labelledby');
          if (!named) problems.push('no label: ' + c.outerHTML.slice(0, 80));
        }
        return problems;""")
    check(not problems, f"{view}: controls without a label or out of the tab order: {problems}")


def check_phone_width(driver, server, routes, screenshots):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        for hash_route, ready, name in routes:
            open_view(driver, server, hash_route, ready, f"{name} at phone width")
            time.sleep(0.2)  # let layout settle after the data arrives
            overflow = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(overflow <= 1, f"{name} at 390 px is {overflow} px wider than the screen")
            driver.save_screenshot(os.path.join(screenshots, f"{name}-phone.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def models_view(driver, server, screenshots):
    step("models overview lists what GET /models reports")
    open_view(driver, server, "#/", "[data-model]", "the model cards")
    _, _, body = server.request("GET", "/models")
    expected = [(m["name"], m["version"]) for m in json.loads(body)["models"]]
    shown = driver.execute_script(
        "return [...document.querySelectorAll('[data-model]')].map(c => [c.dataset.model, Number(c.dataset.servedVersion)])")
    check([tuple(x) for x in shown] == expected, f"models shown {shown} != GET /models {expected}")
    versions = driver.execute_script(
        "return [...document.querySelectorAll('[data-model=\"fashion-mnist\"] tr[data-version]')].map(r => Number(r.dataset.version))")
    check(versions == [2, 1], f"fashion-mnist versions shown {versions}, expected [2, 1]")
    text = driver.find_element(By.CSS_SELECTOR, '[data-model="fashion-mnist"]').text
    check("highest version" in text, "the card says why v2 is served (the highest version)")
    check("944,176" in text or "944.176" in text or "944 176" in text, "the parameter count of the bundled model is shown with grouping")
    if server_scores(server):
        step("calibration histograms with the threshold marked")
        for name, _ in expected:
            _, _, body = server.request("GET", f"/models/{name}")
            detail = json.loads(body)
            served = next((v for v in detail.get("version_details", []) if v["version"] == detail["version"]), {})
            calibration = served.get("calibration") or detail.get("calibration")
            check(bool(calibration), f"GET /models/{name} reports no calibration for its served version")
            if not calibration:
                continue
            scores = calibration.get("scores", {}).get("mse", calibration)
            bars = driver.execute_script(
                "return document.querySelectorAll(arguments[0]).length", f'[data-model="{name}"] [data-calibration] svg rect.bar')
            check(bars == len(scores["histogram"]["counts"]), f"{name}: {bars} histogram bars for {len(scores['histogram']['counts'])} bins")
            label = text_of(driver, f'[data-model="{name}"] [data-calibration] svg .threshold-label')
            check("0.99" in label and query(driver, f'[data-model="{name}"] [data-calibration] svg line.threshold', "x1"),
                  f"{name}: the 0.99 threshold is marked on the histogram (label {label!r})")
    check_accessible(driver, "models")
    driver.save_screenshot(os.path.join(screenshots, "models.png"))
    expect_no_console_errors(driver, "models")

    step("activating v1 from the page changes GET /models")
    button = driver.find_element(By.CSS_SELECTOR, '[data-model="fashion-mnist"] [data-activate="1"]')
    button.send_keys("\n")  # by keyboard: the control is reachable and works without a mouse
    wait(driver, lambda d: query(d, '[data-model="fashion-mnist"]', "data-served-version") == "1", "the card to show v1 served")
    _, _, body = server.request("GET", "/models")
    served = next(m for m in json.loads(body)["models"] if m["name"] == "fashion-mnist")
    check(served["version"] == 1 and served["activated"], f"GET /models after activation: {served['version']}, activated {served['activated']}")
    check("activated" in text_of(driver, '[data-model="fashion-mnist"] [data-served]'),
          "the page says the served version is activated")
    expect_no_console_errors(driver, "models after activation")


def record_chart(driver):
    """Starts recording (in the page) every change of the loss chart's point count and the job state."""
    driver.execute_script("""
        window.__notReloaded = true;
        window.__chartLog = [];
        const note = () => {
          const chart = document.getElementById('loss-chart');
          const state = document.getElementById('job-state');
          if (!chart) return;
          const entry = { points: chart.querySelectorAll('circle.point-train').length,
                          state: state ? state.dataset.state : null };
          const last = window.__chartLog[window.__chartLog.length - 1];
          if (!last || last.points !== entry.points || last.state !== entry.state) window.__chartLog.push(entry);
        };
        new MutationObserver(note).observe(document.body, { childList: true, subtree: true, attributes: true });""")


def set_field(driver, element_id, value):
    driver.execute_script("""
        const e = document.getElementById(arguments[0]);
        e.value = arguments[1];
        e.dispatchEvent(new Event('input', { bubbles: true }));
        e.dispatchEvent(new Event('change', { bubbles: true }));""", element_id, value)


def jobs_view(driver, server, screenshots):
    step("the job form shows the server's error as it is")
    open_view(driver, server, "#/jobs", "#job-form #job-submit", "the job form")
    check_accessible(driver, "jobs")
    expect_no_console_errors(driver, "jobs")
    bad = {"kind": "autoencoder", "input_dim": 784, "encoder": [{"units": 16, "activation": "relu"}],
           "decoder": [{"units": 10, "activation": "sigmoid"}]}
    model = driver.find_element(By.ID, "job-model")
    model.clear()
    model.send_keys("console-e2e")
    set_field(driver, "job-architecture", json.dumps(bad))
    set_field(driver, "job-dataset-path", TEST_IMAGES_PATH)
    driver.find_element(By.ID, "job-submit").click()
    box = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#job-form-result .notice.error"), "the error box")
    status, _, body = server.request("POST", "/train-job", {
        "model": "console-e2e", "architecture": bad, "dataset": {"path": TEST_IMAGES_PATH}})
    message = json.loads(body)["error"]["message"]
    if box:
        check(status == 422 and message in box[0].text, f"the form shows the server's message {message!r}; it shows {box[0].text!r}")
    expect_no_console_errors(driver, "jobs after a refused job", allowed=("status of 422",))

    step("a job started from the form gets a live chart, one point per epoch")
    # Small enough for a debug build on a busy machine (about a second per epoch there), long
    # enough that epochs end one by one while the page watches.
    epochs = 4
    architecture = {"kind": "autoencoder", "input_dim": 784,
                    "encoder": [{"units": 32, "activation": "relu"}],
                    "decoder": [{"units": 784, "activation": "sigmoid"}]}
    set_field(driver, "job-architecture", json.dumps(architecture))
    set_field(driver, "job-dataset-limit", "1000")
    set_field(driver, "job-epochs", str(epochs))
    set_field(driver, "job-batch-size", "50")
    record_chart(driver)
    driver.find_element(By.ID, "job-submit").click()
    wait(driver, lambda d: d.find_elements(By.ID, "loss-chart"), "the job page")
    wait(driver, lambda d: query(d, "#job-state", "data-state") in ("succeeded", "failed", "cancelled"), "the job to end", timeout=180)
    log = driver.execute_script("return window.__chartLog")
    not_reloaded = driver.execute_script("return window.__notReloaded === true")
    job_id = driver.execute_script("return decodeURIComponent(location.hash.split('/')[2])")
    _, _, body = server.request("GET", f"/train-job/{job_id}")
    job = json.loads(body)
    check(job["state"] == "succeeded", f"the form's job ended {job['state']}: {job.get('error')}")
    check(not_reloaded, "the page was not reloaded while the job ran")
    counts = [entry["points"] for entry in log]
    distinct = [c for i, c in enumerate(counts) if i == 0 or c != counts[i - 1]]
    check(distinct[-1:] == [epochs] and len(job["history"]) == epochs, f"the chart ends with {distinct[-1:]} points for {epochs} epochs")
    growing = [c for c in distinct if c > 0]
    check(growing == list(range(growing[0] if growing else 1, epochs + 1)), f"points were added one per epoch: {distinct}")
    live = sorted({e["points"] for e in log if e["state"] == "running" and 0 < e["points"] < epochs})
    check(len(live) >= 2, f"points appeared while the job was running (seen live: {live}; log {log})")
    text = driver.find_element(By.TAG_NAME, "main").text
    check("samples/s" in text, "the job page shows samples/s")
    check_accessible(driver, "job page")
    driver.save_screenshot(os.path.join(screenshots, "job.png"))
    expect_no_console_errors(driver, "job page")

    step("the list shows the job; cancel from a job's page")
    open_view(driver, server, "#/jobs", f'tr[data-job="{job_id}"]', "the job in the list")
    check(query(driver, f'tr[data-job="{job_id}"]', "data-state") == "succeeded",
          "the list shows the job as succeeded")
    driver.save_screenshot(os.path.join(screenshots, "jobs.png"))
    _, _, body = server.request("POST", "/train-job", {
        "model": "console-cancel", "architecture": architecture, "dataset": {"path": TEST_IMAGES_PATH},
        "training": {"epochs": 500, "batch_size": 64}})
    long_job = json.loads(body)["id"]
    open_view(driver, server, f"#/jobs/{long_job}", "#job-cancel", "the cancel button")
    driver.find_element(By.ID, "job-cancel").click()
    wait(driver, lambda d: query(d, "#job-state", "data-state") == "cancelled", "the job to be cancelled")
    job = server.wait_for_job(long_job)
    check(job["state"] == "cancelled", f"the cancelled job is {job['state']}")
    expect_no_console_errors(driver, "job cancel")
    return job_id


def canvas_levels(driver, canvas_id):
    return driver.execute_script("""
        const c = document.getElementById(arguments[0]);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const out = [];
        for (let i = 0; i < d.length; i += 4) out.push(d[i]);
        return out;""", canvas_id)


def expect_reconstruction_pixels(driver, server, vector, what):
    _, _, body = server.request("POST", "/reconstruct", {"model": "fashion-mnist", "vector": vector})
    expected = [round(min(1.0, max(0.0, v)) * 255) for v in json.loads(body)["reconstruction"]]
    shown = canvas_levels(driver, "pg-reconstruction")
    worst = max((abs(a - b) for a, b in zip(shown, expected)), default=999)
    check(len(shown) == 784 and worst <= 1, f"{what}: the reconstruction canvas differs from /reconstruct by {worst} levels")


def playground_view(driver, server, screenshots):
    step("the playground's reconstruction canvas holds /reconstruct's pixels")
    open_view(driver, server, "#/playground/fashion-mnist", "#pg-reconstruction", "the reconstruction")
    wait(driver, lambda d: "row 0" in text_of(d, "#pg-result") and query(d, "#pg-reconstruction", "id"), "row 0 to be reconstructed")
    expect_reconstruction_pixels(driver, server, test_image(0), "row 0")
    if server_scores(server):
        _, _, body = server.request("POST", "/score", {"model": "fashion-mnist", "vectors": [test_image(0)]})
        anomalous = json.loads(body)["is_anomaly"][0]
        wait(driver, lambda d: query(d, "#pg-verdict .verdict", "class"), "the anomaly verdict")
        verdict = text_of(driver, "#pg-verdict .verdict")
        check(verdict == ("Anomaly" if anomalous else "Normal"), f"the verdict {verdict!r} agrees with /score ({anomalous})")
    driver.find_element(By.CSS_SELECTOR, '#pg-rows [data-row="5"]').click()
    wait(driver, lambda d: "row 5" in text_of(d, "#pg-result") and query(d, "#pg-reconstruction", "id"), "row 5 to be reconstructed")
    expect_reconstruction_pixels(driver, server, test_image(5), "row 5")
    original = canvas_levels(driver, "pg-original")
    check(original == [round(v * 255) for v in test_image(5)], "the original canvas holds the dataset row")
    check(len(driver.find_elements(By.ID, "pg-error")) == 1, "the per-pixel error is shown")

    step("interpolation strip")
    driver.find_element(By.ID, "pg-interpolate").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#pg-strip canvas")) == 8, "8 interpolation images")
    driver.execute_script("window.scrollTo(0, 0)")
    check_accessible(driver, "playground")
    # Taller than the 1280×800 window, so the README's picture shows the interpolation strip too.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1240, "deviceScaleFactor": 1, "mobile": False})
    driver.save_screenshot(os.path.join(screenshots, "playground.png"))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    step("a drawing is reconstructed")
    pad = driver.find_element(By.ID, "pg-draw")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", pad)
    size = pad.size
    ActionChains(driver).move_to_element_with_offset(pad, -size["width"] // 5, -size["height"] // 4).click_and_hold() \
        .move_by_offset(size["width"] // 3, size["height"] // 6).move_by_offset(0, size["height"] // 3).release().perform()
    wait(driver, lambda d: "your drawing" in text_of(d, "#pg-result") and query(d, "#pg-reconstruction", "id"), "the drawing to be reconstructed")
    drawn = [level / 255 for level in canvas_levels(driver, "pg-original")]
    check(sum(drawn) > 5, "the drawing left pixels on the 28×28 input")
    expect_reconstruction_pixels(driver, server, drawn, "a drawing")
    expect_no_console_errors(driver, "playground")

    step("a model whose input is not an image shows vectors as line plots")
    _, _, body = server.request("POST", "/train-job", {
        "model": "console-tabular", "dataset": {"vectors": [[(i * j % 7) / 7 for j in range(8)] for i in range(64)]},
        "architecture": {"kind": "autoencoder", "input_dim": 8, "encoder": [{"units": 3, "activation": "relu"}],
                         "decoder": [{"units": 8, "activation": "sigmoid"}]},
        "training": {"epochs": 2, "batch_size": 16}})
    tabular = server.wait_for_job(json.loads(body)["id"])
    check(tabular["state"] == "succeeded", f"the tabular job ended {tabular['state']}")
    open_view(driver, server, "#/playground/console-tabular", "#pg-vector", "the vector field")
    set_field(driver, "pg-vector", json.dumps([0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.4, 0.6]))
    driver.find_element(By.ID, "pg-reconstruct-vector").click()
    wait(driver, lambda d: query(d, "#pg-result svg path.series-validation", "d"), "the reconstruction's line plot")
    check(not driver.find_elements(By.CSS_SELECTOR, "#pg-result canvas"), "a vector model's result has no image canvases")
    check_accessible(driver, "playground (vectors)")
    expect_no_console_errors(driver, "playground (vectors)")

    step("samples of the variational model")
    open_view(driver, server, "#/playground/fashion-mnist-vae", "#pg-samples canvas", "the VAE samples")
    count = len(driver.find_elements(By.CSS_SELECTOR, "#pg-samples canvas"))
    check(count == 16, f"16 samples drawn, got {count}")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    time.sleep(0.1)
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    check(background != "rgb(246, 247, 249)", f"the dark theme follows the system preference (background {background})")
    driver.save_screenshot(os.path.join(screenshots, "playground-vae-dark.png"))
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    expect_no_console_errors(driver, "playground (variational)")


def keyed_server(binary, screenshots, user_data):
    step("with an API key configured, activation asks for the key, then works")
    with LiveServer(binary, env={"AESERVE_AUTH_API_KEYS": API_KEY}, prepare=add_second_version) as server:
        driver = browser(user_data)
        try:
            open_view(driver, server, "#/", '[data-model="fashion-mnist"] [data-activate="1"]', "the models page")
            driver.find_element(By.CSS_SELECTOR, '[data-model="fashion-mnist"] [data-activate="1"]').click()
            wait(driver, lambda d: query(d, "#key-dialog", "open") is not None, "the key dialog")
            driver.save_screenshot(os.path.join(screenshots, "api-key.png"))
            field = driver.find_element(By.ID, "key-input")
            field.send_keys(API_KEY + Keys.ENTER)
            wait(driver, lambda d: query(d, '[data-model="fashion-mnist"]', "data-served-version") == "1",
                 "v1 to be served after giving the key")
            _, _, body = server.request("GET", "/models")
            served = next(m for m in json.loads(body)["models"] if m["name"] == "fashion-mnist")
            check(served["version"] == 1, "activation with the key changed GET /models")
            expect_no_console_errors(driver, "models with an API key")
        finally:
            driver.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeserve", default=os.path.join(ROOT, ".build", "debug", "aeserve"))
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build", "console-screenshots"))
    args = parser.parse_args()
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} is missing: run scripts/bootstrap.sh (it installs chromium and chromium-driver)")
    os.makedirs(args.screenshots, exist_ok=True)
    started = time.monotonic()
    user_data = tempfile.mkdtemp(prefix="aeserve-chromium-")
    try:
        with LiveServer(args.aeserve, prepare=add_second_version) as server:
            driver = browser(user_data)
            try:
                models_view(driver, server, args.screenshots)
                jobs_view(driver, server, args.screenshots)
                playground_view(driver, server, args.screenshots)
                step("every view fits a phone-width screen")
                check_phone_width(driver, server, [("#/", "[data-model]", "models"), ("#/jobs", "#job-form", "jobs"),
                                                   ("#/playground/fashion-mnist", "#pg-reconstruction", "playground")],
                                  args.screenshots)
                expect_no_console_errors(driver, "phone width")
            finally:
                driver.quit()
        keyed_server(args.aeserve, args.screenshots, user_data)
    finally:
        shutil.rmtree(user_data, ignore_errors=True)
    print(f"screenshots in {args.screenshots}; {time.monotonic() - started:.0f} s")
    print(f"{check.passed} passed, {len(check.failed)} failed")
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()
