"""Question files for the bank and import tests, built as text."""

from __future__ import annotations

TOPICS = {"alpha": frozenset({"memory", "timeout"}), "beta": frozenset({"retries"})}


def option(text: str, correct: bool = False, explanation: str | None = None) -> str:
    why = explanation if explanation is not None else f"Because of {text.lower()}."
    return f"      - {{text: '{text}', correct: {str(correct).lower()}, explanation: '{why}'}}\n"


def single(
    key: str,
    correct_letter: str = "A",
    stem: str | None = None,
    skill: str = "1.2.2",
    section: str = "memory",
    source: str = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html",
    texts=("Raise memory", "Lower timeout", "Add a layer", "Use arm64"),
) -> str:
    index = "ABCDE".index(correct_letter)  # "E": no option is correct
    body = (
        f'  - id: {key}\n    type: single\n    skill: "{skill}"\n    section: {section}\n    source: {source}\n'
        f"    stem: >-\n      {stem or f'Stem of {key}: which change fixes the slow function?'}\n    options:\n"
    )
    return body + "".join(option(f"{text} ({key})", i == index) for i, text in enumerate(texts))


def multiple(key: str, correct=(0, 2), stem: str | None = None, count: int = 5) -> str:
    words = {2: "TWO", 3: "THREE"}[len(correct)]
    body = (
        f'  - id: {key}\n    type: multiple\n    skill: "1.2.3"\n    section: memory\n'
        "    source: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html\n"
        f"    stem: >-\n      {stem or f'Stem of {key}: which steps help? (Select {words}.)'}\n    options:\n"
    )
    return body + "".join(option(f"Step {i} of {key}", i in correct) for i in range(count))


def bank_file(topic: str, *questions: str) -> str:
    return f"topic: {topic}\nquestions:\n" + "".join(questions)
