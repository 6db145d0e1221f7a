"""splice-relay: the Starlette app, the generation engine, the stream log, SSE, config and CLI."""
