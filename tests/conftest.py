pytest_plugins = ["pytester"]

# A change the rule registry cannot file where it happened raises in the test suite (counted and
# reported as a warning in production): see contractdrift/compare/emit.py. Subprocesses inherit it.
import os  # noqa: E402

os.environ.setdefault("CONTRACTDRIFT_STRICT_RULES", "1")
