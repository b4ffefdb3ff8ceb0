"""The event log keeps every accepted event byte for byte, with the codec each database uses,
and reads the zlib rows of earlier releases."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import httpx
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text

from lineage import jsonio
from lineage.store import codec
from lineage.store import schema as s
from lineage.store.replay import replay
from tests.events import ds, run_event

bodies = st.builds(
    lambda pad, value, tail: b"\t " * pad + jsonio.dumps({"v": value}) + tail,
    st.integers(min_value=0, max_value=3),
    st.recursive(st.text() | st.integers(), lambda inner: st.lists(inner, max_size=4)),
    st.sampled_from([b"", b"\n", b" \r\n"]),
)


@settings(max_examples=200, deadline=None)
@given(bodies, st.sampled_from(["sqlite", "postgresql"]))
def test_every_payload_decodes_to_the_bytes_it_was_made_of(body: bytes, dialect: str) -> None:
    assert codec.decode(codec.encode(body, dialect)) == body
    assert codec.decode(zlib.compress(body, 1)) == body  # written before revision 0007


async def test_the_log_holds_each_event_exactly_and_replay_reads_every_codec(
    client: httpx.AsyncClient,
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    sent = [
        orjson.dumps(run_event("a", outputs=[ds("n", "x")])),
        b'{"eventTime": "2024-01-02T00:00:00Z", "job": {"namespace": "ns", "name": "b"},'
        b' "run": {"runId": "0190c2f6-0000-7000-8000-00000000000b"}, "outputs": '
        b'[{"namespace": "n", "name": "y"}]}',
    ]
    for body in sent:
        assert (await client.post("/api/v1/lineage", content=body)).status_code == 201
    old = orjson.dumps(run_event("c", time="2024-01-03T00:00:00Z", inputs=[ds("n", "x")]))
    with engine.begin() as conn:  # a row an earlier release wrote, zlib level 1
        conn.execute(
            insert(s.events).values(
                hash="0" * 64,
                kind="RunEvent",
                event_type="COMPLETE",
                event_time=datetime(2024, 1, 3, tzinfo=UTC),
                received_at=datetime(2024, 1, 3, tzinfo=UTC),
                payload=zlib.compress(old, 1),
            )
        )
    with engine.connect() as conn:
        payloads = conn.execute(select(s.events.c.payload).order_by(s.events.c.id)).scalars()
        stored = list(payloads)
    if engine.dialect.name == "postgresql":
        assert stored[:2] == sent  # as received: TOAST compresses them
        compression = "SELECT attcompression FROM pg_attribute WHERE attname = 'payload' AND "
        with engine.connect() as conn:
            method = conn.execute(text(compression + "attrelid = 'events'::regclass")).scalar()
        assert method == "l"  # lz4
    else:
        assert all(p[:4] == b"\x28\xb5\x2f\xfd" for p in stored[:2])  # zstd frames
    assert [codec.decode(p) for p in stored] == [*sent, old]
    assert replay(engine) == 3
    jobs = (await client.get("/api/v1/namespaces/ns/jobs")).json()["jobs"]
    assert sorted(j["name"] for j in jobs) == ["a", "b", "c"]
    with engine.connect() as conn:
        again = conn.execute(select(s.events.c.payload).order_by(s.events.c.id)).scalars()
        assert [codec.decode(p) for p in again] == [*sent, old]
