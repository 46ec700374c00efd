"""The JSON bodies of the ``/v1`` API (their schemas are the OpenAPI document's)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AssetOut",
    "BatchRequest",
    "ErrorOut",
    "GenerationRequest",
    "GeneratorDetail",
    "GeneratorSummary",
    "Health",
    "JobOut",
    "JobPage",
    "RetryRequest",
]


class ErrorOut(BaseModel):
    """An error: one line for a person."""

    detail: str


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    jobs_running: int
    jobs_queued: int


class GeneratorSummary(BaseModel):
    id: str
    name: str
    description: str
    modality: str
    version: str


class GeneratorDetail(GeneratorSummary):
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    capabilities: dict[str, Any]


class GenerationRequest(BaseModel):
    """One generation: a generator id and its inputs (files as ``data:`` URLs)."""

    model_config = ConfigDict(extra="forbid")

    generator: str = Field(min_length=1, max_length=200)
    inputs: dict[str, Any] = Field(default_factory=dict)


class BatchRequest(BaseModel):
    """A storyboard (an object, or its YAML / JSON text) and how to run it.

    With ``video_generator`` the scenes' frames (and narration, with
    ``narration_generator``) are joined into one final video.
    """

    model_config = ConfigDict(extra="forbid")

    storyboard: dict[str, Any] | str
    generator: str = Field(min_length=1, max_length=200)
    fallbacks: list[str] = Field(default_factory=list, max_length=8)
    narration_generator: str | None = Field(default=None, min_length=1, max_length=200)
    video_generator: str | None = Field(default=None, min_length=1, max_length=200)
    style: str | None = Field(default=None, max_length=100)
    concurrency: int = Field(default=4, ge=1, le=64)
    params: dict[str, dict[str, Any]] = Field(default_factory=dict)


class RetryRequest(BaseModel):
    """Which scenes to generate again: the given ids, or every failed one when omitted."""

    model_config = ConfigDict(extra="forbid")

    scene_ids: list[str] | None = Field(default=None, max_length=10000)


class AssetOut(BaseModel):
    sha256: str
    url: str
    mime_type: str
    size: int
    width: int | None = None
    height: int | None = None
    scene_id: str | None = None
    role: str | None = None


class JobOut(BaseModel):
    """A job: what was asked, where it stands, what it made."""

    id: str
    kind: Literal["generation", "batch"]
    status: Literal["queued", "running", "completed", "partial", "failed", "cancelled"]
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    request: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None
    events_url: str
    assets: list[AssetOut] = Field(default_factory=list)


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    next_offset: int | None = None
