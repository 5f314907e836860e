"""Shared pytest configuration.

Fixture notebooks under tests/fixtures are inputs of the runner tests, not
regression notebooks: nbval must not collect them.
"""
collect_ignore_glob = ["fixtures/*"]
