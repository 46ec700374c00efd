"""Token A's jobs and assets are invisible to token B on every route; the admin sees all."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from conftest import Server, Tokens, board, wait_done
from inference_serve.api import COOKIE

Call = Callable[[httpx.Client], httpx.Response]

#: Routes that hold no caller's data: what B sees there does not depend on A.
NO_USER_DATA = {
    ("GET", "/v1/generators"),
    ("GET", "/v1/generators/{generator_id}"),
    ("POST", "/v1/generations"),
    ("POST", "/v1/batches"),
    ("POST", "/v1/batches/upload"),
}


def _operations(server: Server) -> set[tuple[str, str]]:
    with server.client() as anon:
        paths = anon.get("/openapi.json").json()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


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
        # Routes that name one of A's things: B gets the answer for a thing that does not exist.
        by_id: dict[tuple[str, str], Call] = {
            ("GET", "/v1/jobs/{job_id}"): lambda c: c.get(f"/v1/jobs/{batch['id']}"),
            ("DELETE", "/v1/jobs/{job_id}"): lambda c: c.delete(f"/v1/jobs/{batch['id']}"),
            ("POST", "/v1/jobs/{job_id}/retry"): lambda c: c.post(
                f"/v1/jobs/{batch['id']}/retry", json={}
            ),
            ("GET", "/v1/jobs/{job_id}/events"): lambda c: c.get(f"/v1/jobs/{batch['id']}/events"),
            ("GET", "/v1/assets/{sha256}"): lambda c: c.get(f"/v1/assets/{sha}"),
        }
        listing: dict[tuple[str, str], Call] = {("GET", "/v1/jobs"): lambda c: c.get("/v1/jobs")}
        admin_only: dict[tuple[str, str], Call] = {("GET", "/metrics"): lambda c: c.get("/metrics")}
        public = {("GET", "/healthz")}
        walked = {*by_id, *listing, *admin_only, *public, *NO_USER_DATA}
        assert walked == _operations(server), "a route is not classified here"

        for route, call in by_id.items():
            response = call(bob)
            assert response.status_code == 404, route
            assert response.json()["detail"] in (f"no job {batch['id']!r}", f"no asset {sha!r}"), (
                route
            )
        listed = bob.get("/v1/jobs", params={"limit": 200}).json()
        assert {gen["id"], batch["id"]}.isdisjoint(j["id"] for j in listed["items"])
        assert "alice" not in str(listed)
        for route, call in admin_only.items():
            assert call(bob).status_code == 403, route
            assert call(admin).status_code == 200, route

        # The gallery's own page (cookie sign-in) lists B's jobs only.
        with server.client(cookies={COOKIE: tokens.bob}) as page:
            html = page.get("/").text
        assert "Sign out" in html and gen["id"] not in html and "alice only" not in html

        with server.client() as anon:
            for route in walked - public:
                method, path = route
                url = (
                    path.replace("{job_id}", batch["id"])
                    .replace("{sha256}", sha)
                    .replace("{generator_id}", "mock_image_generator")
                )
                response = anon.request(method, url, json={})
                assert response.status_code == 401, route
            assert anon.get("/healthz").status_code == 200

        assert admin.get(f"/v1/jobs/{batch['id']}").status_code == 200
        assert admin.get(f"/v1/assets/{sha}").status_code == 200
        assert {gen["id"], batch["id"]} <= {
            j["id"] for j in admin.get("/v1/jobs", params={"limit": 200}).json()["items"]
        }
        # B's cancel and retry changed nothing of A's.
        assert alice.get(f"/v1/jobs/{batch['id']}").json()["status"] == "completed"


def test_paging(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.bob) as bob:
        for prompt in ("page one", "page two"):
            bob.post(
                "/v1/generations",
                json={
                    "generator": "mock_image_generator",
                    "inputs": {"prompt": prompt, "width": 16},
                },
                headers={"Prefer": "wait=30"},
            )
        first = bob.get("/v1/jobs", params={"limit": 1}).json()
        assert len(first["items"]) == 1 and first["total"] >= 2
        second = bob.get("/v1/jobs", params={"limit": 1, "offset": first["next_offset"]}).json()
        assert second["items"][0]["id"] != first["items"][0]["id"]
        assert first["items"][0]["request"]["inputs"]["prompt"] == "page two"  # newest first
