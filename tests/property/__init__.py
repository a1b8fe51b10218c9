"""Property-based tests (hypothesis) of the pure core: SSE, error bodies, retry delays."""
