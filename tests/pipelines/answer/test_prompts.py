"""Fitting sources into the model's window: by rank, never mid-line, always said."""

from pipelines.answer.prompts import NumberedSource, build_messages, fit_sources


def count(text: str) -> int:
    return len(text.split())


def _source(n: int, lines: int) -> NumberedSource:
    return NumberedSource(
        n, f"ANSM — source {n}", "\n".join(f"fait {n}.{i} avec quatre mots" for i in range(lines))
    )


def test_sources_fit_whole_then_cut_at_a_line_then_dropped_with_notes():
    sources = [_source(1, 10), _source(2, 10), _source(3, 10)]
    fitted = fit_sources(sources, budget_tokens=90, count_tokens=count)
    assert [s.number for s in fitted.sources] == [1, 2]
    assert fitted.sources[0].text == sources[0].text
    cut = fitted.sources[1]
    assert cut.truncated and cut.text.endswith("[…]")
    assert all(line.endswith("mots") for line in cut.text.split("\n")[:-1])  # whole lines only
    assert fitted.dropped == 1 and "[3]" in " ".join(fitted.notes) and "[2]" in " ".join(fitted.notes)


def test_everything_fits_without_notes():
    fitted = fit_sources([_source(1, 2)], budget_tokens=1000, count_tokens=count)
    assert fitted.notes == [] and fitted.dropped == 0


def test_messages_number_the_sources_and_fence_them_as_data():
    system, user = build_messages("Quel est le SMR ?", [_source(1, 1)], [])
    assert "[n]" in user.text and "[1] ANSM — source 1" in user.text and "<<<" in user.text
    assert "uniquement à partir des sources" in system.text
