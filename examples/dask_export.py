#!/usr/bin/python3
"""Export a running database on a Dask cluster: every table split in ranges,
each range exported by a worker into a folder all workers share.

    examples/dask_export.py DSN OUTPUT_DIR [SCHEDULER_ADDRESS]

DSN is a postgresql:// or mysql:// URL or an ODBC connection string (for
example the "dsn" that `bak2avro restore --json` prints). Without a
scheduler address, a LocalCluster of 2 worker processes is started here.
Needs python3-distributed and the library (B2A_LIBRARY or libbak2avro.so.0
on the loader's path)."""
import json
import sys

from dask.distributed import Client, LocalCluster

import bak2avro.dask


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dsn, out = sys.argv[1], sys.argv[2]
    cluster = None if len(sys.argv) == 4 else LocalCluster(n_workers=2, threads_per_worker=1,
                                                           dashboard_address=None)
    with Client(sys.argv[3] if cluster is None else cluster) as client:
        try:
            job = bak2avro.dask.export(dsn, out, client, splits=4)
        except bak2avro.dask.ExportFailed as e:
            print("failed: %s (see %s/job.json)" % (e, out), file=sys.stderr)
            return 1
    for t in job["tables"]:
        if t.get("selected"):
            print("%s.%s: %d rows in %d files" % (t["schema"], t["name"], t["rows_written"], len(t["files"])))
    print(json.dumps(job["summary"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
