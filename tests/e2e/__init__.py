"""End-to-end tests: the clients, the command line and the examples over real loopback sockets."""
