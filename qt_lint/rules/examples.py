"""Unit texts that rules' VALID/INVALID examples start from (every family uses them)."""

from __future__ import annotations

GOLDEN = """\
[Unit]
Description=Quantum backend
After=network-online.target redis-server.service
Wants=network-online.target
BindsTo=redis-server.service

[Service]
Type=simple
User=qt
Group=qt
WorkingDirectory=/home/qt/quantum_trader
EnvironmentFile=/etc/quantum/backend.env
ExecStart=/opt/quantum/venvs/backend/bin/python -m backend.main
Restart=always
RestartSec=10
StandardOutput=journal
StandardError=journal
SyslogIdentifier=quantum-backend

[Install]
WantedBy=multi-user.target
"""

GOLDEN_ONESHOT = """\
[Unit]
Description=Quantum nightly training
After=network-online.target redis-server.service
Wants=network-online.target
BindsTo=redis-server.service

[Service]
Type=oneshot
RemainAfterExit=no
User=qt
Group=qt
WorkingDirectory=/home/qt/quantum_trader
EnvironmentFile=/etc/quantum/ai-engine.env
ExecStart=/opt/quantum/venvs/ai-engine/bin/python ops/training/train_patchtst.py
StandardOutput=journal
StandardError=journal
SyslogIdentifier=quantum-ai-engine
"""

PATH = "systemd/quantum-backend.service"
