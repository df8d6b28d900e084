"""The Dask half of bench_dask_export.sh (not a test): export one table with
bak2avro.dask.export on a LocalCluster of 1 worker process and on one of 2,
the same splits on both, alternating which goes first each round; prints
rows/s per round, the medians and `RESULT dask workers2/workers1 R` (the
ratio of the median rows/s). Run with Debian's python3 (python3-distributed),
B2A_LIBRARY and B2A_BENCH_DSN (it holds the password) set:

    dask_workers.py TABLE ROWS ROUNDS SPLITS SCRATCH_DIR
"""
import os
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bindings", "python"))
os.environ["PYTHONPATH"] = sys.path[0] + os.pathsep + os.environ.get("PYTHONPATH", "")
import bak2avro.dask as b2a_dask  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402


def main():
    dsn = os.environ["B2A_BENCH_DSN"]
    table, rows, rounds, splits, scratch = sys.argv[1:6]
    rows, rounds, splits = int(rows), int(rounds), int(splits)
    clusters = {}
    for n in (1, 2):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
        clusters[n] = (cluster, Client(cluster))
    rates = {1: [], 2: []}
    try:
        for r in range(rounds):
            for n in ((1, 2) if r % 2 == 0 else (2, 1)):
                out = os.path.join(scratch, "dask-%d-%d" % (n, r))
                t0 = time.monotonic()
                job = b2a_dask.export(dsn, out, clusters[n][1], include=table, splits=splits)
                seconds = time.monotonic() - t0
                written = job["summary"]["rows_written"]
                if written != rows:
                    sys.exit("bench_dask_export: %d workers wrote %d rows, not %d" % (n, written, rows))
                workers = {x["worker"] for t in job["tables"] if t.get("split") for x in t["split"]["ranges"]}
                rates[n].append(rows / seconds)
                print("round %d, %d worker(s): %.2f s, %.0f rows/s, ranges done by %d worker(s)"
                      % (r + 1, n, seconds, rows / seconds, len(workers)), flush=True)
                shutil.rmtree(out)
    finally:
        for cluster, client in clusters.values():
            client.close()
            cluster.close()
    m1, m2 = statistics.median(rates[1]), statistics.median(rates[2])
    print("median over %d rounds: 1 worker %.0f rows/s, 2 workers %.0f rows/s (%d splits, %d rows)"
          % (rounds, m1, m2, splits, rows))
    print("RESULT dask workers2/workers1 %.3f" % (m2 / m1))


if __name__ == "__main__":
    main()
