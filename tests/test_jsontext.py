"""JSON in model text: found leniently, in time linear in the text's size."""

from __future__ import annotations

import json
import re
import time

import pytest

from codelab_orchestrator.jsontext import (
    as_call,
    balanced_spans,
    find_json,
    json_objects,
    loads_lenient,
    text_calls,
)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"a": 1,}', {"a": 1}),
    ("{'path': 'a.py', 'ok': True, 'n': None}", {"path": "a.py", "ok": True, "n": None}),
    ('{"content": "line one\nline two"}', {"content": "line one\nline two"}),  # raw newline
    ('[1, 2, ]', [1, 2]),
    ('{"text": "it\'s True, isn\'t it"}', {"text": "it's True, isn't it"}),  # strings untouched
])
def test_lenient_loads_repairs_what_models_write(text, expected):
    assert loads_lenient(text) == expected


@pytest.mark.parametrize("text", ["{", "not json", '{"a": }', "{" * 5000 + "}" * 5000])
def test_lenient_loads_rejects_what_cannot_be_repaired(text):
    with pytest.raises(ValueError):
        loads_lenient(text)


def test_objects_are_found_in_prose_fences_and_tags_in_order():
    text = ('Sure. First:\n```json\n{"a": 1}\n```\nthen <tool_call>\n{"b": {"c": [1, "}"]}}\n'
            '</tool_call> and finally {"d": "x"} done. A stray } and { here.')
    assert list(json_objects(text)) == [{"a": 1}, {"b": {"c": [1, "}"]}}, {"d": "x"}]


def test_a_broken_outer_object_gives_way_to_the_objects_inside_it():
    text = '{"broken": oops, "inner": {"name": "read_file", "arguments": {"path": "a"}}}'
    assert list(json_objects(text)) == [{"name": "read_file", "arguments": {"path": "a"}}]


def test_an_array_of_objects_yields_each_object():
    assert list(json_objects('[TOOL_CALLS] [{"a": 1}, {"b": 2}, 3]')) == [{"a": 1}, {"b": 2}]


def test_apostrophes_and_quotes_in_prose_do_not_hide_json():
    text = 'Don\'t worry, I\'ll "fix" it: {"name": "edit_file", "arguments": {"path": "x"}}'
    assert [f.value for f in find_json(text)] == [{"name": "edit_file", "arguments": {"path": "x"}}]


def test_spans_are_outermost_first_and_ignore_brackets_in_strings():
    text = 'x {"a": {"b": "]}"}} y [1]'
    spans = balanced_spans(text)
    assert [text[s:e] for s, e in spans] == ['{"a": {"b": "]}"}}', '{"b": "]}"}', "[1]"]


@pytest.mark.parametrize(("obj", "name", "args"), [
    ({"name": "read_file", "arguments": {"path": "a"}}, "read_file", {"path": "a"}),
    ({"name": "read_file", "parameters": {"path": "a"}}, "read_file", {"path": "a"}),
    ({"name": "read_file", "arguments": '{"path": "a"}'}, "read_file", {"path": "a"}),
    ({"type": "function", "function": {"name": "read_file", "arguments": '{"path": "a"}'}},
     "read_file", {"path": "a"}),
    ({"tool": "list_files", "args": None}, "list_files", {}),
])
def test_call_shapes(obj, name, args):
    call = as_call(obj)
    assert call is not None and call.name == name and call.args == args and call.error is None


def test_not_a_call_and_bad_arguments():
    assert as_call({"name": "Bob", "age": 3}) is None
    assert as_call({"agent": "coder"}) is None
    bad = as_call({"name": "write_file", "arguments": '{"path": "a.txt", "content": '})
    assert bad is not None and bad.args is None and "not valid JSON" in bad.error
    assert "must be a JSON object" in as_call({"name": "x", "arguments": [1]}).error


def test_function_tags_json_and_qwen3_xml():
    text = ('<tool_call>\n<function=write_file>\n<parameter=path>\nhello.py\n</parameter>\n'
            '<parameter=content>\nprint("hi")\n</parameter>\n</function>\n</tool_call>\n'
            '<function=read_file>{"path": "a.py"}</function>')
    calls = [(c.call.name, c.call.args) for c in text_calls(text)]
    assert calls == [("write_file", {"path": "hello.py", "content": 'print("hi")'}),
                     ("read_file", {"path": "a.py"})]


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.mark.parametrize("unit", ["{", '{"a": ', "[{", '{"x"', "{x{"])
def test_extraction_is_linear_in_the_reply_size(unit):
    """200 KB of openers: once quadratic (17.5 s for all-``{``, ~1000x a regex pass over
    the same text); now within a small factor of that regex pass, measured in this run."""
    big = unit * (200_000 // len(unit))
    assert list(find_json(big)) == []
    reference = _best(lambda: sum(1 for _ in re.finditer(r'[{}\[\]"]', big)))
    ours = _best(lambda: list(find_json(big)))
    assert ours < 15 * reference + 0.05, (ours, reference)


def test_deeply_nested_balanced_garbage_is_bounded():
    depth = 50_000
    text = "{x" * depth + "}" * depth  # every span balanced, none valid
    reference = _best(lambda: sum(1 for _ in re.finditer(r"[{}]", text)))
    ours = _best(lambda: list(find_json(text)))
    assert ours < 30 * reference + 0.1, (ours, reference)


def test_a_large_valid_object_is_still_found():
    value = {"tasks": [{"id": f"t{i}", "description": "x" * 100} for i in range(1000)]}
    text = "Here you go:\n```json\n" + json.dumps(value) + "\n```"
    assert list(json_objects(text)) == [value]
