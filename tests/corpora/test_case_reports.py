"""Clinical case report passages."""

import pytest

from corpora.case_reports import load_case_reports
from corpora.report import LoadReport

pytestmark = pytest.mark.corpus


def test_cases_are_deduplicated_and_chunked(corpus_dir) -> None:
    passages = list(load_case_reports(corpus_dir / "e3c_fr_clinical_cases", LoadReport()))
    cases = {p.id.rsplit(":", 1)[0] for p in passages}

    assert len(cases) == 1_007
    assert max(len(p.content.split()) for p in passages) <= 420
    first = next(p for p in passages if p.id == "case:FR100717:0")
    assert first.meta["title"].startswith("Un homme de 42 ans sans antécédent particulier")
    assert first.meta["url"] == "https://www.panafrican-med-journal.com/content/article/28/187/full/"
    assert first.meta["licence"] == "CC BY 4.0"
    assert first.meta["publisher"] == "Pan African Medical Journal"
