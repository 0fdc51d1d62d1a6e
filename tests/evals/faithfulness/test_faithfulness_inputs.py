"""Bad input to ``esculape eval faithfulness``: one actionable line, exit code 2, never a traceback."""

import json
import subprocess
import sys

import pytest

from evals.faithfulness.answers import InputError, load_answers, load_questions
from evals.faithfulness.judge import JudgeError, parse_judge
from evals.faithfulness.run import FaithfulnessConfig


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "esculape.cli", "eval", "faithfulness", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_missing_question_file_names_the_path(tmp_path):
    with pytest.raises(InputError, match="absent.jsonl' not found"):
        load_questions(tmp_path / "absent.jsonl")


def test_bad_json_line_is_located(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "Quel est le SMR du Xarelto ?"}\n{"question": \n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        load_questions(path)


def test_question_without_text_is_refused(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q1", "question": "  "}\n', encoding="utf-8")
    with pytest.raises(InputError, match="record 1: no 'question' text"):
        load_questions(path)


def test_questions_get_ids_and_limit_applies(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "a"}\n{"question": "b"}\n{"question": "c"}\n', encoding="utf-8")
    questions = load_questions(path, limit=2)
    assert [q["id"] for q in questions] == ["q01", "q02"]


def test_answer_file_from_elsewhere_is_refused_with_the_missing_fields(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps({"id": "q1", "question": "x", "answer": "y"}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing contexts, abstained, refused, model"):
        load_answers(path)


@pytest.mark.parametrize(
    "spec, reason",
    [
        ("gpt4", "unknown backend 'gpt4'"),
        ("openai:localhost:8080/v1", "must start with http"),
        ("", "unknown"),
    ],
)
def test_bad_judge_lists_valid_forms(spec, reason):
    with pytest.raises(JudgeError, match=reason) as error:
        parse_judge(spec)
    assert "llamacpp:smollm2" in str(error.value)


def test_judge_forms_are_parsed():
    assert parse_judge("llamacpp") == ("llamacpp", "default", "")
    assert parse_judge("llamacpp:smollm2") == ("llamacpp", "smollm2", "")
    assert parse_judge("openai:http://gpu:8000/v1/#mistral") == ("openai", "http://gpu:8000/v1", "mistral")


@pytest.mark.parametrize(
    "config, reason",
    [
        (FaithfulnessConfig(runs=0), "--runs 0"),
        (FaithfulnessConfig(metrics=("faithfulness", "bleu")), "unknown metric"),
        (FaithfulnessConfig(strictness=0), "--strictness 0"),
    ],
)
def test_bad_options_are_refused(config, reason):
    with pytest.raises(InputError, match=reason):
        config.check()


def test_cli_missing_question_file(tmp_path):
    result = _cli("--questions", str(tmp_path / "absent.jsonl"))
    assert result.returncode == 2
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_cli_bad_judge_fails_before_any_answer(tmp_path):
    result = _cli("--judge", "gpt4", "--questions", str(tmp_path / "absent.jsonl"))
    assert result.returncode == 2
    assert "--judge 'gpt4'" in result.stderr and "Traceback" not in result.stderr


def test_cli_bad_answer_file(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    result = _cli("--answers", str(path))
    assert result.returncode == 2
    assert "line 1: not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_cli_zero_runs():
    result = _cli("--runs", "0")
    assert result.returncode == 2
    assert "--runs 0" in result.stderr
