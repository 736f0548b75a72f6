"""A guided walk through one report job on the emulator, with plain HTTP.

``explore-pandas emulator --tour`` runs it: each step prints the request and
what the API answered, so a newcomer sees the whole asynchronous flow (token,
create, poll, redirect to the files URL, redirect to signed storage, download)
before any client code hides it.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Callable

import requests

from explore_pandas.emulator import Emulator

Print = Callable[[str], None]


def tour(emu: Emulator, out: Print = print) -> int:
    """Walk one calls report job through its life; return the rows downloaded."""
    with requests.Session() as http:
        token = _token(emu, http, out)
        api = {"Authorization": f"Bearer {token}"}
        end = emu.clock.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        start = end - timedelta(days=1)
        body = {
            "name": "tour",
            "timezone": "UTC",
            "format": "json",
            "timespan": {"from": start.strftime("%Y-%m-%dT%H:%M:%S"), "to": end.strftime("%Y-%m-%dT%H:%M:%S")},
        }
        url = f"{emu.base_url}/data/reports/calls/jobs"
        answer = http.post(url, json=body, headers=api)
        job = answer.json()["job"]
        out(f"2. POST {url}\n   {json.dumps(body)}\n   -> {answer.status_code}, job {job['id']} is {job['status']}")
        files_url = _poll(emu, http, api, answer.json()["_links"]["self"]["href"], out)
        answer = http.get(files_url, headers=api, allow_redirects=False)
        storage_url = answer.headers["Location"]
        out(f"4. GET {files_url}\n   -> {answer.status_code}, Location: {storage_url.split('?')[0]}?X-Amz-...")
        with_token = http.get(storage_url, headers=api)
        out(f"5. GET the signed storage URL with the bearer token -> {with_token.status_code} (storage refuses it)")
        download = http.get(storage_url)
        report = json.load(io.BytesIO(download.content))
        rows = len(report["entries"])
        out(f"6. GET the signed storage URL without it -> {download.status_code}, "
            f"{len(download.content):,} bytes, {rows:,} rows (total {report['total']:,})")
        first = report["entries"][0] if rows else {}
        out("   first row: " + json.dumps({k: first[k] for k in list(first)[:6]}))
        return rows


def _token(emu: Emulator, http: requests.Session, out: Print) -> str:
    answer = http.post(
        emu.token_url,
        auth=(emu.client_id, emu.client_secret),
        data={"grant_type": "client_credentials", "scope": "data-reports:read data-reports:write"},
    )
    body = answer.json()
    out(f"1. POST {emu.token_url} (client credentials, HTTP Basic)\n"
        f"   -> {answer.status_code}, a Bearer token for {body['expires_in']} s, scope {body['scope']!r}")
    return str(body["access_token"])


def _poll(emu: Emulator, http: requests.Session, api: dict[str, str], job_url: str, out: Print) -> str:
    import time

    seen: list[str] = []
    for attempt in range(1, 200):
        answer = http.get(job_url, headers=api, allow_redirects=False)
        status = answer.json()["job"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if answer.is_redirect:
            out(f"3. GET {job_url} every 0.25 s: {' -> '.join(seen)}\n"
                f"   poll {attempt} -> {answer.status_code}, Location: {answer.headers['Location']}")
            return requests.compat.urljoin(job_url, answer.headers["Location"])
        time.sleep(0.25)
    raise RuntimeError("the tour's job did not finish; is the emulator's progression 'immediate' or timed?")
