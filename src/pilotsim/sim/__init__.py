"""The model: offices and queues, cases, residents, routes, streams and records."""
