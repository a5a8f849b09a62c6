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
    # per job: memory (bytes) and native threads (BLAS/OpenMP); 0 = the machine's default
    job_memory_bytes: int = 0
    job_threads: int = 0
    # a job's CPU priority (nice, 0-19): behind the web process and the desktop by default
    job_niceness: int = 10
    max_cells: int = 50_000_000  # rows x columns of an upload
    ingest_memory_bytes: int = 0  # the upload helper's memory; 0 = the machine's default
    # free space kept on the home folder's disk: runs and uploads are refused below it (data.disk)
    min_free_bytes: int = 64 * 2**20
    # proxies whose Forwarded / X-Forwarded-Proto / X-Forwarded-Host are believed (web/security.py)
    trusted_proxies: tuple = ("127.0.0.1", "::1")
    # the per-node cache of run outputs (executor/cache.py): least recently used entries go beyond it
    cache_bytes: int = 1024 * 2**20

    @property
    def ingest_memory_limit(self) -> int:
        """What the upload helper may hold while it converts a file:
        PLAYGROUND_INGEST_MEMORY_MB, else a quarter of the machine's memory (at least 512 MB)."""
        if self.ingest_memory_bytes:
            return self.ingest_memory_bytes
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            total = 8 * 2**30
        return max(512 * 2**20, int(total * 0.25))

    @property
    def job_memory_limit(self) -> int:
        """The per-job memory limit: PLAYGROUND_JOB_MEMORY_MB, else 40% of the machine's
        memory, so two jobs at their limit still leave room for the app and the system."""
        if self.job_memory_bytes:
            return self.job_memory_bytes
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError):
            total = 8 * 2**30
        return max(512 * 2**20, int(total * 0.4))

    @property
    def job_thread_budget(self) -> int:
        """Native threads per job: PLAYGROUND_JOB_THREADS, else the cores shared among the
        workers (PLAYGROUND_WORKERS, 2 by default), so jobs do not fight over cores."""
        if self.job_threads:
            return self.job_threads
        workers = max(1, int(os.environ.get("PLAYGROUND_WORKERS", 2)))
        return max(1, (os.cpu_count() or 1) // workers)

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

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

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
        job_memory_bytes=int(float(os.environ.get("PLAYGROUND_JOB_MEMORY_MB", 0)) * 2**20),
        job_threads=int(os.environ.get("PLAYGROUND_JOB_THREADS", 0)),
        job_niceness=min(19, max(0, int(os.environ.get("PLAYGROUND_JOB_NICE", 10)))),
        max_cells=int(float(os.environ.get("PLAYGROUND_MAX_CELLS", 50_000_000))),
        ingest_memory_bytes=int(float(os.environ.get("PLAYGROUND_INGEST_MEMORY_MB", 0)) * 2**20),
        min_free_bytes=int(float(os.environ.get("PLAYGROUND_MIN_FREE_MB", 64)) * 2**20),
        trusted_proxies=tuple(p.strip() for p in os.environ.get("PLAYGROUND_TRUSTED_PROXIES", "127.0.0.1,::1")
                              .split(",") if p.strip()),
        cache_bytes=int(float(os.environ.get("PLAYGROUND_CACHE_MB", 1024)) * 2**20),
    )
