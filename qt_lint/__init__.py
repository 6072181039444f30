"""qt-lint: machine enforcement of the Quantum Trader systemd golden contract."""

from __future__ import annotations

__version__ = "0.1.0"
