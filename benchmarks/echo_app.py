"""The baseline server of the ingest benchmark: a bare FastAPI app that reads the body and
answers 201, with no parsing and no storage. Run as `uvicorn echo_app:app`."""

from fastapi import FastAPI, Request, Response

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """Readiness probe for the benchmark harness."""
    return {"status": "ok"}


@app.post("/api/v1/lineage", status_code=201)
async def echo(request: Request) -> Response:
    """Read the whole body, answer 201 with no content (what the collector answers)."""
    await request.body()
    return Response(status_code=201)
