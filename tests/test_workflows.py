"""The GitHub Actions workflows cannot run here, so their structure is checked instead.

A schema-style check of the parts of the workflow syntax the two files use (top-level keys, triggers, jobs,
steps, permissions), then what each workflow must do: test.yml runs `make test` on every push and pull request
with Python 3.11 and Chromium; pages.yml runs `make book` and deploys `_build/html` to GitHub Pages from main.
Also .ci/run: it installs Chromium only when missing, then runs `make test`.
"""

from __future__ import annotations

import re

import pytest
import yaml
from course_paths import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
TOP_KEYS = {"name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"}
JOB_KEYS = {"name", "needs", "if", "runs-on", "environment", "permissions", "concurrency", "outputs", "env",
            "defaults", "steps", "timeout-minutes", "strategy", "continue-on-error", "container", "services"}
STEP_KEYS = {"id", "if", "name", "uses", "run", "with", "env", "continue-on-error", "timeout-minutes",
             "working-directory", "shell"}
EVENTS = {"push", "pull_request", "workflow_dispatch", "schedule", "release", "workflow_call", "pull_request_target"}
PERMISSION_SCOPES = {"actions", "attestations", "checks", "contents", "deployments", "id-token", "issues",
                     "discussions", "packages", "pages", "pull-requests", "repository-projects",
                     "security-events", "statuses"}


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


@pytest.mark.parametrize("name", ["test.yml", "pages.yml"])
def test_workflow_structure(name):
    wf = load(name)
    assert set(wf) <= TOP_KEYS, f"{name}: unknown top-level keys {set(wf) - TOP_KEYS}"
    assert {"name", "on", "jobs"} <= set(wf), f"{name}: needs name, on and jobs"
    assert set(triggers(wf)) <= EVENTS, f"{name}: unknown events {set(triggers(wf)) - EVENTS}"
    permissions = wf.get("permissions", {})
    assert set(permissions) <= PERMISSION_SCOPES, f"{name}: unknown permission scopes"
    assert set(permissions.values()) <= {"read", "write", "none"}
    assert wf["jobs"], f"{name}: no jobs"
    for job_id, job in wf["jobs"].items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", job_id), f"{name}: bad job id {job_id!r}"
        assert set(job) <= JOB_KEYS, f"{name}/{job_id}: unknown keys {set(job) - JOB_KEYS}"
        assert "runs-on" in job, f"{name}/{job_id}: no runs-on"
        assert isinstance(job.get("steps"), list) and job["steps"], f"{name}/{job_id}: no steps"
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            assert need in wf["jobs"], f"{name}/{job_id}: needs unknown job {need!r}"
        ids = [s["id"] for s in job["steps"] if "id" in s]
        assert len(ids) == len(set(ids)), f"{name}/{job_id}: duplicate step ids"
        for step in job["steps"]:
            assert set(step) <= STEP_KEYS, f"{name}/{job_id}: unknown step keys {set(step) - STEP_KEYS}"
            assert ("uses" in step) != ("run" in step), f"{name}/{job_id}: a step needs exactly one of uses/run"
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), f"unpinned action {step['uses']}"
            if "with" in step:
                assert "uses" in step, f"{name}/{job_id}: `with` only applies to an action"
        # every ${{ steps.X... }} refers to a step id of this job
        for ref in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", yaml.safe_dump(job)):
            assert ref in ids, f"{name}/{job_id}: refers to unknown step id {ref!r}"


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


def test_pages_workflow_builds_with_make_book_and_deploys_from_main():
    wf = load("pages.yml")
    on = triggers(wf)
    assert set(on) <= {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"], "publish from main only"
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf.get("concurrency", {}).get("group")
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert re.search(r"^make book$", steps_text(build), re.M), "build the site with `make book`"
    upload = [s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert any(s.get("with", {}).get("python-version") == "3.11" for s in build["steps"])
    assert deploy["needs"] in ("build", ["build"])
    assert deploy["environment"]["name"] == "github-pages"
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    assert any(u.startswith("actions/deploy-pages@") for u in uses(deploy))


def test_ci_run_installs_chromium_when_missing_then_runs_make_test():
    text = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert "set -euo pipefail" in lines
    assert any("command -v chromium" in line for line in lines), "install only when chromium is missing"
    install = next(i for i, line in enumerate(lines) if "--install-only" in line or "apt-get install" in line)
    assert lines[-1] == "make test" and install < len(lines) - 1
