"""Running actions in real parallel on PostgreSQL: threads with their own connections.

Modules using it mark themselves ``pytest.mark.usefixtures("postgres_only")`` (the fixture
is in tests/conftest.py): on SQLite they skip, which CI (``FAIL_ON_SKIP=1``) turns into a failure.
"""

import threading

from django.db import connections


def in_parallel(actions) -> list[BaseException]:
    """Start every action at the same moment, each in its own thread and connection; return
    what they raised."""
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action):
        try:
            barrier.wait(timeout=30)
            action()
        except BaseException as exc:  # reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
