"""French exam multiple-choice benchmark (``esculape eval mcq``): FrenchMedMCQA and CasiMedicos.

One module per step of a run:

| module | step |
|---|---|
| :mod:`~evals.mcq.items` | the question record shared by every step |
| :mod:`~evals.mcq.loaders` | reading the two data sets (JSON array, token-per-line TSV) |
| :mod:`~evals.mcq.prompts` | the French prompts (closed book, or with numbered sources) |
| :mod:`~evals.mcq.answer_parser` | the letters or numbers a model wrote |
| :mod:`~evals.mcq.likelihood` | the model's next-token probabilities of each option label (llama.cpp) |
| :mod:`~evals.mcq.evidence` | the sources for ``rag`` mode and the evidence score of each option |
| :mod:`~evals.mcq.metrics` | EMR, Hamming score, ECN credit, single-answer accuracy, bootstrap CIs |
| :mod:`~evals.mcq.baselines` | the trivial answers every result is shown beside |
| :mod:`~evals.mcq.run` | the run itself |
| :mod:`~evals.mcq.report` | Parquet records, Markdown table, PNG plot and JSON summary |
"""
