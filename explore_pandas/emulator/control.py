"""The control and inspection API under ``/_emulator/`` (moto's ``/moto-api/``).

Tests and notebooks in other processes steer the emulator over HTTP with the
same operations as the Python object: reset, configure, inject faults, move
the clock, revoke tokens, register clients, and read the ground truth.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable
from zoneinfo import ZoneInfo

from explore_pandas.emulator import data
from explore_pandas.emulator.faults import Fault
from explore_pandas.emulator.rules import parse_instant
from explore_pandas.emulator.tokens import DEFAULT_SCOPES
from explore_pandas.emulator.wire import Request, Response, json_response

if TYPE_CHECKING:
    from explore_pandas.emulator.state import State

Handler = Callable[["State", Request], Any]


def index(state: State, request: Request) -> Any:
    return {"endpoints": sorted(f"{method} /_emulator/{name}" for method, name in ROUTES)}


def reset(state: State, request: Request) -> Any:
    state.reset()
    return {"reset": True}


def settings(state: State, request: Request) -> Any:
    if request.method == "POST":
        state.configure(**_body(request))
    return state.options.as_dict()


def faults(state: State, request: Request) -> Any:
    if request.method == "POST":
        body = _body(request)
        state.faults.add(Fault(kind=body.pop("fault", body.pop("kind", "")), **body))
    return {"pending": [vars(f) for f in state.faults.pending()], "fired": state.faults.fired}


def clock(state: State, request: Request) -> Any:
    if request.method == "POST":
        body = _body(request)
        if "advance" in body:
            state.clock.advance(float(body["advance"]))
        elif "set" in body:
            state.clock.set(datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00")))
        else:
            raise ValueError("send {'advance': seconds} or {'set': '2026-01-01T00:00:00Z'}")
    return {"now": state.clock.now().isoformat()}


def revoke_tokens(state: State, request: Request) -> Any:
    state.tokens.revoke_all()
    return {"revoked": True}


def clients(state: State, request: Request) -> Any:
    body = _body(request)
    scopes = body.get("scopes", list(DEFAULT_SCOPES))
    if not all(isinstance(body.get(key), str) and body[key] for key in ("client_id", "client_secret")):
        raise ValueError("send client_id and client_secret as non-empty strings")
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise ValueError("scopes must be a list of strings")
    scopes = tuple(scopes)
    state.tokens.add_client(body["client_id"], body["client_secret"], scopes)
    return {"client_id": body["client_id"], "scopes": list(scopes)}


def jobs(state: State, request: Request) -> Any:
    return {"jobs": [job.truth() for job in state.jobs.all()]}


def stats(state: State, request: Request) -> Any:
    return state.stats()


def truth(state: State, request: Request) -> Any:
    """Rows the emulator holds for a report over [from, to) (wall times in ``timezone``)."""
    query = request.query
    zone = ZoneInfo(query.get("timezone", "UTC"))
    start = parse_instant(query.get("from", ""), zone)
    end = parse_instant(query.get("to", ""), zone)
    if start is None or end is None or "report" not in query:
        raise ValueError("send report=, from= and to= (YYYY-MM-DDTHH:MM:SS[Z]) and optionally timezone=")
    rate = state.options.rates.get(query["report"])
    return {"rows": data.count_rows(query["report"], start, end, seed=state.seed, rate=rate,
                                    account_timezone=state.options.account_timezone)}


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", ""): index,
    ("POST", "reset"): reset,
    ("GET", "settings"): settings,
    ("POST", "settings"): settings,
    ("GET", "faults"): faults,
    ("POST", "faults"): faults,
    ("GET", "clock"): clock,
    ("POST", "clock"): clock,
    ("POST", "tokens/revoke"): revoke_tokens,
    ("POST", "clients"): clients,
    ("GET", "jobs"): jobs,
    ("GET", "stats"): stats,
    ("GET", "truth"): truth,
}


def handle(state: State, request: Request, name: str) -> Response:
    handler = ROUTES.get((request.method, name.strip("/")))
    if handler is None:
        return json_response(404, {"error": f"no control endpoint {request.method} /_emulator/{name}"})
    try:
        return json_response(200, handler(state, request))
    except (ValueError, TypeError, KeyError) as error:
        return json_response(400, {"error": str(error)})


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except json.JSONDecodeError as error:
        raise ValueError(f"the body must be JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body
