"""Entry point of the ``infer`` console script.

Listings asked for as JSON and ``--version`` are answered without importing
the CLI framework; everything else goes to :mod:`inference_core.cli`.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from inference_core._versions import print_versions

        print_versions()
        return
    from inference_core._listing import fast_main

    if fast_main(sys.argv[1:]):
        return
    from inference_core.cli import main as full_main

    full_main()
