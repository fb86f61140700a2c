"""Benchmarks, each a script run on its own (`make bench`); a package so that mypy names them bench.*."""
