"""Issue 3's hard paths against the emulator: tokens expiring mid-wait and
mid-download, 429 storms, 503s, dropped connections, lost create answers,
expired storage signatures, truncated downloads, no Authorization to storage.

Observation uses requests' own response hooks on the client's session; nothing
is mocked.
"""

from __future__ import annotations

import csv
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

from explore_pandas.api.client import Client
from explore_pandas.api.models import JobStatus
from explore_pandas.api.polling import PollPolicy
from explore_pandas.emulator import Emulator
from explore_pandas.exceptions import AuthenticationError, RateLimitError, TransportError


def watch(client: Client) -> list[requests.Response]:
    """Every response the client's session receives, in order."""
    seen: list[requests.Response] = []
    client._transport.session.hooks["response"].append(lambda r, *a, **k: seen.append(r))
    return seen


def on_first(client: Client, predicate: Any, action: Any) -> None:
    """Run ``action`` once, when the first response matching ``predicate`` arrives."""
    fired: list[bool] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if not fired and predicate(response):
            fired.append(True)
            action()

    client._transport.session.hooks["response"].append(hook)


def is_files_redirect(r: requests.Response) -> bool:
    return "/files/" in r.url and r.status_code in (300, 302, 303)


def statuses(seen: list[requests.Response], part: str) -> list[int]:
    return [r.status_code for r in seen if part in r.url]


def csv_rows(path: Path) -> int:
    with path.open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.fixture
def real_clock_client(emu: Emulator, pauses: Any) -> Any:
    """A client whose clock is the real one while the emulator's runs ahead:
    its tokens expire server-side while it still believes them fresh (the 401 path)."""
    with Client(**emu.credentials, sleep=pauses, timeout=(5, 10)) as c:
        yield c


# -- tokens ----------------------------------------------------------------------------------


def test_token_renewed_before_it_expires_during_a_long_wait(emu: Emulator, client: Client, window: Any) -> None:
    emu.configure(progression={"seconds": 2000})
    seen = watch(client)
    job = client.wait(client.create_job("calls", **window()), PollPolicy(initial=30, maximum=60, timeout=3000))
    assert job.status is JobStatus.DONE
    assert emu.stats()["tokens_issued"] >= 4  # 2000 s of 600 s tokens, renewed 60 s early
    assert 401 not in [r.status_code for r in seen]  # renewed in time, never refused


def test_token_expiring_mid_wait_is_renewed_once_on_401(emu: Emulator, real_clock_client: Client, window: Any) -> None:
    emu.configure(progression={"seconds": 1500})
    seen = watch(real_clock_client)
    job = real_clock_client.wait(
        real_clock_client.create_job("calls", **window()), PollPolicy(initial=100, maximum=200, timeout=None)
    )
    assert job.status is JobStatus.DONE
    polls = statuses(seen, "/jobs/")
    assert polls.count(401) >= 2 and emu.stats()["tokens_issued"] == polls.count(401) + 1
    # every 401 was followed by a successful retry with a new token
    assert all(nxt != 401 for cur, nxt in zip(polls, polls[1:]) if cur == 401)


def test_revoked_tokens_are_replaced(emu: Emulator, client: Client, window: Any) -> None:
    job = client.create_job("calls", **window())
    emu.revoke_tokens()
    assert client.wait(job).status is JobStatus.DONE
    assert emu.stats()["tokens_issued"] == 2


def test_a_401_that_persists_after_renewal_is_raised(emu: Emulator, client: Client, window: Any) -> None:
    job = client.create_job("calls", **window())
    emu.inject("status", status=401, endpoint="status", count=2)
    with pytest.raises(AuthenticationError) as info:
        client.get_job(job)
    assert info.value.status == 401 and emu.stats()["tokens_issued"] == 2


def test_token_expiring_mid_download(emu: Emulator, real_clock_client: Client, window: Any, tmp_path: Path) -> None:
    client = real_clock_client
    job = client.wait(client.create_job("calls", **window()))
    seen = watch(client)
    # right after the files endpoint hands out a storage URL, 700 s pass: the URL
    # (300 s) and the token (600 s) both expire before the bytes are fetched
    on_first(client, is_files_redirect, lambda: emu.clock.advance(700))
    path = client.download(job, tmp_path / "calls.csv")
    assert statuses(seen, "/_storage/") == [403, 200]
    assert 401 in statuses(seen, "/files/") and emu.stats()["tokens_issued"] == 2
    assert csv_rows(path) == emu.jobs()[0]["rows"]


def test_fifteen_threads_share_one_token_request(emu: Emulator, client: Client, window: Any) -> None:
    job = client.create_job("calls", **window())
    fresh = Client(**emu.credentials)
    barrier = threading.Barrier(15)
    results: list[str] = []

    def poll() -> None:
        barrier.wait()
        results.append(fresh.get_job(job).id)

    threads = [threading.Thread(target=poll) for _ in range(15)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fresh.close()
    assert results == [job.id] * 15
    assert emu.stats()["tokens_issued"] == 2  # one for `client`, one for the 15 threads


# -- 429 and 503 -----------------------------------------------------------------------------


def test_a_429_storm_is_ridden_out_with_backoff_and_retry_after(emu: Emulator, client: Client, pauses: Any, window: Any) -> None:
    emu.inject("status", status=429, endpoint="create", count=4, retry_after=3)
    job = client.create_job("calls", **window())
    assert emu.stats()["jobs_created"] == 1 and [j["id"] for j in emu.jobs()] == [job.id]
    assert len(pauses) == 4 and all(p >= 3 for p in pauses)


def test_a_429_storm_longer_than_the_retries_raises(emu: Emulator, client: Client, pauses: Any, window: Any) -> None:
    emu.inject("status", status=429, endpoint="create", count=50)
    with pytest.raises(RateLimitError) as info:
        client.create_job("calls", **window())
    assert info.value.status == 429 and info.value.request_id
    assert emu.stats()["jobs_created"] == 0 and len(pauses) == 5
    # capped (8 s) and jittered exponential backoff
    assert all(p <= 8 for p in pauses) and pauses[-1] > pauses[0]


def test_the_account_quota_429_waits_for_slots(emu: Emulator, client: Client, pauses: Any, window: Any) -> None:
    emu.configure(progression={"seconds": 5}, quota=3)
    jobs = [client.create_job("calls", **window()) for _ in range(5)]
    assert len({j.id for j in jobs}) == 5 and emu.stats()["max_running"] <= 3
    assert pauses  # the 4th create had to back off until slots freed


@pytest.mark.parametrize("endpoint", ["token", "create", "status", "files", "storage"])
def test_503s_are_retried_everywhere(emu: Emulator, client: Client, endpoint: str, window: Any, tmp_path: Path) -> None:
    emu.inject("status", status=503, endpoint=endpoint, count=2)
    job = client.wait(client.create_job("calls", **window()))
    assert client.download(job, tmp_path / "x.csv").stat().st_size > 0
    assert emu.stats()["jobs_created"] == 1 and emu.stats()["faults_fired"] == {"status": 2}


# -- dropped connections and lost answers ----------------------------------------------------


@pytest.mark.parametrize("endpoint", ["token", "status", "files", "storage", "list"])
def test_dropped_connections_are_retried(emu: Emulator, client: Client, endpoint: str, window: Any, tmp_path: Path) -> None:
    emu.inject("drop", endpoint=endpoint, count=2)
    job = client.wait(client.create_job("calls", **window()))
    client.download(job, tmp_path / "x.csv")
    assert [j.id for j in client.list_jobs("calls")] == [job.id]
    assert emu.stats()["faults_fired"] == {"drop": 2}


def test_create_dropped_before_handling_is_sent_again_once(emu: Emulator, client: Client, window: Any) -> None:
    emu.inject("drop", endpoint="create")
    job = client.create_job("calls", **window())
    assert [j["id"] for j in emu.jobs()] == [job.id]
    assert emu.stats()["requests"]["create"] == 2 and emu.stats()["requests"]["list"] == 1


@pytest.mark.parametrize("name", [None, "my report"])
def test_create_dropped_after_handling_finds_the_job_instead_of_duplicating(
    emu: Emulator, client: Client, window: Any, name: str | None
) -> None:
    if name:  # an older job of the same name but another window must not match
        client.create_job("calls", **window(3, ago=5), name=name)
    emu.inject("drop_after", endpoint="create")
    job = client.create_job("calls", **window(), name=name)
    created = emu.jobs()
    assert len(created) == (2 if name else 1) and created[-1]["id"] == job.id
    assert emu.stats()["requests"]["create"] == (2 if name else 1)


def test_create_never_answered_gives_up_without_duplicates(emu: Emulator, client: Client, window: Any) -> None:
    emu.inject("drop", endpoint="create", count=10)
    with pytest.raises(TransportError) as info:
        client.create_job("calls", **window())
    assert info.value.request_sent is True and emu.stats()["jobs_created"] == 0


def test_without_a_job_list_a_lost_create_is_not_resent(emu: Emulator, client: Client, window: Any) -> None:
    emu.inject("drop_after", endpoint="create")
    emu.inject("status", status=404, endpoint="list")  # the list is unofficial: may 404 in production
    with pytest.raises(TransportError, match="not re-sending"):
        client.create_job("calls", **window())
    assert emu.stats()["jobs_created"] == 1


def test_a_slow_answer_times_out_and_is_retried(emu: Emulator, window: Any) -> None:
    with Client(**emu.credentials, timeout=(2, 0.3), sleep=lambda s: None) as quick:
        job = quick.create_job("calls", **window())
        emu.inject("slow", endpoint="status", delay=1.0)
        assert quick.get_job(job).id == job.id
    assert emu.stats()["requests"]["status"] == 2


# -- storage ---------------------------------------------------------------------------------


def test_expired_storage_signature_gets_a_fresh_url(emu: Emulator, client: Client, window: Any, tmp_path: Path) -> None:
    job = client.wait(client.create_job("calls", **window()))
    seen = watch(client)
    on_first(client, is_files_redirect, lambda: emu.clock.advance(emu.options.storage_ttl + 1))
    path = client.download(job, tmp_path / "calls.csv")
    assert statuses(seen, "/_storage/") == [403, 200] and statuses(seen, "/files/") == [302, 302]
    assert csv_rows(path) == emu.jobs()[0]["rows"]


def test_a_truncated_download_is_retried_never_returned(emu: Emulator, client: Client, window: Any, tmp_path: Path) -> None:
    job = client.wait(client.create_job("calls", **window()))
    emu.inject("truncate", endpoint="storage")
    path = client.download(job, tmp_path / "calls.csv")
    assert csv_rows(path) == emu.jobs()[0]["rows"] and emu.stats()["requests"]["storage"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv"]


def test_a_download_that_keeps_failing_leaves_no_file(emu: Emulator, client: Client, window: Any, tmp_path: Path) -> None:
    job = client.wait(client.create_job("calls", **window()))
    emu.inject("truncate", endpoint="storage", count=10)
    with pytest.raises(TransportError, match="broke off|truncated"):
        client.download(job, tmp_path / "calls.csv")
    assert list(tmp_path.iterdir()) == []


def test_no_authorization_header_ever_reaches_storage(emu: Emulator, client: Client, window: Any, tmp_path: Path) -> None:
    seen = watch(client)
    client._transport.session.headers["Authorization"] = "Bearer set-by-someone-else"
    job = client.wait(client.create_job("calls", **window()))
    emu.inject("truncate", endpoint="storage")
    client.download(job, tmp_path / "a.csv")
    client.download(job, tmp_path / "b.csv")
    storage = [r for r in seen if "/_storage/" in r.url]
    assert len(storage) == 3 and all("Authorization" not in r.request.headers for r in storage)
    api = [r for r in seen if "/data/reports/" in r.url]
    assert all(r.request.headers["Authorization"].startswith("Bearer ey") for r in api)
    assert emu.stats()["storage_requests_with_authorization"] == 0


def test_a_lost_create_with_a_reused_name_ignores_older_identical_jobs(emu: Emulator, client: Client, window: Any) -> None:
    span = window(2, ago=3)
    emu.clock.advance(-3600)  # an identical request (same name and window) made an hour ago
    old = client.create_job("calls", **span, name="daily")
    emu.clock.advance(3600)
    emu.inject("drop", endpoint="create")  # this time the answer is lost before handling
    new = client.create_job("calls", **span, name="daily")
    assert new.id != old.id and [j["id"] for j in emu.jobs()] == [old.id, new.id]


def test_links_to_other_hosts_never_get_the_token(emu: Emulator, client: Client, window: Any, tmp_path: Path) -> None:
    import dataclasses

    job = client.wait(client.create_job("calls", **window()))
    forged = dataclasses.replace(
        job,
        self_url="http://api-docs.talkdesk.org/data/reports/calls/jobs/x",
        files_url="https://s3.amazonaws.com/td-sandbox-public-api-mock/calls.json",
    )
    # the loopback guard of conftest fails the test if either host is contacted
    assert client.get_job(forged).status is JobStatus.DONE
    assert client.download(forged, tmp_path / "x.csv").stat().st_size > 0
