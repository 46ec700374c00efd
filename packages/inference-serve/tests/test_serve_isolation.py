"""Token A's jobs and assets are invisible to token B on every route; the admin sees all."""

from __future__ import annotations

from conftest import Server, Tokens, board, wait_done


def _routes(server: Server) -> set[tuple[str, str]]:
    with server.client() as anon:
        paths = anon.get("/openapi.json").json()["paths"]
    return {
        (method.upper(), path)
        for path, ops in paths.items()
        for method in ops
        if "{" in path and "generator" not in path
    }


def test_every_route_keeps_tokens_apart(server: Server, tokens: Tokens) -> None:
    with (
        server.client(tokens.alice) as alice,
        server.client(tokens.bob) as bob,
        server.client(tokens.admin) as admin,
    ):
        gen = alice.post(
            "/v1/generations",
            json={
                "generator": "mock_image_generator",
                "inputs": {"prompt": "alice only", "width": 24},
            },
            headers={"Prefer": "wait=30"},
        ).json()
        batch = alice.post(
            "/v1/batches",
            json={"generator": "mock_image_generator", "storyboard": board(2, prefix="alice")},
        ).json()
        wait_done(alice, batch["id"])
        sha = gen["assets"][0]["sha256"]
        calls = {
            ("GET", "/v1/jobs/{job_id}"): lambda c: c.get(f"/v1/jobs/{batch['id']}"),
            ("DELETE", "/v1/jobs/{job_id}"): lambda c: c.delete(f"/v1/jobs/{batch['id']}"),
            ("POST", "/v1/jobs/{job_id}/retry"): lambda c: c.post(
                f"/v1/jobs/{batch['id']}/retry", json={}
            ),
            ("GET", "/v1/jobs/{job_id}/events"): lambda c: c.get(f"/v1/jobs/{batch['id']}/events"),
            ("GET", "/v1/assets/{sha256}"): lambda c: c.get(f"/v1/assets/{sha}"),
        }
        assert set(calls) == _routes(server), "a route with an id is not covered here"
        for route, call in calls.items():
            response = call(bob)
            assert response.status_code == 404, route
            # The same answer as for an id that does not exist: nothing tells B the job is there.
            assert response.json()["detail"] in (f"no job {batch['id']!r}", f"no asset {sha!r}"), (
                route
            )
        listed = bob.get("/v1/jobs").json()
        assert {gen["id"], batch["id"]}.isdisjoint(j["id"] for j in listed["items"])
        with server.client() as anon:
            for route, call in calls.items():
                assert call(anon).status_code == 401, route
        assert admin.get(f"/v1/jobs/{batch['id']}").status_code == 200
        assert admin.get(f"/v1/assets/{sha}").status_code == 200
        assert {gen["id"], batch["id"]} <= {
            j["id"] for j in admin.get("/v1/jobs", params={"limit": 200}).json()["items"]
        }
        assert alice.get(f"/v1/jobs/{batch['id']}").json()["status"] == "completed"


def test_paging(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.bob) as bob:
        first = bob.get("/v1/jobs", params={"limit": 1}).json()
        assert len(first["items"]) == 1 and first["total"] >= 1
        if first["total"] > 1:
            second = bob.get("/v1/jobs", params={"limit": 1, "offset": first["next_offset"]}).json()
            assert second["items"][0]["id"] != first["items"][0]["id"]
