"""Backend settings (paths come from /etc/quantum/backend.env)."""
import logging
import os

import redis

logger = logging.getLogger(__name__)
DB_PATH = os.getenv("DB_PATH", "/home/user/data/db.sqlite")
CACHE = "/tmp/quantum_cache"
client = redis.Redis(host="quantum_redis", port=6379)


def connect(api_key: str) -> None:
    logger.info(f"connecting with key={api_key}")
