#!/usr/bin/env bash
# Nightly training (legacy): every line below breaks the contract once.
set -euo pipefail
cd models && python3 train.py >> logs/nightly.log 2>&1
docker exec quantum_redis redis-cli PING
source .env
ops/run.sh ai-engine ops/training/train_patchtst.py   # this one is right
