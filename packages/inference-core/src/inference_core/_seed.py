"""Generators written against the seed: ``get_metadata()`` methods, dict metadata, dict results.

The seed's generators declare themselves with an instance method::

    class MyImageGenerator(BaseImageGenerator):
        def get_metadata(self):
            return GeneratorMetadata(id="my_image_generator", ...)   # or the same as a dict

        def generate(self, **kwargs):
            return {"images": [b64, ...], "image_paths": [...], "metadata": {...}}

The base classes turn the method into the ``metadata`` class attribute when
the class is defined, and a dict result into a :class:`GenerationResult`
(:mod:`inference_core._seed_forms`).
The service-backed bases (:class:`BaseServiceImageGenerator` ...) hand the
work to a service object, as the seed's ``generators/`` did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from inference_core._generator import BaseAudioGenerator, BaseImageGenerator, BaseVideoGenerator
from inference_core._seed_forms import metadata_from, result_from_dict

if TYPE_CHECKING:
    from inference_core._result import GenerationResult

__all__ = [
    "BaseServiceAudioGenerator",
    "BaseServiceImageGenerator",
    "BaseServiceVideoGenerator",
    "metadata_from",
    "result_from_dict",
]


class _ServiceBacked:
    """The work is done by a service: ``create_service()`` and the text field."""

    #: The input holding the main text, passed to the service as its first argument.
    text_field: ClassVar[str] = "prompt"
    _service: Any = None

    def create_service(self) -> Any:
        """The service doing the work (an ``ImageService``, a provider client ...)."""
        raise NotImplementedError(f"{type(self).__name__} must implement create_service()")

    def get_service(self) -> Any:
        """The service, created on first use."""
        if self._service is None:
            self._service = self.create_service()
        return self._service

    def _call_service(self, inputs: dict[str, Any]) -> Any:
        params = dict(inputs)
        text = params.pop(self.text_field, None)
        answer = self.get_service().generate(text, **params)
        # an inference_pipeline ServiceResult carries the GenerationResult
        return getattr(answer, "result", answer)


class BaseServiceImageGenerator(_ServiceBacked, BaseImageGenerator):
    """An image generator that hands each request to a service (see :class:`_ServiceBacked`)."""

    def generate(self, **inputs: Any) -> GenerationResult:
        result: GenerationResult = self._call_service(inputs)
        return result


class BaseServiceVideoGenerator(_ServiceBacked, BaseVideoGenerator):
    """A video generator that hands each request to a service."""

    def generate(self, **inputs: Any) -> GenerationResult:
        result: GenerationResult = self._call_service(inputs)
        return result


class BaseServiceAudioGenerator(_ServiceBacked, BaseAudioGenerator):
    """An audio generator that hands each request to a service (``text`` is its main input)."""

    text_field: ClassVar[str] = "text"

    def generate(self, **inputs: Any) -> GenerationResult:
        result: GenerationResult = self._call_service(inputs)
        return result
