"""Ports for the servers tests start themselves (redis-server, an SMTP server)."""

import random
import socket

# Low ports: 32768-60999 are the kernel's ephemeral range, where outgoing connections (a load
# generator's, say) may hold the port we picked (tests/checkout/conftest.py binds in the same range).
PORT_RANGE = (20000, 32000)


def free_low_port(purpose: str) -> int:
    """A port on 127.0.0.1 below the ephemeral range that nothing listens on now."""
    for _attempt in range(50):
        port = random.randint(*PORT_RANGE)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port on 127.0.0.1 for {purpose}")
