from __future__ import annotations

import inference_serve


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert inference_serve.__all__ == sorted(inference_serve.__all__)
    for name in inference_serve.__all__:
        assert getattr(inference_serve, name) is not None
    assert dir(inference_serve) == sorted(inference_serve.__all__)
