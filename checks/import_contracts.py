"""Our own import-linter contract type, loaded by ``lint-imports`` (see ``[tool.importlinter]``).

``public_surface``: modules in ``source_modules`` (and their submodules) may
import the modules of ``package`` only through ``public_modules`` (or their
submodules; the package itself does not open its submodules). It states that a plugin uses the core's declared surface and
nothing else; ``lint-imports`` runs from the repository root, which puts this
folder's parent on ``sys.path``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from importlinter import Contract, ContractCheck, fields, output

if TYPE_CHECKING:
    import grimp

__all__ = ["PublicSurfaceContract"]


def _within(module: str, parents: set[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in parents)


class PublicSurfaceContract(Contract):
    """Importers in ``source_modules`` reach ``package`` only through ``public_modules``."""

    type_name = "public_surface"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    package = fields.ModuleField()
    public_modules = fields.ListField(subfield=fields.ModuleField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        package: str = self.package.name  # type: ignore[attr-defined]
        public = {m.name for m in self.public_modules}  # type: ignore[attr-defined]
        sources = {m.name for m in self.source_modules}  # type: ignore[attr-defined]
        importers = set()
        for source in sources:
            if source in graph.modules:
                importers |= {source, *graph.find_descendants(source)}
        illegal: list[dict[str, Any]] = []
        for importer in sorted(importers):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if not _within(imported, {package}) or imported in public:
                    continue
                if _within(imported, public - {package}):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                lines = sorted({d["line_number"] for d in details})
                illegal.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal})

    def render_broken_contract(self, check: ContractCheck) -> None:
        public = ", ".join(sorted(m.name for m in self.public_modules))  # type: ignore[attr-defined]
        output.print_error(f"Only these modules are public: {public}.", bold=False)
        output.new_line()
        for item in check.metadata["illegal"]:
            lines = ", ".join(map(str, item["lines"]))
            output.print_error(
                f"- {item['importer']} -> {item['imported']} (l.{lines})", bold=False
            )
            output.new_line()
