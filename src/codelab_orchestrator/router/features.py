"""Cheap lexical features and complexity signals, in the languages the router knows.

Sentence embeddings see what a request is about, but blur how *much* it asks
for: "add a flag" and "add a flag, an API, an admin page and tests" land close
together. These counts -- length without pasted code, list items, sequence
words ("and then", "потом", "danach", "然后"), action verbs, file names,
scope words ("whole", "целиком", "entire") -- are appended to the embedding
for both heads, and the same signals decide whether an "atomic" answer may
skip the LLM (see :func:`complexity_signals`).

Pure functions of the text, no model: the same code runs in training and at
routing time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# A pasted stack trace or code block is long but is one problem: measure the prose.
_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_CODE_LINE = re.compile(
    r"^\s*(at |File \"|Traceback|Caused by|goroutine|npm ERR|E\s{2,}|\+\s|note:|"
    r"[\w.]+(Error|Exception|Warning)\b|panic:|thread '|\s{4,}\S|Require stack|- /)", re.MULTILINE)
_SENTENCE = re.compile(r"[.!?。！？;；]+(\s|$)|\n+")
_LIST_ITEM = re.compile(r"(^|\n)\s*([-*•]|\d+[.)])\s+\S|(^|\s)\d+\)\s*\S")
_FILE = re.compile(r"\b[\w/-]+\.(py|js|jsx|ts|tsx|go|rs|java|rb|php|vue|kt|swift|c|cc|cpp|h|cs|"
                   r"sql|yml|yaml|json|toml|md|sh|html|css|scss|ini|cfg|xml)\b", re.IGNORECASE)
_TRACE = re.compile(r"Traceback \(most recent|^\s+at \S+[:(]|panic:|Exception in thread|npm ERR!|"
                    r"\b\w+(Error|Exception)\b|exit code \d+|Segmentation fault|FAILED \S+::",
                    re.MULTILINE)
_COMMA = re.compile(r"[,，、]")
_QUESTION = re.compile(r"[?？]")
_CODE = re.compile(r"`[^`]+`")


def _words(*groups: str) -> re.Pattern[str]:
    """One pattern from word lists; a trailing ``*`` means "this stem and any ending"."""
    parts = []
    for group in groups:
        for word in group.split("|"):
            word = word.strip()
            if not word:
                continue
            stem = re.escape(word.rstrip("*"))
            if re.match(r"[\u4e00-\u9fff]", word):  # Chinese: no word boundaries
                parts.append(stem)
            else:
                tail = r"\w*" if word.endswith("*") else ""
                parts.append(rf"(?<!\w){stem}{tail}(?!\w)")
    return re.compile("|".join(parts), re.IGNORECASE)


# "and then", "first ... then", "after that": a request that is a sequence of steps.
SEQUENCE = _words(
    "and then|then|after that|afterwards|first,|finally|once that's done|as well as|step by step|"
    "followed by|next,",
    "а затем|затем|потом|после этого|сначала|в конце|а также|по шагам|пошагов*|после чего",
    "y luego|luego|después|primero|finalmente|además|paso a paso",
    "und dann|dann|danach|anschließend|zuerst|zunächst|schließlich|außerdem|schrittweise",
    "et ensuite|ensuite|puis|d'abord|enfin|après ça|étape par étape",
    "e depois|depois|em seguida|primeiro|finalmente|além disso|passo a passo",
    "然后|之后|接着|首先|最后|再|并且|同时|逐步",
)
# Scope: the whole project, from scratch, end to end, every module.
SCOPE = _words(
    "whole|entire|all the|every|everywhere|from scratch|end to end|end-to-end|full-stack|"
    "complete|full|across|codebase|project|application|app|system|platform|service*",
    "весь|всю|всё|все|всех|целиком|с нуля|полностью|полноценн*|проект*|приложени*|систем*|"
    "платформ*|сервис*|кодов* баз*",
    "todo|toda|todos|todas|completo|completa|desde cero|proyecto|aplicación|sistema|plataforma",
    "ganze*|gesamte*|alle|komplett*|von grund auf|projekt|anwendung|app|system|plattform",
    "tout|toute|tous|toutes|entier|entière|complet|complète|de zéro|projet|application|système",
    "todo|toda|todos|todas|inteiro|completo|completa|do zero|projeto|aplicativo|aplicação|sistema",
    "整个|全部|所有|完整|从零|项目|应用|系统|平台",
)
# Imperative action verbs: several different ones suggest several tasks.
ACTION = _words(
    "add|implement|build|create|write|make|fix|refactor|migrate|port|design|plan|deploy|"
    "test|document|set up|rewrite|integrate|update|replace|remove|move|split|develop|"
    "investigate|profile|review|analyse|analyze|prepare|configure",
    "добав*|реализу*|реализуй|сдела*|создай|напиши|почин*|исправ*|отрефактор*|перенеси|"
    "переведи|спроектиру*|спланиру*|задеплой|протестиру*|задокументиру*|настрой|перепиши|"
    "интегриру*|обнови|замени|удали|раздели|разработай|разберись|проанализиру*|подготовь|запили",
    "añade|agrega|implementa|construye|crea|escribe|haz|arregla|corrige|refactoriza|migra|"
    "diseña|planifica|despliega|documenta|configura|reescribe|integra|actualiza|reemplaza|desarrolla",
    "füge*|implementiere|baue|erstelle|schreibe|mach|behebe|repariere|refaktoriere|migriere|"
    "entwirf|plane|deploye|dokumentiere|konfiguriere|aktualisiere|ersetze|entwickle|richte",
    "ajoute|implémente|construis|crée|écris|fais|corrige|répare|refactorise|migre|conçois|"
    "planifie|déploie|documente|configure|réécris|intègre|mets à jour|remplace|développe",
    "adicione|adiciona|implemente|implementa|construa|crie|cria|escreva|faça|faz|corrija|"
    "conserte|refatore|migre|projete|planeje|implante|documente|configure|reescreva|integre|"
    "atualize|substitua|desenvolva",
    "添加|实现|构建|创建|编写|写|做|修复|重构|迁移|设计|规划|部署|测试|编写文档|配置|重写|集成|更新|替换|开发",
)
CONJUNCTION = _words("and|и|y|e|und|et|а также|и ещё|además|sowie|ainsi que|和|及|以及|并")


@dataclass(frozen=True)
class Signals:
    prose_chars: int
    sentences: int
    list_items: int
    commas: int
    sequence: int
    scope: int
    actions: int
    files: int
    conjunctions: int
    traces: int
    question: bool
    code_spans: int

    def complexity(self) -> int:
        """How many independent hints say "this needs a plan" (0 = none).

        Each hint alone is common in one-step requests ("add X and a test"),
        so what counts is how many agree."""
        return sum((
            self.prose_chars > 260,
            self.list_items >= 3,
            self.commas >= 3 and self.conjunctions >= 1,
            self.sequence >= 1 and self.actions >= 2,
            self.actions >= 3,
            self.scope >= 2,
            self.files >= 3,
        ))


def prose(text: str) -> str:
    """The request without fenced code and stack-trace lines."""
    text = _FENCE.sub(" ", text)
    return "\n".join(line for line in text.splitlines() if not _CODE_LINE.match(line))


def signals(text: str) -> Signals:
    body = prose(text)
    return Signals(
        prose_chars=len(body.strip()),
        sentences=len([s for s in _SENTENCE.split(body) if s and s.strip()]),
        list_items=len(_LIST_ITEM.findall(body)),
        commas=len(_COMMA.findall(body)),
        sequence=len(SEQUENCE.findall(body)),
        scope=len(SCOPE.findall(body)),
        actions=len({m.lower() for m in ACTION.findall(body)}),
        files=len({m.group(0).lower() for m in _FILE.finditer(text)}),
        conjunctions=len(CONJUNCTION.findall(body)),
        traces=len(_TRACE.findall(text)),
        question=bool(_QUESTION.search(body)),
        code_spans=len(_CODE.findall(text)),
    )


LEXICAL_NAMES = ("log_prose_chars", "sentences", "list_items", "commas", "sequence", "scope",
                 "actions", "files", "conjunctions", "traces", "question", "code_spans",
                 "complexity")


def lexical_features(text: str) -> np.ndarray:
    """A few bounded counts, in the order of :data:`LEXICAL_NAMES`."""
    s = signals(text)
    return np.array([
        np.log1p(s.prose_chars), min(s.sentences, 8), min(s.list_items, 8), min(s.commas, 10),
        min(s.sequence, 4), min(s.scope, 5), min(s.actions, 6), min(s.files, 5),
        min(s.conjunctions, 5), min(s.traces, 3), float(s.question), min(s.code_spans, 4),
        s.complexity(),
    ], dtype=np.float32)
