"""Dependencies shared by the routers: the store engine, a connection, the graph, the follower,
the index of run uses.

The ones that only read app state are `async def`: FastAPI runs a plain `def` dependency in
its thread pool, a thread hop per dependency per request. The ingest routes take none (see
`lineage.api.ingest`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from lineage.errors import GraphLoading
from lineage.follow import ChangeFollower
from lineage.graph import LineageGraph
from lineage.store.db import unavailable_as_503
from lineage.store.use_index import UseIndex


async def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _connection(request: Request) -> Iterator[Connection]:
    with unavailable_as_503("reading"), request.app.state.engine.connect() as conn:
        yield conn


async def _graph(request: Request) -> LineageGraph:
    graph = request.app.state.graph
    if graph is None:
        raise GraphLoading("the lineage graph is still loading; retry shortly")
    return graph


async def _follower(request: Request) -> ChangeFollower:
    return request.app.state.follower


async def _uses(request: Request) -> UseIndex:
    return request.app.state.uses


EngineDep = Annotated[Engine, Depends(_engine)]
ConnDep = Annotated[Connection, Depends(_connection)]
GraphDep = Annotated[LineageGraph, Depends(_graph)]
FollowerDep = Annotated[ChangeFollower, Depends(_follower)]
UsesDep = Annotated[UseIndex, Depends(_uses)]
