"""Server-Sent Events as a browser or httpx-sse client follows them."""

from __future__ import annotations

import json

import httpx
from httpx_sse import connect_sse

from conftest import Server, Tokens, board, wait_done


def _follow(
    client: httpx.Client, job_id: str, last_id: str | None = None
) -> list[tuple[str, str, dict[str, object]]]:
    headers = {"Last-Event-ID": last_id} if last_id else {}
    with connect_sse(client, "GET", f"/v1/jobs/{job_id}/events", headers=headers) as source:
        assert source.response.headers["content-type"].startswith("text/event-stream")
        # httpx-sse reports a keep-alive comment after an id as an empty event; browsers skip it.
        return [(e.id, e.event, json.loads(e.data)) for e in source.iter_sse() if e.data]


def test_a_batch_streams_seed_events_with_ids_and_resumes(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client:
        job = client.post(
            "/v1/batches", json={"generator": "mock_image_generator", "storyboard": board(6)}
        ).json()
        events = _follow(client, job["id"])
        ids = [int(i) for i, _, _ in events]
        assert ids == list(range(1, len(ids) + 1))
        kinds = [k for _, k, _ in events]
        assert kinds[0] == "stage_update" and kinds[-1] == "done"
        assert kinds.count("image_generated") == 6 and kinds.count("progress") == 6
        for _, kind, payload in events:
            assert payload["type"] == kind
        stage = events[0][2]["stage"]
        assert isinstance(stage, dict) and set(stage) == {
            "id",
            "status",
            "stage_type",
            "started_at",
        }
        images = [p for _, k, p in events if k == "image_generated"]
        assert sorted(str(p["storyboard_id"]) for p in images) == ["1", "2", "3", "4", "5", "6"]
        image = images[0]["image"]
        assert isinstance(image, dict) and set(image) >= {"id", "url", "width", "height"}
        assert image["url"] == f"/v1/assets/{image['id']}" and image["width"] == 64
        assert client.get(str(image["url"])).status_code == 200
        last = [p for _, k, p in events if k == "progress"][-1]
        assert (last["current"], last["total"]) == (6, 6) and "storyboard" in last
        done = events[-1][2]
        assert done["data"]["status"] == "completed" and "stage" in done  # type: ignore[index]
        assert not any("/jobs/" in json.dumps(p) for _, _, p in events)  # no server paths
        resumed = _follow(client, job["id"], last_id="5")
        assert [int(i) for i, _, _ in resumed] == ids[5:]
        assert resumed == events[5:]


def test_a_failed_scene_is_an_error_event_and_can_be_retried(
    server: Server, tokens: Tokens
) -> None:
    bad = board(3)
    bad["scenes"][1]["visual"]["prompt"] = "x" * 5000  # type: ignore[index]  # over the generator's max_length
    with server.client(tokens.bob) as client:
        job = client.post(
            "/v1/batches", json={"generator": "mock_image_generator", "storyboard": bad}
        ).json()
        events = _follow(client, job["id"])
        errors = [p for _, k, p in events if k == "error"]
        assert len(errors) == 1 and errors[0]["storyboard_id"] == "2" and errors[0]["error"]
        assert events[-1][2]["data"]["status"] == "partial"  # type: ignore[index]
        assert client.get(f"/v1/jobs/{job['id']}").json()["status"] == "partial"
        again = client.post(f"/v1/jobs/{job['id']}/retry", json={"scene_ids": ["2"]})
        assert again.status_code == 202
        assert (
            wait_done(client, job["id"])["status"] == "partial"
        )  # still too long: fails again, nothing else runs
        more = _follow(client, job["id"], last_id=str(len(events)))
        assert [k for _, k, _ in more].count("error") == 1
        assert (
            client.post(f"/v1/jobs/{job['id']}/retry", json={"scene_ids": ["9"]}).status_code == 409
        )


def test_keep_alives_while_queued_and_the_per_token_limit(server: Server, tokens: Tokens) -> None:
    # The server runs one job per token at once: the second waits, its stream sends keep-alives.
    with server.client(tokens.admin) as client:
        first = client.post(
            "/v1/batches",
            json={
                "generator": "mock_image_generator",
                "storyboard": board(400, size=256),
                "concurrency": 1,
            },
        ).json()
        second = client.post(
            "/v1/generations",
            json={"generator": "mock_image_generator", "inputs": {"prompt": "later", "width": 16}},
        ).json()
        assert client.get(f"/v1/jobs/{second['id']}").json()["status"] == "queued"
        with client.stream("GET", f"/v1/jobs/{second['id']}/events") as stream:
            lines = stream.iter_lines()
            comment = next(line for line in lines if line.startswith(":"))
            assert comment.startswith(": ping")
            cancelled = client.delete(f"/v1/jobs/{first['id']}")
            assert cancelled.status_code == 200
            assert cancelled.json()["status"] == "cancelled"  # answered once it stopped
            rest = list(lines)
        assert "event: done" in rest
        assert wait_done(client, first["id"])["status"] == "cancelled"
        assert wait_done(client, second["id"])["status"] == "completed"
        assert client.delete(f"/v1/jobs/{first['id']}").json()["status"] == "cancelled"
