"""Where runtime files live and the knobs read from the environment.

Everything the app writes goes under one home folder (PLAYGROUND_HOME, default ./var):
the app DB, the Huey DB (a separate file), uploaded datasets (Parquet) and artifacts.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    redis_url: str | None
    job_time_limit: float  # seconds
    max_upload_bytes: int
    # names this server answers to (Host header): loopback by default, against DNS rebinding
    allowed_hosts: tuple = ("localhost", "127.0.0.1", "::1")
    max_body_bytes: int = 5 * 2**20  # any request but an upload
    # a job queued this long while no worker is alive is failed, with that sentence
    queue_timeout: float = 300.0

    @property
    def db_path(self) -> Path:
        return self.home / "playground.db"

    @property
    def huey_path(self) -> Path:
        return self.home / "huey.db"

    @property
    def datasets_dir(self) -> Path:
        return self.home / "datasets"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    def ensure(self) -> Settings:
        """Create the home folder for the owner alone (0700), and everything written from
        this process with it (umask 077): datasets and databases are the user's data."""
        os.umask(0o077)
        for d in (self.home, self.datasets_dir, self.artifacts_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            d.chmod(0o700)
        for f in (self.db_path, self.huey_path):
            if f.exists():
                f.chmod(0o600)
        return self

    def session_secret(self) -> str:
        """From PLAYGROUND_SECRET, else a key file in the home folder (never the cwd)."""
        if os.environ.get("PLAYGROUND_SECRET"):
            return os.environ["PLAYGROUND_SECRET"]
        path = self.ensure().home / "session.key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


def settings() -> Settings:
    return Settings(
        home=Path(os.environ.get("PLAYGROUND_HOME", "var")).resolve(),
        redis_url=os.environ.get("PLAYGROUND_REDIS_URL") or None,
        job_time_limit=float(os.environ.get("PLAYGROUND_JOB_TIME_LIMIT", 30 * 60)),
        max_upload_bytes=int(os.environ.get("PLAYGROUND_MAX_UPLOAD_MB", 200)) * 1024 * 1024,
        allowed_hosts=tuple(h.strip() for h in os.environ.get("PLAYGROUND_ALLOWED_HOSTS", "localhost,127.0.0.1,::1")
                            .split(",") if h.strip()),
        max_body_bytes=int(float(os.environ.get("PLAYGROUND_MAX_BODY_MB", 5)) * 2**20),
        queue_timeout=float(os.environ.get("PLAYGROUND_QUEUE_TIMEOUT_SECONDS", 300)),
    )
