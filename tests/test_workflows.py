"""The GitHub Actions workflows cannot run here, so they are validated offline instead.

- Structure: check-jsonschema with its vendored copy of SchemaStore's GitHub-workflow schema (no network).
- Security: zizmor's offline audits (unpinned actions, persisted credentials, excessive permissions, ...).
- Then what each workflow must do: test.yml runs `make test` on every push and pull request with Python 3.11 and
  Chromium; pages.yml deploys `_build/html` from main only after test.yml has passed on the same commit, and its
  build job installs only the book's tools.  Also .ci/run: it installs Chromium only when missing, then runs
  `make test`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from course_paths import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ["test.yml", "pages.yml"]
BIN = Path(sys.executable).parent
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           *map(str, paths)], capture_output=True, text=True)


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "zizmor"), "--offline", "--no-progress", "--min-severity", "medium",
                           *map(str, paths)], capture_output=True, text=True)


def load(name: str) -> dict:
    text = (WORKFLOWS / name).read_text()
    assert "\t" not in text, f"{name}: tabs are not allowed in YAML indentation"
    data = yaml.safe_load(text)
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(wf: dict) -> dict:
    on = wf["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return on


def steps_text(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in job["steps"] if "uses" in step]


def test_workflows_match_the_github_workflow_schema():
    result = check_jsonschema(*(WORKFLOWS / n for n in NAMES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_pass_zizmor_offline_audits():
    result = zizmor(*(WORKFLOWS / n for n in NAMES))
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


BROKEN = {
    "schema": "name: x\non: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: make test\n",
    "audit": ("name: x\non: [push]\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
              "      - uses: actions/checkout@v4\n"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_the_validators_reject_a_broken_workflow(tmp_path, kind):
    path = tmp_path / "broken.yml"
    path.write_text(BROKEN[kind])
    result = check_jsonschema(path) if kind == "schema" else zizmor(path)
    assert result.returncode != 0, f"the {kind} validator accepted a broken workflow"


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_by_commit_sha_with_its_tag(name):
    text = (WORKFLOWS / name).read_text()
    for line in text.splitlines():
        m = re.match(r"\s*(?:-\s*)?uses:\s*(\S+)(.*)$", line)
        if not m or m.group(1).startswith("./"):
            continue
        assert SHA_PIN.match(m.group(1)), f"{name}: not pinned by SHA: {line.strip()}"
        assert re.search(r"#\s*v\d", m.group(2)), f"{name}: say which tag the SHA is: {line.strip()}"


@pytest.mark.parametrize("name", NAMES)
def test_checkouts_do_not_persist_credentials_and_jobs_have_least_privilege(name):
    wf = load(name)
    assert wf.get("permissions") in ({}, {"contents": "read"}), f"{name}: workflow-level permissions too broad"
    for job_id, job in wf["jobs"].items():
        assert "permissions" in job, f"{name}/{job_id}: set the job's permissions explicitly"
        if set(job["permissions"]) & {"pages", "id-token"}:
            assert job_id == "deploy", f"{name}/{job_id}: only the deploy job may write Pages"
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{name}/{job_id}"


def test_test_workflow_runs_make_test_on_push_and_pull_request():
    wf = load("test.yml")
    assert {"push", "pull_request"} <= set(triggers(wf))
    assert triggers(wf)["push"] is None or "branches" not in triggers(wf)["push"], "test every branch"
    (job,) = wf["jobs"].values()
    run = steps_text(job)
    assert re.search(r"^make test$", run, re.M), "the test workflow must run `make test` (one definition of test)"
    assert any(u.startswith("actions/checkout@") for u in uses(job))
    python = str(job.get("container", "")) + str([s.get("with", {}) for s in job["steps"]])
    assert "3.11" in python, "the test job must use Python 3.11"
    assert "chromium" in run or "browser_check.py --install" in run, "the browser check needs Chromium installed"
    assert run.index("--install") < run.index("make test"), "install Chromium before `make test`"


def test_pages_deploys_from_main_only_after_the_tests_pass():
    wf = load("pages.yml")
    on = triggers(wf)
    assert set(on) <= {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"], "publish from main only"
    assert "workflow_call" in triggers(load("test.yml")), "test.yml must be callable from pages.yml"
    assert wf.get("concurrency", {}).get("group")
    test, build, deploy = wf["jobs"]["test"], wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert test["uses"] == "./.github/workflows/test.yml", "run the same test workflow on the same commit"
    assert build["needs"] in ("test", ["test"]), "build the site only after the tests pass"
    assert deploy["needs"] in ("build", ["build"])
    run = steps_text(build)
    assert "make book" not in run, "the Pages build installs only the book's tools, not the whole test stack"
    assert re.search(r"pip install -r requirements-book.txt -c constraints.txt$", run, re.M)
    book_command = re.search(r"jupyter-book build (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert f"jupyter-book build {book_command}" in run, "build exactly as `make book` does"
    setup = [s for s in build["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup and setup[0]["with"]["python-version"] == "3.11" and setup[0]["with"]["cache"] == "pip"
    upload = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert deploy["environment"]["name"] == "github-pages"
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    assert any(u.startswith("actions/deploy-pages@") for u in uses(deploy))


def test_book_requirements_are_part_of_the_full_requirements():
    assert "-r requirements-book.txt" in (ROOT / "requirements.txt").read_text().splitlines()


def test_ci_run_installs_chromium_when_missing_then_runs_make_test():
    text = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert "set -euo pipefail" in lines
    assert any("command -v chromium" in line for line in lines), "install only when chromium is missing"
    install = next(i for i, line in enumerate(lines) if "--install-only" in line or "apt-get install" in line)
    assert lines[-1] == "make test" and install < len(lines) - 1
