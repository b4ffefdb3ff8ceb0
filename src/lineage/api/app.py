"""The FastAPI app factory: `create_app(settings)`; nothing is built at import time."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import msgspec
from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy import text

from lineage import __version__
from lineage.api import (
    admin,
    auth,
    browse,
    caching,
    dataset_runs,
    entities,
    errors,
    incidents,
    ingest,
    lineage,
    marquez,
    metrics,
    quality,
    requests,
    timeouts,
    wire,
)
from lineage.api.errors import FastJSONResponse
from lineage.api.freshness import AppliedIdHeader, readiness, start_replica
from lineage.api.impact import router as impact_router
from lineage.api.models import router as models_router
from lineage.api.paths import EncodedSlashMiddleware
from lineage.api.ui import mount as mount_ui
from lineage.api_keys import READ, WRITE
from lineage.errors import StoreUnavailable
from lineage.follow import build_graph
from lineage.graph import LineageGraph
from lineage.settings import Settings
from lineage.store.db import make_engine, unavailable_as_503, write_transaction
from lineage.store.migrate import ensure_current
from lineage.store.use_index import UseIndex

log = logging.getLogger("lineage")

DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's scripts and styles


def load_graph(engine: Any) -> LineageGraph:
    """Build the in-memory graph from the store."""
    with engine.connect() as conn:
        return build_graph(conn)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the collector app for `settings` (read from the environment when omitted)."""
    settings = settings or Settings()
    app_metrics = metrics.Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.database_url,
            busy_timeout_ms=settings.db_busy_timeout_ms,
            connect_timeout_s=settings.db_connect_timeout_s,
        )
        await asyncio.to_thread(ensure_current, engine)
        # ingest starts now; the graph loads in the background
        writer = start_replica(app, engine, settings, on_group=app_metrics.record_group)
        writer.start()
        app.state.settings, app.state.engine, app.state.writer = settings, engine, writer
        app.state.uses = UseIndex(gap_grace_s=settings.graph_follow_gap_grace_ms / 1000)
        log.info("lineage collector accepting events; loading the graph")
        try:
            yield
        finally:
            writer.stop()
            app.state.follower.stop()
            engine.dispose()

    # /docs and /redoc from assets shipped in a package (fastapi-offline), never a CDN: the
    # docs work without internet and under the explorer's Content-Security-Policy
    app = FastAPIOffline(
        static_url=DOCS_ASSETS,
        title="lineage",
        version=__version__,
        description="OpenLineage collector: ingest, lineage graph, impact analysis.",
        lifespan=lifespan,
        default_response_class=FastJSONResponse,
        dependencies=[Depends(requests.reject_nul)],
    )
    errors.install(app)
    wire.install(app)
    # what each router needs of an API key (the README's table of routes shows the result);
    # dataset_runs, incidents and marquez before entities, whose `.../datasets/{name:path}` would
    # swallow their `.../datasets/{name}/runs`, `/versions/{version}` and `/tags/{tag}`
    for router, scope in (
        (ingest.router, WRITE),
        (dataset_runs.router, READ),
        (quality.router, READ),
        (incidents.router, READ),
        (marquez.router, READ),
        (marquez.tagging, WRITE),
        (entities.router, READ),
        (lineage.router, READ),
        (admin.router, WRITE),
        (browse.router, READ),
        (impact_router, READ),
        (models_router, READ),
    ):
        app.include_router(router, prefix="/api/v1", dependencies=[auth.requires(scope)])
    _health_routes(app)
    mount_ui(app)
    metrics.install(app, app_metrics)
    keyed = auth.install(app, settings)
    # outside the key check, so that its 401 and 403 answers carry the headers too
    app.add_middleware(caching.NoStore, keyed=keyed)
    app.add_middleware(EncodedSlashMiddleware)
    app.add_middleware(AppliedIdHeader)
    app.add_middleware(requests.HeadAsGet)
    app.add_middleware(timeouts.BodyTimeout, seconds=settings.http_body_timeout_s)
    return app


class Health(msgspec.Struct):
    """The process is up."""

    status: Literal["ok"]


class Ready(msgspec.Struct, rename="camel"):
    """The database answers and the graph is loaded."""

    status: Literal["ok"]
    graph_nodes: Annotated[int, msgspec.Meta(description="Nodes in this replica's graph")]
    graph_edges: Annotated[int, msgspec.Meta(description="Dataset/job edges in the graph")]
    replica: Annotated[str, msgspec.Meta(description="This replica's id")]
    applied_change_id: Annotated[
        int, msgspec.Meta(description="Newest change-log id the graph has applied")
    ]
    pending_change_ids: Annotated[
        int, msgspec.Meta(description="Skipped change-log ids still looked for")
    ]


def _sqlite_disk_has_room(database: str | None) -> None:
    """Raise StoreUnavailable when the SQLite file's disk has no free block left.

    On a full disk the next write that needs a new page fails, but the one-page probe can
    still pass when it reuses a frame of the WAL file: the free space decides first."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    disk = os.statvfs(os.path.dirname(os.path.abspath(database)))
    free_blocks = disk.f_bfree if os.geteuid() == 0 else disk.f_bavail  # root may use all
    if free_blocks == 0:
        raise StoreUnavailable(
            "database unavailable while checking readiness: no space left on its disk"
        )


def _health_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["health"], summary="Liveness", **wire.typed(Health))
    def healthz() -> wire.StructResponse:
        """The process is up."""
        return wire.StructResponse(Health("ok"))

    @app.get(
        "/readyz",
        tags=["health"],
        summary="Readiness (checks the database)",
        **wire.typed(Ready),
    )
    def readyz() -> wire.StructResponse:
        """The database answers (SQLite: takes a write) and the graph is loaded."""
        engine = app.state.engine
        with unavailable_as_503("checking readiness"):
            if engine.dialect.name == "sqlite":
                _sqlite_disk_has_room(engine.url.database)
                # a one-page write: a full disk or a read-only file fails it as it fails
                # events (503), where a read would still pass (the value is never read)
                with write_transaction(engine) as conn:
                    conn.exec_driver_sql("PRAGMA user_version = 0")
            else:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
        return wire.StructResponse(msgspec.convert({"status": "ok", **readiness(app)}, Ready))
