"""An index's shards on a Ray cluster: each shard held by R replicas on different machines,
searched through the shard protocol of ``searcharc.search.shards`` (``ShardedIndex``) over a
Ray transport. Ray is imported by these modules only, never by a local query.

- ``placement``: where replicas run (each node's custom resources) and their actors' names;
- ``actors``: a replica, one Ray actor answering the calls of ``searcharc.search.shard.Shard``;
- ``transport``: ``RayShards``, each call to one live replica of each shard, with a deadline;
- ``connect``: the connection to the cluster and the backend of ``SearchIndex.connect``;
- ``status``: `searcharc cluster status`, shards × replicas × nodes;
- ``writing`` (plain): a replica's files on its node, written by its primary's index runs;
  ``replication`` (plain): a replica made a byte copy of its primary's commit;
- ``indexing`` (plain): `searcharc index --cluster`, coordinated here; ``remote``: its Ray side.
"""
