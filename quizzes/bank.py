"""The question bank as files: reading, structural checks and bank health. Pure: no models here.

A bank file is ``quizzes/content/NN-topic.yaml`` holding ``topic`` and a list of ``questions`` (see
docs/quizzes.md). ``read_bank`` returns every question it could read and every problem it found, each problem
naming the file, the question id and what is wrong. PyYAML is only used at the file edge (``read_file``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from quizzes.skills import SKILLS

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons" / "content"

FILE_RE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.ya?ml$")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SELECT_RE = re.compile(r"\(\s*Select\s+([A-Z]+)\s*\.?\s*\)", re.IGNORECASE)
NUMBER_WORDS = {"TWO": 2, "THREE": 3}
BANNED_OPTIONS = ("all of the above", "none of the above")
LETTERS = "ABCDEF"
QUESTION_FIELDS = {"id", "type", "skill", "section", "source", "stem", "options"}
OPTIONAL_FIELDS = {"demo"}  # the sandbox demo (sandbox/demos/NAME.yaml) that shows the behaviour the key rests on
SOURCE_PREFIXES = ("https://docs.aws.amazon.com/", "https://aws.amazon.com/", "https://docs.powertools.aws.dev/")
# Explanations and stems name options by content, never by letter: options are shown in a shuffled order.
LETTER_REFERENCE_RES = (
    re.compile(r"\b(?i:options?|answers?|choices?|letters?)\s+\(?[A-F]\b\)?"),
    re.compile(r"\(\s*[A-F]\s*\)"),
    re.compile(r"\b[A-F]\s*(?:,|and|or|&)\s*[A-F]\b"),
)
OPTION_FIELDS = {"text", "correct", "explanation"}

# Bank-health limits: the balance `health()` checks across the whole bank.
MAX_LETTER_SHARE = 0.35
MAX_LONGEST_SHARE = 0.40
MIN_PER_TOPIC = 10
MIN_TOTAL = 180
MIN_MULTIPLE_SHARE = 0.25
MAX_KEY_SET_SHARE = 0.25  # no one set of keyed positions (say first and second) in more multiple-response questions
MAX_KEYED_POSITION_SHARE = 0.60  # no option position keyed in more multiple-response questions
MIN_MULTIPLE_FOR_BALANCE = 10  # below this many multiple-response questions the shares mean little


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Question:
    key: str
    topic: str
    skill: str
    kind: str  # "single" | "multiple"
    section: str
    stem: str
    options: tuple[Option, ...]
    source: str  # file name
    position: int  # order within the file, from 1
    doc_url: str = ""  # the AWS documentation page the key rests on (``source:`` in the file)
    demo: str | None = None  # the sandbox demo that shows the behaviour the key rests on

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        return tuple(index for index, option in enumerate(self.options) if option.correct)

    def as_dict(self) -> dict:
        data = {
            "id": self.key,
            "topic": self.topic,
            "skill": self.skill,
            "type": self.kind,
            "section": self.section,
            "source": self.doc_url,
            "stem": self.stem,
            "options": [{"text": o.text, "correct": o.correct, "explanation": o.explanation} for o in self.options],
        }
        if self.demo:
            data["demo"] = self.demo
        return data


@dataclass(frozen=True)
class Problem:
    file: str
    question: str  # the question id, or "-" for file-level problems
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.question}: {self.message}"


@dataclass(frozen=True)
class Health:
    total: int
    per_topic: dict[str, dict[str, int]]
    letters: dict[str, int]  # position of the correct option in single-choice questions
    single: int
    multiple: int
    longest_correct: int  # single-choice questions whose correct option is the longest (ties count)
    longest_correct_multiple: int  # multiple-response questions whose longest option is correct
    key_sets: dict[str, int] = field(default_factory=dict)  # "A+B" -> multiple-response questions keyed so
    keyed_positions: dict[str, int] = field(default_factory=dict)  # letter -> multiple-response questions keying it
    failures: tuple[str, ...] = field(default=())

    @property
    def multiple_share(self) -> float:
        return self.multiple / self.total if self.total else 0.0

    @property
    def longest_share(self) -> float:
        return self.longest_correct / self.single if self.single else 0.0

    def letter_share(self, letter: str) -> float:
        return self.letters.get(letter, 0) / self.single if self.single else 0.0

    def key_set_share(self, key_set: str) -> float:
        return self.key_sets.get(key_set, 0) / self.multiple if self.multiple else 0.0

    def keyed_position_share(self, letter: str) -> float:
        return self.keyed_positions.get(letter, 0) / self.multiple if self.multiple else 0.0


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def lesson_topics(directory: Path = LESSONS_DIR) -> dict[str, frozenset[str]]:
    """Lesson slug -> the anchors of its headings, read from the lesson files."""
    from lessons.markdown import render, split_front_matter

    topics: dict[str, frozenset[str]] = {}
    for path in sorted(directory.glob("*.md")):
        match = re.match(r"^\d{2}-([a-z0-9-]+)\.md$", path.name)
        if not match:
            continue
        try:
            meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"))
            _, toc = render(body)
        except Exception:  # an unreadable lesson still names a topic; its sections stay unknown
            topics[match.group(1)] = frozenset()
            continue
        slug = meta.get("slug") if isinstance(meta, dict) else None
        topics[slug or match.group(1)] = frozenset(anchor for _, anchor, _ in toc)
    return topics


def read_option(raw: object, number: int, problem) -> Option | None:
    letter = LETTERS[number] if number < len(LETTERS) else str(number + 1)
    if not isinstance(raw, dict):
        problem(f"option {letter} must be a mapping with text, correct and explanation")
        return None
    unknown = set(raw) - OPTION_FIELDS
    if unknown:
        problem(f"option {letter} has unknown field(s): {', '.join(sorted(unknown))}")
    text, correct, explanation = raw.get("text"), raw.get("correct"), raw.get("explanation")
    if not isinstance(text, str) or not text.strip():
        problem(f"option {letter} has no text")
        return None
    if not isinstance(correct, bool):
        problem(f"option {letter}: 'correct' must be true or false")
        return None
    if not isinstance(explanation, str) or not explanation.strip():
        problem(f"option {letter} has no explanation (every option needs one: why right or why wrong)")
        return None
    if normalised(text).rstrip(".") in BANNED_OPTIONS:
        problem(f"option {letter} is '{text.strip()}': write a real option instead")
    return Option(text=text.strip(), correct=correct, explanation=explanation.strip())


def check_source(source: object, problem) -> str:
    """The documentation page a question's key rests on: an AWS URL, required."""
    if not isinstance(source, str) or not source.strip():
        problem("source must be the URL of the AWS documentation page the answer rests on")
        return ""
    source = source.strip()
    if not source.startswith(SOURCE_PREFIXES) or any(ch.isspace() for ch in source):
        problem(
            f"source {source!r} must be one URL starting with {' or '.join(SOURCE_PREFIXES)} "
            "(the AWS documentation page the answer rests on)"
        )
    return source


def letter_reference(text: str) -> str | None:
    """The first place a text names an option by its letter ("option B", "(C)", "A and D"), or None."""
    for pattern in LETTER_REFERENCE_RES:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


def check_letters(stem: str, options: list[Option], problem) -> None:
    places = [("the stem", stem)]
    for i, option in enumerate(options):
        places += [
            (f"option {LETTERS[i]}", option.text),
            (f"the explanation of option {LETTERS[i]}", option.explanation),
        ]
    for where, text in places:
        found = letter_reference(text)
        if found:
            problem(
                f"{where} refers to an option by letter ({found!r}); options are shown shuffled, "
                "so name the option by what it says"
            )


def check_counts(kind: str, stem: str, options: list[Option], problem) -> None:
    correct = sum(1 for option in options if option.correct)
    asked = SELECT_RE.search(stem)
    if kind == "single":
        if len(options) != 4:
            problem(f"a single-choice question needs 4 options, found {len(options)}")
        if correct != 1:
            problem(f"a single-choice question needs exactly 1 correct option, found {correct}")
        if asked:
            problem(f"the stem says '{asked.group(0)}' but the type is single")
        return
    if not 5 <= len(options) <= 6:
        problem(f"a multiple-response question needs 5 or 6 options, found {len(options)}")
    if not 2 <= correct <= 3:
        problem(f"a multiple-response question needs 2 or 3 correct options, found {correct}")
    if not asked:
        problem("a multiple-response stem must say how many to pick, e.g. '(Select TWO.)'")
    elif NUMBER_WORDS.get(asked.group(1).upper()) != correct:
        problem(f"the stem says '{asked.group(0)}' but {correct} options are marked correct")


def check_demo(demo: object, problem) -> str | None:
    """The demo name, or None; a name that matches no file in sandbox/demos/ is a problem."""
    if demo is None:
        return None
    from sandbox.demos import demo_names

    if not isinstance(demo, str) or demo not in demo_names():
        known = ", ".join(sorted(demo_names()))
        problem(f"demo {demo!r} is not a sandbox demo (a file in sandbox/demos/); known demos: {known}")
        return None
    return demo


def read_question(raw: object, file_name: str, topic: str, topics: dict, position: int):
    """One raw question -> (Question or None, problems)."""
    key = raw.get("id") if isinstance(raw, dict) else None
    label = key if isinstance(key, str) and key else f"question #{position}"
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(file_name, label, message))

    if not isinstance(raw, dict):
        problem("each question must be a mapping")
        return None, problems
    missing = sorted(QUESTION_FIELDS - set(raw))
    if missing:
        problem(f"missing field(s): {', '.join(missing)}")
        return None, problems
    unknown = sorted(set(raw) - QUESTION_FIELDS - OPTIONAL_FIELDS)
    if unknown:
        problem(f"unknown field(s): {', '.join(unknown)}")
    if not isinstance(key, str) or not ID_RE.match(key):
        problem("the id must be lower-case letters, digits and hyphens, e.g. 'execution-model-01'")
    kind, skill, section, stem = raw["type"], str(raw["skill"]), raw["section"], raw["stem"]
    if kind not in ("single", "multiple"):
        problem(f"type must be 'single' or 'multiple', not {kind!r}")
    if skill not in SKILLS:
        problem(f"skill {skill!r} is not a DVA-C02 skill id this bank knows (see quizzes/skills.py)")
    anchors = topics.get(topic)
    if not isinstance(section, str) or not section:
        problem("section must name the anchor of a lesson heading")
    elif anchors and section not in anchors:
        problem(f"section {section!r} is not a heading anchor of the lesson '{topic}'")
    if not isinstance(stem, str) or not stem.strip():
        problem("the stem is empty")
        stem = ""
    doc_url = check_source(raw["source"], problem)
    demo = check_demo(raw.get("demo"), problem)
    raw_options = raw["options"]
    if not isinstance(raw_options, list) or not raw_options:
        problem("options must be a list")
        return None, problems
    options = [read_option(item, number, problem) for number, item in enumerate(raw_options)]
    if any(option is None for option in options):
        return None, problems
    texts = [" ".join(option.text.split()) for option in options]  # case kept: record["body"] != record["Body"]
    if len(set(texts)) != len(texts):
        problem("two options have the same text")
    if kind in ("single", "multiple"):
        check_counts(kind, stem, options, problem)
    check_letters(stem, options, problem)
    if problems:
        return None, problems
    question = Question(
        key=key,
        topic=topic,
        skill=skill,
        kind=kind,
        section=section,
        stem=stem.strip(),
        options=tuple(options),
        source=file_name,
        position=position,
        doc_url=doc_url,
        demo=demo,
    )
    return question, problems


def read_file(text: str, file_name: str, topics: dict) -> tuple[list[Question], list[Problem]]:
    match = FILE_RE.match(file_name)
    if not match:
        return [], [Problem(file_name, "-", "file names look like 'NN-topic.yaml', e.g. '01-execution-model.yaml'")]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        return [], [Problem(file_name, "-", f"the file is not valid YAML{where}: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return [], [Problem(file_name, "-", "the file needs 'topic:' and a 'questions:' list")]
    topic = data.get("topic")
    problems: list[Problem] = []
    if topic != match.group(2):
        problems.append(Problem(file_name, "-", f"topic {topic!r} does not match the file name ({match.group(2)!r})"))
    if topic not in topics:
        problems.append(
            Problem(file_name, "-", f"topic {topic!r} is not a lesson slug (no lessons/content/NN-{topic}.md)")
        )
    questions = []
    for position, raw in enumerate(data["questions"], start=1):
        question, found = read_question(raw, file_name, str(topic), topics, position)
        problems.extend(found)
        if question:
            questions.append(question)
    return questions, problems


def check_unique(questions: list[Question]) -> list[Problem]:
    problems, ids, stems = [], {}, {}
    for question in questions:
        if question.key in ids:
            problems.append(Problem(question.source, question.key, f"id already used in {ids[question.key]}"))
        ids.setdefault(question.key, question.source)
        stem = normalised(question.stem)
        if stem in stems:
            problems.append(Problem(question.source, question.key, f"same stem as {stems[stem]}"))
        stems.setdefault(stem, question.key)
    return problems


def read_bank(directory: Path = CONTENT_DIR, topics: dict | None = None) -> tuple[list[Question], list[Problem]]:
    """Every question in the folder's *.yaml files, and every problem found (an empty list means valid)."""
    topics = lesson_topics() if topics is None else topics
    questions: list[Question] = []
    problems: list[Problem] = []
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not paths:
        problems.append(Problem(str(directory), "-", "no question files (*.yaml) found"))
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(path.name, "-", "the file is not valid UTF-8 text"))
            continue
        found, trouble = read_file(text, path.name, topics)
        questions.extend(found)
        problems.extend(trouble)
    problems.extend(check_unique(questions))
    return questions, problems


def is_longest(options: tuple[Option, ...], index: int) -> bool:
    return len(options[index].text) >= max(len(option.text) for option in options)


def health(
    questions: list[Question],
    min_per_topic: int = MIN_PER_TOPIC,
    min_total: int = MIN_TOTAL,
    min_multiple_share: float = MIN_MULTIPLE_SHARE,
) -> Health:
    per_topic: dict[str, dict[str, int]] = {}
    letters: Counter[str] = Counter()
    key_sets: Counter[str] = Counter()
    keyed_positions: Counter[str] = Counter()
    longest = longest_multiple = 0
    for question in questions:
        counts = per_topic.setdefault(question.topic, {"single": 0, "multiple": 0})
        counts[question.kind] += 1
        if question.kind == "single":
            index = question.correct_indexes[0]
            letters[LETTERS[index]] += 1
            longest += is_longest(question.options, index)
        else:
            top = max(range(len(question.options)), key=lambda i: len(question.options[i].text))
            longest_multiple += question.options[top].correct
            keyed = [LETTERS[i] for i in question.correct_indexes]
            key_sets["+".join(keyed)] += 1
            keyed_positions.update(keyed)
    single = sum(c["single"] for c in per_topic.values())
    multiple = sum(c["multiple"] for c in per_topic.values())
    report = Health(
        total=len(questions),
        per_topic=per_topic,
        letters=dict(letters),
        single=single,
        multiple=multiple,
        longest_correct=longest,
        longest_correct_multiple=longest_multiple,
        key_sets=dict(key_sets),
        keyed_positions=dict(keyed_positions),
    )
    failures = []
    for letter in LETTERS[:4]:
        if report.letter_share(letter) > MAX_LETTER_SHARE:
            failures.append(
                f"letter {letter} holds {report.letter_share(letter):.0%} of the single-choice answers "
                f"(limit {MAX_LETTER_SHARE:.0%}): move some correct options to other letters"
            )
    if report.longest_share > MAX_LONGEST_SHARE:
        failures.append(
            f"the correct option is the longest in {report.longest_share:.0%} of single-choice questions "
            f"(limit {MAX_LONGEST_SHARE:.0%}): lengthen some distractors or shorten the right answers"
        )
    failures.extend(multiple_balance_failures(report))
    for topic, counts in sorted(per_topic.items()):
        if sum(counts.values()) < min_per_topic:
            failures.append(f"topic {topic} has {sum(counts.values())} questions (at least {min_per_topic})")
    if report.total < min_total:
        failures.append(f"the bank has {report.total} questions (at least {min_total})")
    if report.total and report.multiple_share < min_multiple_share:
        failures.append(
            f"{report.multiple_share:.0%} of questions are multiple response (at least {min_multiple_share:.0%})"
        )
    return Health(**{**report.__dict__, "failures": tuple(failures)})


def multiple_balance_failures(report: Health) -> list[str]:
    """Multiple-response keys must not form a pattern a student could learn instead of the content."""
    if report.multiple < MIN_MULTIPLE_FOR_BALANCE:
        return []
    failures = []
    for key_set, count in sorted(report.key_sets.items()):
        if report.key_set_share(key_set) > MAX_KEY_SET_SHARE:
            failures.append(
                f"{count} of {report.multiple} multiple-response questions ({report.key_set_share(key_set):.0%}) are "
                f"keyed {key_set} (limit {MAX_KEY_SET_SHARE:.0%}): reorder the options of some of them"
            )
    for letter in LETTERS:
        share = report.keyed_position_share(letter)
        if share > MAX_KEYED_POSITION_SHARE:
            failures.append(
                f"option {letter} is correct in {share:.0%} of multiple-response questions "
                f"(limit {MAX_KEYED_POSITION_SHARE:.0%}): move some correct options to other positions"
            )
    return failures
