"""Wire models on the API: answers encoded by msgspec, and `/openapi.json` that says so.

A route declares what it answers with `typed(Model, ...)`, which returns the route's
`response_class` and `responses`; it then returns a `Model` (a msgspec Struct, usually from
`lineage.query.types`) and `StructResponse` encodes it as it is, without a second validation
pass. `install(app)` makes `/openapi.json` carry the JSON Schema of every model (field
descriptions and examples included, from the Struct definitions) and our one error shape on
every error status, replacing FastAPI's `HTTPValidationError` (the app never sends it).

    @router.get("/lineage/path", **typed(LineagePaths, 400, 404))
    def lineage_path(...) -> StructResponse:
        return StructResponse(query.paths(...))
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import FastAPI, Response
from fastapi.openapi.utils import get_openapi
from msgspec import Meta, Struct

_ENCODER = msgspec.json.Encoder()
REF = "#/components/schemas/{name}"


class ErrorDetail(Struct):
    """What went wrong."""

    code: Annotated[str, Meta(description="Machine-readable code", examples=["not_found"])]
    message: Annotated[str, Meta(description="What went wrong, naming the input")]
    field: Annotated[
        str | None, Meta(description="The parameter, body field or header at fault")
    ] = None
    suggestions: Annotated[
        list[str], Meta(description="404 only: the closest existing ids or names")
    ] = []


class Error(Struct):
    """The one error shape of every 4xx and 5xx answer."""

    error: ErrorDetail


_ERRORS = {
    400: "A parameter is malformed or out of range (the `field` names it)",
    401: "No API key, or an unknown one",
    403: "The API key lacks the scope this route needs",
    404: "Not found; `suggestions` lists the closest existing names",
    413: "The body is larger than allowed",
    415: "Unsupported Content-Type or Content-Encoding",
    422: "The body is well-formed JSON but not a valid request (the `field` names it)",
    503: "The database is unreachable or the graph is loading; retry after `Retry-After`",
}

_MODELS: dict[str, type] = {"Error": Error}
_EXAMPLES: dict[str, Any] = {}  # model name -> the example of its answers (one per model)


class StructResponse(Response):
    """JSON of a msgspec Struct (or of plain data), encoded by msgspec."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _ENCODER.encode(content)


def schema_ref(model: type) -> dict[str, str]:
    """A `$ref` to `model`'s schema in `/openapi.json` (registering it)."""
    _MODELS[model.__name__] = model
    return {"$ref": REF.format(name=model.__name__)}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for error statuses, each in our one error shape."""
    return {
        status: {
            "description": _ERRORS[status],
            "content": {"application/json": {"schema": schema_ref(Error)}},
        }
        for status in statuses
    }


def typed(
    model: type,
    *errors: int,
    status: int = 200,
    description: str = "Success",
    example: Any = None,
) -> dict[str, Any]:
    """Route keyword arguments: `model` as the typed 2xx answer, and the error statuses.

    Every route may also answer 401/403 (keys on) and 503 (database down), so those are
    always documented.
    """
    content: dict[str, Any] = {"schema": schema_ref(model)}
    if example is not None:
        content["example"] = _EXAMPLES[model.__name__] = example
    responses: dict[int | str, dict[str, Any]] = {
        status: {"description": description, "content": {"application/json": content}}
    }
    responses.update(error_responses(*sorted({*errors, 401, 403, 503})))
    return {"response_class": StructResponse, "responses": responses, "status_code": status}


def openapi(app: FastAPI) -> dict[str, Any]:
    """`/openapi.json`: FastAPI's document with our models and errors in it."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    _, components = msgspec.json.schema_components(list(_MODELS.values()), ref_template=REF)
    schemas.update(components)
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            _our_errors(operation)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _restore_examples(doc)
    app.openapi_schema = doc
    return doc


def _restore_examples(doc: dict[str, Any]) -> None:
    """Put back the answer examples as `typed` was given them: FastAPI's document drops
    every null (`exclude_none`), so an example would lack its required null fields."""
    for path in doc.get("paths", {}).values():
        for operation in path.values():
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    name = content.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                    if "example" in content and name in _EXAMPLES:
                        content["example"] = _EXAMPLES[name]


def _our_errors(operation: dict[str, Any]) -> None:
    """FastAPI documents a 422 `HTTPValidationError` on every route with parameters; the app
    answers a bad parameter with 400 and a bad body with 422, both in our error shape. It
    also types a non-JSON response class's answer as a string next to our `$ref`."""
    responses = operation.setdefault("responses", {})
    for response in responses.values():
        for content in response.get("content", {}).values():
            schema = content.get("schema", {})
            if "$ref" in schema:
                content["schema"] = {"$ref": schema["$ref"]}
    default = responses.pop("422", None)
    if default is None:
        return
    statuses = [400] + ([422] if "requestBody" in operation else [])
    for status, entry in error_responses(*statuses).items():
        responses.setdefault(str(status), entry)


def install(app: FastAPI) -> None:
    """Serve `openapi(app)` at `/openapi.json`."""
    app.openapi = lambda: openapi(app)  # type: ignore[method-assign]
