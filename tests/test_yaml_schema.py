"""The JSON Schema of consultation.yaml: shipped up to date, true to the models, known to the README."""

from __future__ import annotations

import copy
import json
import re

import jsonschema
import yaml
from pydantic import ValidationError

from conftest import ROOT, SAMPLE_DIR
from consultation import yaml_schema
from consultation.codebook import Consultation, load_consultation

SCHEMA = json.loads(yaml_schema.shipped_path().read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
SAMPLE = yaml.safe_load((SAMPLE_DIR / "consultation.yaml").read_text(encoding="utf-8"))


def test_shipped_schema_is_the_regenerated_one():
    assert yaml_schema.shipped_path().read_text(encoding="utf-8") == yaml_schema.render()
    assert yaml_schema.main(["--check"]) == 0
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_sample_points_to_the_schema_and_validates():
    first = (SAMPLE_DIR / "consultation.yaml").read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, first
    assert (SAMPLE_DIR / match.group(1)).resolve() == yaml_schema.shipped_path().resolve()
    assert list(VALIDATOR.iter_errors(SAMPLE)) == []
    for path in (ROOT / "tests" / "data").rglob("consultation.yaml"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            load_consultation(path)
        except Exception:
            continue  # a deliberately broken test file
        assert list(VALIDATOR.iter_errors(raw)) == [], path


def test_every_key_of_every_model_is_described():
    for name, model in yaml_schema.models().items():
        assert set(model.model_fields) == set(yaml_schema.DESCRIPTIONS[name]) - {""}, name
    assert set(yaml_schema.models()) == set(yaml_schema.DESCRIPTIONS)


def _mutations():
    """What editors should flag, generated over every object of the sample: an unknown key, each
    required key removed, a wrong type."""
    def walk(node, path):
        if isinstance(node, dict):
            yield path, node
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node[:2]):
                yield from walk(value, (*path, i))

    for path, node in walk(SAMPLE, ()):
        yield "unknown", path, None
        for key in node:
            yield "remove", path, key


def test_the_schema_rejects_what_the_loader_rejects():
    cases = list(_mutations())
    assert len(cases) > 40
    disagree = []
    for kind, path, key in cases:
        doc = copy.deepcopy(SAMPLE)
        node = doc
        for part in path:
            node = node[part]
        if kind == "unknown":
            node["clé_inconnue"] = 1
        else:
            del node[key]
        try:
            Consultation.model_validate(doc)
            loader_ok = True
        except ValidationError:
            loader_ok = False
        if VALIDATOR.is_valid(doc) != loader_ok:
            disagree.append((kind, path, key))
    assert disagree == []


def _keys(node, out):
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            out.add(key)
            _keys(value, out)
        for value in node.values():
            if isinstance(value, (dict, list)):
                _keys(value, out)
    elif isinstance(node, list):
        for value in node:
            _keys(value, out)
    return out


def test_readme_lists_every_key():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- consultation.yaml keys -->")[1].split("<!-- end of keys -->")[0]
    missing = sorted(k for k in _keys(SCHEMA, set()) if f"`{k}`" not in section)
    assert missing == []
