"""Generate the router's training data from hand-written frames and phrase lists.

Each language module in ``data/router/sources/`` (``en.py``, ``ru.py``, ...)
defines ``FRAMES`` -- request templates per (agent, is_atomic) -- and ``SLOTS``,
phrase lists that fill them; ``common.py`` holds what is the same in every
language (file names, identifiers, error messages, stack traces). Every frame is
rendered a few times with different fillers, sometimes wrapped in a context
sentence before and a remark after (long multi-sentence requests), sometimes
lower-cased without final punctuation (chat style). ``HANDWRITTEN`` requests are
added as they are.

Each example records its ``family`` (language, label and frame number): the
variants of one frame share most words, so cross-validation splits by family,
never inside one (``scripts/train_router.py``).

Deterministic: the same sources give byte-identical files.

Usage: python scripts/generate_router_data.py [--per-frame 6]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "router"
SOURCES = DATA / "sources"
LANGS = ["en", "ru", "es", "de", "fr", "pt", "zh", "mixed"]
SLOT = re.compile(r"\{(\w+)\}")
LISTS = {"parts", "bullets", "numbered", "numbered_inline", "bug_bullets"}


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"router_source_{name}", SOURCES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Filler:
    """Fills ``{slot}`` markers: language slots first, then the common ones."""

    def __init__(self, lang: ModuleType, common: ModuleType, rng: random.Random):
        self.lang, self.rng = lang, rng
        self.slots = {k.lower(): v for k, v in vars(common).items() if isinstance(v, list)}
        self.slots.update(lang.SLOTS)

    def fill(self, template: str) -> str:
        used: dict[str, set[str]] = {}
        text = template
        for _ in range(4):  # fillers may hold slots themselves ("pagination to {endpoint}")
            text = SLOT.sub(lambda m: self.value(m.group(1), used), text)
            if not SLOT.search(text):
                break
        return text

    def value(self, name: str, used: dict[str, set[str]]) -> str:
        if name in LISTS:
            return self.listing(name)
        lower = name.endswith("_lc")
        base = name[:-3] if lower else name
        if base not in self.slots:  # {tech2}: a second, different {tech}
            base = base.rstrip("0123456789")
        if base not in self.slots:
            raise KeyError(f"{self.lang.LANG}: unknown slot {{{name}}}")
        seen = used.setdefault(base, set())
        choices = [v for v in self.slots[base] if v not in seen] or self.slots[base]
        choice = self.rng.choice(choices)
        seen.add(choice)
        if lower and choice[:1].isupper() and not choice[1:2].isupper():
            choice = choice[0].lower() + choice[1:]
        return choice

    def listing(self, kind: str) -> str:
        source = "symptom" if kind == "bug_bullets" else "part"
        items = self.rng.sample(self.slots[source], self.rng.randint(3, 5))
        items = [self.fill(i) for i in items]
        if kind == "parts":
            sep = getattr(self.lang, "LIST_SEP", ", ")
            space = "" if self.lang.LANG == "zh" else " "
            return sep.join(items[:-1]) + f"{space}{self.lang.AND}{space}" + items[-1]
        if kind in ("bullets", "bug_bullets"):
            return "\n".join(f"- {i}" for i in items)
        if kind == "numbered":
            return "\n".join(f"{n}. {i}" for n, i in enumerate(items, 1))
        return " ".join(f"{n}) {i};" for n, i in enumerate(items, 1))


def chat_style(text: str) -> str:
    text = text.rstrip(".!。！")
    return text[0].lower() + text[1:] if text[:1].isupper() else text


def generate(lang_name: str, common: ModuleType, per_frame: int) -> list[dict]:
    lang = load(lang_name)
    rng = random.Random(f"router-data-{lang_name}")
    filler = Filler(lang, common, rng)
    joiner = "" if lang_name == "zh" else " "
    rows, seen = [], set()
    for (agent, atomic), frames in lang.FRAMES.items():
        for index, frame in enumerate(frames):
            family = f"{lang_name}:{agent}:{'atomic' if atomic else 'plan'}:{index}"
            for _ in range(per_frame * 3):
                text = filler.fill(frame)
                roll = rng.random()
                if roll < 0.4:  # one or two sentences of context before the request
                    context = rng.sample(lang.PREFIX, 2 if roll < 0.12 else 1)
                    text = joiner.join([*(filler.fill(c) for c in context), text])
                if rng.random() < 0.25:
                    text = joiner.join([text, filler.fill(rng.choice(lang.SUFFIX))])
                if rng.random() < 0.15 and "\n" not in text:
                    text = chat_style(text)
                if text in seen:
                    continue
                seen.add(text)
                rows.append({"text": text, "lang": lang.LANG, "agent": agent, "is_atomic": atomic,
                             "family": family})
                if sum(r["family"] == family for r in rows) >= per_frame:
                    break
    for index, (text, agent, atomic) in enumerate(lang.HANDWRITTEN):
        if text not in seen:
            seen.add(text)
            rows.append({"text": text, "lang": lang.LANG, "agent": agent, "is_atomic": atomic,
                         "family": f"{lang_name}:handwritten:{index}"})
    return rows


def render_all(per_frame: int = 6) -> dict[str, str]:
    """File name -> JSONL content for every language with a source module."""
    common = load("common")
    files = {}
    for lang_name in LANGS:
        if (SOURCES / f"{lang_name}.py").exists():
            rows = generate(lang_name, common, per_frame)
            files[f"train_{lang_name}.jsonl"] = "".join(
                json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-frame", type=int, default=6)
    args = parser.parse_args()
    for old in DATA.glob("train_*.jsonl"):
        old.unlink()
    total = 0
    for name, content in render_all(args.per_frame).items():
        (DATA / name).write_text(content)
        count = content.count("\n")
        total += count
        print(f"data/router/{name}: {count} requests")
    print(f"{total} requests in all")


if __name__ == "__main__":
    main()
