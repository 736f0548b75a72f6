"""The Explore API endpoints and the token endpoint: HTTP in, model calls, wire shapes out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from explore_pandas.emulator import catalog
from explore_pandas.emulator.errors import ApiFailure
from explore_pandas.emulator.jobs import FILE_SUFFIX, Job
from explore_pandas.emulator.rules import parse_create
from explore_pandas.emulator.storage import CONTENT_TYPES, StorageRefusal
from explore_pandas.emulator.tokens import READ, WRITE
from explore_pandas.emulator.wire import Request, Response, json_response

if TYPE_CHECKING:
    from explore_pandas.emulator.state import State

DEFAULT_PER_PAGE = 20  # the list extension is unofficial; its paging is invented (section 11.9)
MAX_PER_PAGE = 100


def token(state: State, request: Request) -> Response:
    body = state.tokens.issue(request.headers.get("Authorization"), request.form(), state.options.token_ttl)
    return json_response(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def create_job(state: State, request: Request, slug: str) -> Response:
    spec = _authorized(state, request, slug, WRITE)
    create = parse_create(request.body, display_name=spec.display_name, now=state.clock.now())
    job = state.jobs.create(slug, create)
    return json_response(202, envelope(state, job))


def get_job(state: State, request: Request, slug: str, job_id: str) -> Response:
    _authorized(state, request, slug, READ)
    job = state.jobs.get(slug, job_id, poll=True)
    if job.status != "done":
        return json_response(200, envelope(state, job))
    files = f"/data/reports/{slug}/files/{job.id}"
    location = files if state.options.location == "relative" else state.base_url + files
    return json_response(state.options.job_redirect_status, envelope(state, job), {"Location": location})


def get_files(state: State, request: Request, slug: str, job_id: str) -> Response:
    _authorized(state, request, slug, READ)
    job = state.jobs.get(slug, job_id)
    if job.status in ("created", "processing", "uploading"):
        return json_response(200, envelope(state, job))  # not ready: the job, as the reference shows
    if job.status != "done":
        raise ApiFailure(404, "not_found", f"the job is {job.status}: it has no report file")
    name = f"{job.id}.{FILE_SUFFIX[job.request.format]}"
    url = state.signer.url(state.storage_url or state.base_url, name, now=state.clock.now(), ttl=state.options.storage_ttl)
    return json_response(state.options.files_redirect_status, envelope(state, job), {"Location": url})


def list_jobs(state: State, request: Request, slug: str) -> Response:
    """Unofficial extension: the legacy API's job history, in Talkdesk's HAL list shape."""
    _authorized(state, request, slug, READ)
    page = _positive(request.query, "page", 1, None)
    per_page = _positive(request.query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    jobs = state.jobs.listing(slug)
    total_pages = max(1, -(-len(jobs) // per_page))
    chunk = jobs[(page - 1) * per_page: page * per_page]
    href = f"{state.base_url}/data/reports/{slug}/jobs?page=%d&per_page={per_page}"
    links: dict[str, Any] = {
        "self": {"href": href % page},
        "first": {"href": href % 1},
        "last": {"href": href % total_pages},
    }
    if page > 1:
        links["prev"] = {"href": href % (page - 1)}
    if page < total_pages:
        links["next"] = {"href": href % (page + 1)}
    body = {
        "_embedded": {"jobs": [job_body(state, job) for job in chunk]},
        "total": len(jobs), "page": page, "per_page": per_page,
        "count": len(chunk), "total_pages": total_pages, "_links": links,
    }
    return json_response(200, body)


def cancel_job(state: State, request: Request, slug: str, job_id: str) -> Response:
    _authorized(state, request, slug, WRITE)
    state.jobs.cancel(slug, job_id)
    return Response(204)


def delete_file(state: State, request: Request, slug: str, job_id: str) -> Response:
    _authorized(state, request, slug, WRITE)
    state.jobs.delete_file(slug, job_id)
    return Response(204)


def storage(state: State, request: Request, object_name: str) -> Response:
    """The signed download: no Authorization header allowed, signature and expiry checked."""
    state.signer.check(
        object_name, request.query, authorization=request.headers.get("Authorization"),
        now=state.clock.now(),
    )
    job = state.jobs.lookup(object_name.split(".", 1)[0])
    if job is None or job.status != "done":  # deleted (or expired after 30 days): the object is gone
        raise StorageRefusal(404, "NoSuchKey", "The specified key does not exist.")
    path = state.jobs.file_for(job)
    suffix = path.suffix.lstrip(".")
    return Response(200, headers={"Content-Type": CONTENT_TYPES[suffix]}, file=path)


def envelope(state: State, job: Job) -> dict[str, Any]:
    """``{"job": ..., "_links": ...}``, or the flat variant of the reference's 202 schema."""
    return job_body(state, job, flat=state.options.envelope == "flat")


def job_body(state: State, job: Job, *, flat: bool = False) -> dict[str, Any]:
    base = f"{state.base_url}/data/reports/{job.slug}"
    links = {
        "self": {"href": f"{base}/jobs/{job.id}"},
        "files": {"href": f"{base}/files/{job.id}"},
    }
    if flat:
        return {**job.describe(), "_links": links}
    return {"job": job.describe(), "_links": links}


def _authorized(state: State, request: Request, slug: str, scope: str) -> catalog.ReportSpec:
    """401 before 404 before 403, as an API gateway checks the token first."""
    state.tokens.verify(request.headers.get("Authorization"), scope=None)
    spec = catalog.REPORTS.get(slug)
    if spec is None:
        raise ApiFailure(404, "not_found", f"unknown report type {slug!r}", message="Not found")
    state.tokens.verify(request.headers.get("Authorization"), scope=scope)
    return spec


def _positive(query: dict[str, str], name: str, default: int, maximum: int | None) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        limit = f" and at most {maximum}" if maximum else ""
        raise ApiFailure(400, "invalid_request", f"{name} must be a whole number >= 1{limit}",
                         message="Bad request", fields=[{"name": name, "description": f"must be >= 1{limit}"}])
    return int(raw)
