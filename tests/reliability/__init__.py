"""Faults over real loopback sockets: timeouts, drops, resets, leaks, secrets, soak."""
