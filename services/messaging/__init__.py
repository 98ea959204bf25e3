"""The change feed: committed change events go out to every seat (in-process or Redis Streams)."""
