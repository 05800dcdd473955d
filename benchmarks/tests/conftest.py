"""The suite's shared fixtures (citykpi/conftest.py: personas, small builders, and the
autouse settings every test runs with) for the benchmark's tests, which live beside the
package rather than in it."""

from citykpi.conftest import *  # noqa: F403
