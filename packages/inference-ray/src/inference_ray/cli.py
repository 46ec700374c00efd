"""``infer ray nodes``: the cluster's nodes and the generators each one can run."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from inference_core.cli import fail

__all__ = ["nodes_command", "register", "survey"]

ray_app = typer.Typer(help="The Ray cluster batches run on (infer batch --executor ray).")


def _installed() -> dict[str, str]:
    """Generator id -> ``distribution version`` on this node."""
    from inference_core.plugins import get_plugins

    found = get_plugins()
    return {
        gid: f"{info.distribution} {info.version}" for gid, (_, info) in found.generators.items()
    }


def survey(address: str | None) -> list[dict[str, Any]]:
    """For each alive node: its address, resources and the generators installed there."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    started = not ray.is_initialized()
    if started:
        ray.init(address=address or "auto", log_to_driver=False)
    try:
        probe = ray.remote(_installed)
        nodes = [n for n in ray.nodes() if n.get("Alive")]  # type: ignore[no-untyped-call]
        found = ray.get(
            [
                probe.options(
                    num_cpus=0,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
                ).remote()
                for n in nodes
            ]
        )
    finally:
        if started:
            ray.shutdown()
    return [
        {
            "node": n["NodeManagerAddress"],
            "resources": {k: v for k, v in n["Resources"].items() if k in ("CPU", "GPU", "memory")},
            "generators": generators,
        }
        for n, generators in zip(nodes, found, strict=True)
    ]


def nodes_command(
    address: Annotated[
        str | None, typer.Option("--address", help="Cluster (host:port; default $RAY_ADDRESS).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the cluster's nodes, their resources, and the generators installed on each."""
    try:
        rows = survey(address)
    except ConnectionError as exc:
        fail(f"no Ray cluster at {address or '$RAY_ADDRESS'}: {exc}", 2)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    everywhere = set.intersection(*(set(r["generators"]) for r in rows)) if rows else set()
    for row in rows:
        res = ", ".join(f"{k} {v:g}" for k, v in sorted(row["resources"].items()))
        typer.echo(f"{row['node']}  ({res})")
        for gid, dist in sorted(row["generators"].items()):
            note = "" if gid in everywhere else "  (not on every node)"
            typer.echo(f"  {gid:<32} {dist}{note}")


def register(app: typer.Typer) -> None:
    """Add ``infer ray`` to the ``infer`` application."""
    ray_app.command("nodes")(nodes_command)
    app.add_typer(ray_app, name="ray")
