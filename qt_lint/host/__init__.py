"""`qt-lint host`: a read-only, fail-closed audit of a live server or a mounted image.

collect.py reads the host into a Snapshot (the only code that touches the host);
checks/ judges a Snapshot with pure functions; report.py prints the results.
"""
