"""The sharded index on a Ray cluster (issue 23). Ray is imported only by the modules that
talk to the cluster; ``replication`` and ``writing`` are plain Python."""
