"""Issue 3 against the emulator: jobs, polling, download, every response variant."""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path

import pytest

import explore_pandas as xp
from explore_pandas.api.client import Client
from explore_pandas.api.models import JobStatus
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import (
    AuthenticationError,
    ForbiddenError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    ValidationError,
)


def test_full_cycle_create_wait_download(window, emu: Emulator, client: Client, tmp_path: Path) -> None:
    job = client.create_job("Calls Report", **window(), tz="Europe/Lisbon", name="q3")
    assert job.status is JobStatus.CREATED and job.report == "calls" and job.name == "q3"
    (truth,) = emu.jobs()
    assert truth["id"] == job.id and truth["request"]["timezone"] == "Europe/Lisbon"
    done = client.wait(job, PollPolicy(initial=0.5, timeout=60))
    assert done.status is JobStatus.DONE and done.files_url.endswith(f"/files/{job.id}")
    path = client.download(done, tmp_path / "calls.csv")
    assert path == tmp_path / "calls.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    (truth,) = emu.jobs()
    assert rows[0][0] == "Call Id" and len(rows) == truth["rows"] + 1
    assert [p.name for p in tmp_path.iterdir()] == ["calls.csv"]  # no partial files left


@pytest.mark.parametrize(("fmt", "suffix"), [("csv", ".csv"), ("json", ".json"), ("json_bulk", ".jsonl")])
def test_download_to_a_temporary_file_per_format(window, client: Client, fmt: str, suffix: str) -> None:
    job = client.wait(client.create_job("user_status", **window(), format=fmt))
    path = client.download(job)
    try:
        assert path.suffix == suffix and path.stat().st_size > 0
        if fmt == "json":
            assert "entries" in json.loads(path.read_text())
    finally:
        path.unlink()


def test_download_into_a_directory_and_by_id(window, client: Client, tmp_path: Path) -> None:
    job = client.wait(client.create_job("contacts", **window(), format="json"))
    path = client.download(job.id, tmp_path, report="contacts")
    assert path.parent == tmp_path and path.name == f"contacts-{job.id}.json"


VARIANTS = [
    {"job_redirect_status": s, "location": loc, "files_redirect_status": f, "envelope": env}
    for s in (300, 302, 303)
    for loc in ("relative", "absolute")
    for f in (302, 303)
    for env in ("enveloped", "flat")
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_every_response_variant(window, emu: Emulator, client: Client, variant: dict, tmp_path: Path) -> None:
    emu.configure(**variant)
    job = client.create_job("calls", **window(2))
    assert job.status is JobStatus.CREATED and job.timespan_from is not None
    done = client.wait(job)
    assert done.status is JobStatus.DONE and done.id == job.id
    path = client.download(done, tmp_path / "f.csv")
    assert path.read_text().startswith("Call Id,")


def test_validation_happens_before_any_request(window, emu: Emulator, client: Client) -> None:
    for bad in (
        {"start": "2026-01-01", "end": "2099-01-01"},
        {"start": "2026-01-01", "end": "2026-03-01"},
        {"start": "2026-01-02", "end": "2026-01-01"},
    ):
        with pytest.raises(ValidationError) as info:
            client.create_job("calls", **bad)
        assert info.value.fields[0]["name"] == "timespan.to"
    with pytest.raises(ValidationError):
        client.create_job("calls", **window(), tz="Mars/Olympus")
    assert emu.stats()["requests"] == {}


def test_job_failed_canceled_and_timeout(window, emu: Emulator, client: Client) -> None:
    emu.configure(fail_at="processing")
    with pytest.raises(JobFailedError) as failed:
        client.wait(client.create_job("calls", **window()))
    assert failed.value.job.status is JobStatus.FAILED

    emu.configure(fail_at=None, progression={"seconds": 10_000})
    slow = client.create_job("calls", **window())
    with pytest.raises(JobTimeoutError) as timed_out:
        client.wait(slow, PollPolicy(initial=5, maximum=20, timeout=60))
    message = str(timed_out.value)
    assert slow.id in message and f"client.get_job({slow.id!r}, report='calls')" in message
    # resume later, as the message says
    emu.clock.advance(10_000)
    assert client.wait(client.get_job(slow.id, report="calls")).status is JobStatus.DONE

    running = client.create_job("calls", **window())
    assert client.cancel(running).status is JobStatus.CANCELED
    with pytest.raises(JobFailedError):
        client.wait(running)
    with pytest.raises(ForbiddenError, match="cannot be canceled"):
        client.cancel(slow)


def test_errors_carry_status_and_platform_tid(client: Client) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get_job("0000-nope", report="calls")
    assert info.value.status == 404 and info.value.request_id
    assert "platform-tid" in str(info.value)
    with pytest.raises(JobError, match="report="):
        client.get_job("0000-nope")


def test_download_before_done_says_wait(window, emu: Emulator, client: Client) -> None:
    emu.configure(progression={"seconds": 10_000})
    job = client.create_job("calls", **window())
    with pytest.raises(JobError, match="wait"):
        client.download(job)


def test_list_jobs_is_newest_first(window, client: Client) -> None:
    names = [client.create_job("calls", **window(), name=f"n{i}").name for i in range(3)]
    listed = [job.name for job in client.list_jobs("calls")]
    assert listed == names[::-1]


def test_connect_sets_the_kernel_default(window, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    import explore_pandas.api.client as client_module

    monkeypatch.setattr(client_module, "_default", None)  # restored after the test
    client = xp.connect(**emu.credentials)
    assert xp.get_client() is client and isinstance(client, xp.Client)
    assert emu.client_secret not in repr(client)
    for key, value in {
        "EXPLORE_BASE_URL": emu.base_url,
        "EXPLORE_TOKEN_URL": emu.token_url,
        "EXPLORE_CLIENT_ID": emu.client_id,
        "EXPLORE_CLIENT_SECRET": emu.client_secret,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("EXPLORE_ACCOUNT", raising=False)
    monkeypatch.delenv("EXPLORE_REGION", raising=False)
    from_env = xp.connect()
    assert xp.get_client() is from_env and from_env is not client
    job = from_env.create_job("calls", **window())
    assert from_env.get_job(job).id == job.id
    from_env.close()


def test_no_secret_or_token_in_debug_logs(window, emu: Emulator, client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        job = client.wait(client.create_job("calls", **window()))
        client.download(job).unlink()
    token = client._tokens.get()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in text and emu.client_secret not in text


def test_wrong_secret_is_an_authentication_error(window, emu: Emulator) -> None:
    creds = emu.credentials | {"client_secret": "Zq-not-the-secret-91"}
    with Client(**creds) as bad, pytest.raises(AuthenticationError) as info:
        bad.create_job("calls", **window())
    assert info.value.status == 401 and "Zq-not-the-secret-91" not in str(info.value)


def test_missing_scope_is_reported(window, emu: Emulator) -> None:
    emu.add_client("reader", "reader-secret", scopes=("data-reports:read",))
    creds = emu.credentials | {"client_id": "reader", "client_secret": "reader-secret"}
    with Client(**creds) as reader, pytest.raises(AuthenticationError, match="data-reports:write"):
        reader.create_job("calls", **window())
    assert emu.stats()["jobs_created"] == 0


def test_tls_with_the_emulator_certificate(window, tmp_path: Path) -> None:
    with Emulator(tls=True, progression="immediate") as secure:
        assert secure.base_url.startswith("https://")
        with Client(**secure.credentials, verify=secure.ca_file) as c:
            job = c.wait(c.create_job("calls", **window()))
            assert c.download(job, tmp_path / "x.csv").stat().st_size > 0
        from explore_pandas.exceptions import TransportError

        with Client(**secure.credentials) as untrusting, pytest.raises(TransportError, match="TLS"):
            untrusting.create_job("calls", **window())


def test_environment_is_not_changed_for_plain_http(window, client: Client) -> None:
    client.create_job("calls", **window())
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
