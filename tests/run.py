"""The test command behind `make test`: the whole suite, saying plainly what it skips."""

from __future__ import annotations

import os
import shutil
import sys

import pytest


def main() -> int:
    args = ["-q", "-p", "no:cacheprovider"]
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        print("browser tests: running in headless Chromium", flush=True)
    else:
        print("browser tests: SKIPPED - no chromium on PATH (apt-get install chromium)",
              flush=True)
        args += ["-m", "not browser"]
    db = os.environ.get("DATABASE_URL", "sqlite (embedded default)")
    print(f"database: {db}", flush=True)
    workers = os.environ.get("EDUGOV_TEST_WORKERS", "2")
    if workers != "1":
        args += ["-n", workers]
    return pytest.main(args + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
