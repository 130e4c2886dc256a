"""The one test kit: helpers that tests in several packages (and the benchmarks) share.

- :mod:`testkit.ports`: free loopback ports and port ranges (SIP, RTP, HTTP).
- :mod:`testkit.browser`: headless Chromium launch arguments and screenshots.
- :mod:`testkit.databases`: a migrated, seeded database at a URL.
- :mod:`testkit.processes`: stopping a child process that stops when its stdin closes.

Tests import it as ``testkit`` (``tests/`` is on ``sys.path`` through the root conftest); the benchmarks put
``tests/`` on the path themselves.
"""
