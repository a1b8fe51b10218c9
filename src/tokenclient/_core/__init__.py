"""The sans-IO core: pure decisions that return values. No network, no sleep, no clock.

Time and randomness are passed in as plain numbers, so every branch is tested synchronously.
"""
