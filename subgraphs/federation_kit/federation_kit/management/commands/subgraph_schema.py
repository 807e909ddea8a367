import difflib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from strawberry.printer import print_schema


def _from_repository_root(path: Path) -> str:
    """The path as a developer at the repository's root (where make runs) names it; the command
    runs in the service's folder (subgraphs/<service>), where make passes ../../schema/..."""
    root = Path(settings.BASE_DIR).resolve().parents[1]
    path = path.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


class Command(BaseCommand):
    help = "Print this subgraph's SDL (settings.GRAPHQL_SCHEMA), write it to a file, or check a file against it."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--output", type=Path, help="write the SDL to this file")
        target.add_argument("--check", type=Path, help="fail, with a diff, when this file differs from the SDL")

    def handle(self, *args, output: Path | None, check: Path | None, **options):
        sdl = print_schema(import_string(settings.GRAPHQL_SCHEMA)) + "\n"
        if output:
            output.write_text(sdl)
        elif check:
            committed = check.read_text() if check.exists() else ""
            if committed != sdl:
                label = _from_repository_root(check)
                diff = difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    sdl.splitlines(keepends=True),
                    fromfile=f"{label} (on disk)",
                    tofile=f"{settings.SERVICE_NAME} subgraph (from the code)",
                )
                raise CommandError(
                    f"{label} is out of date for the {settings.SERVICE_NAME} subgraph: run `make schema`\n"
                    + "".join(diff)
                )
        else:
            self.stdout.write(sdl, ending="")
