"""Real-time room tests: real Daphne processes, Redis across servers, protocol properties."""
