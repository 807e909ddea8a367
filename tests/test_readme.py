"""The README's example query answers exactly as the README shows, on the demo data of `make dev`."""

import json
import re
from pathlib import Path

from conftest import Router

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_example_answers_as_shown(anonymous):
    login, query = re.findall(r"```graphql\n(.*?)```", README, re.S)[:2]
    answer = re.search(r"```json\n(.*?)```", README, re.S).group(1)
    token = anonymous(login)["data"]["login"]["token"]
    assert Router(anonymous.url, token)(query) == json.loads(answer)
