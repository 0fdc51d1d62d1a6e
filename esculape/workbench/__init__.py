"""Helpers of the Streamlit workbench (``app.py``), one concept per module.

| module | concept |
|---|---|
| ``scrubbing`` | patient identifiers removed from any text before it is stored |
| ``feedback`` | clinicians' feedback on answers, in SQLite (WAL), exported with polars |
| ``users`` | the pilot's users file: salted scrypt password hashes, and a command to add a user |
| ``audit`` | the per-user audit log of pilot mode (SQLite, WAL, synchronous writes) |
| ``highlight`` | a passage as escaped HTML with the question's terms marked |
| ``rendering`` | safe Markdown for answers, severity colours, drug-card and interaction tables |
| ``compare`` | one question through bm25, dense and hybrid, and which passages differ |
"""
