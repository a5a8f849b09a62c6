"""The benchmarks (`make bench`, `python -m bench`). Every temporary folder a benchmark makes
(app homes of 200 MB, generated CSVs, unzipped bundles, its children's own) goes under one
scratch folder per benchmark process, removed when it ends: they used to stay in /tmp."""

import atexit
import os
import shutil
import tempfile

SCRATCH = tempfile.mkdtemp(prefix="pg-bench-")
tempfile.tempdir = SCRATCH
os.environ["TMPDIR"] = SCRATCH
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
