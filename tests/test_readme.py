"""The README's example query answers exactly as the README shows, on the demo data of `make dev`."""

import json
import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_example_answers_as_shown(router):
    query = re.search(r"```graphql\n(.*?)```", README, re.S).group(1)
    answer = re.search(r"```graphql\n.*?```\s*```json\n(.*?)```", README, re.S).group(1)
    assert router(query) == json.loads(answer)
