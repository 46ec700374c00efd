"""``python -m inference_core`` runs the ``infer`` command line."""

from __future__ import annotations

from inference_core._launcher import main

if __name__ == "__main__":
    main()
