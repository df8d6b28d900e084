"""Export a database's tables on the workers of a dask.distributed cluster.

    from dask.distributed import Client
    import bak2avro.dask
    job = bak2avro.dask.export("postgresql://u:pw@db:5432/shop", "/shared/out", Client("sched:8786"),
                               include=["public.*"], splits=8)

The client process connects the Source, plans every selected table in
ranges (a SplitPlan; on PostgreSQL it holds the one snapshot every range
reads, so this process keeps the plans open until the workers are done),
and submits one task per range. Each worker exports its range through the
library (ctypes) into the shared output folder; ranges never write the
same file. The client adds up each table's rows and checks them against
the source's count, writes OUTPUT_DIR/job.json (written under a temporary
name, then renamed) and returns the Job as a dict.

A range that fails is tried again on another worker, at most `retries`
more times; if it still fails, its table is Failed, the Job is Failed and
export() raises ExportFailed naming the table and range (job.json is
written first). Only this module imports dask; `import bak2avro` does not
need it.

Backup files need no database: export_backups() (or a file: DSN) reads a
SQL Server .bak or an Oracle dump with the library's own readers, every
worker opening the same files at the same path, each a disjoint part of a
table (the .bak's extents, an Oracle dump's row segments).

The Job has the keys of a `bak2avro run` Job JSON (src/core/job_json.c;
tests/dask assert they stay equal), plus "split" per exported table.
"""
from __future__ import annotations

import datetime
import json
import os
import socket
import time
import uuid
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from .blocks import Source, SplitPlan, backup_dsn, export_range
from .errors import InvalidArgument

Document = Dict[str, Any]


class ExportFailed(RuntimeError):
    """Some ranges failed on every worker they were tried on; .job is the Job (also in job.json)."""

    def __init__(self, message: str, job: Document) -> None:
        super().__init__(message)
        self.job = job


def _stamp(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _now() -> str:
    return _stamp(time.time())


def _range_task(dsn: str, plan_json: str, index: int, output_dir: str, codec: str, via: str,
                naive_timestamps: str = "local") -> Document:
    """Runs on a worker: export one range; never raises, so the client sees which worker failed."""
    try:
        from distributed import get_worker
        worker = get_worker().address
    except Exception:  # run outside a worker (tests, a local fallback)
        worker = socket.gethostname()
    try:
        result = export_range(dsn, plan_json, index, output_dir, codec=codec, via=via,
                              naive_timestamps=naive_timestamps)
        return {"ok": True, "worker": worker, "result": result}
    except Exception as e:  # the library's error, as text the client can report
        return {"ok": False, "worker": worker, "error": "%s: %s" % (type(e).__name__, e)}


def _workers(client: Any) -> List[str]:
    return sorted(client.scheduler_info().get("workers", {}))


def export(dsn: str, output_dir: Union[str, "os.PathLike[str]"], client: Any,
           include: Optional[Union[str, Iterable[str]]] = None, splits: Optional[int] = None, *,
           exclude: Union[str, Iterable[str]] = (), codec: str = "snappy", via: str = "auto",
           naive_timestamps: str = "local", retries: int = 2) -> Document:
    """Export the selected tables of DSN into OUTPUT_DIR on CLIENT's workers; return the Job dict.

    splits: ranges per table (default: the number of workers). naive_timestamps: how
    timestamps without a time zone are written, as a job's --naive-timestamps (local, utc, string). The output folder must be
    one every worker sees at the same path, and must not hold another export.
    """
    if not isinstance(dsn, str) or not dsn:
        raise InvalidArgument("dsn must be a non-empty string, not %r" % (dsn,), code=-1)
    out = os.fspath(output_dir)
    if not isinstance(out, str) or not out:
        raise InvalidArgument("no output folder given", code=-1)
    if naive_timestamps not in ("local", "utc", "string"):
        raise InvalidArgument("naive_timestamps must be local, utc or string, not %r" % (naive_timestamps,), code=-1)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise InvalidArgument("retries must be an int >= 0, not %r" % (retries,), code=-1)
    workers = _workers(client)
    if not workers:
        raise InvalidArgument("the Dask cluster has no workers", code=-1)
    if splits is None:
        splits = len(workers)
    os.makedirs(out, exist_ok=True)
    if os.path.exists(os.path.join(out, "job.json")):
        raise InvalidArgument("%s already holds an export (job.json); give an empty folder" % out, code=-1)

    started = _now()
    step_started = _now()
    with Source(dsn, via=via, include=include or (), exclude=exclude) as src:
        doc = src.document
        job: Document = {
            "job_id": uuid.uuid4().hex, "status": "Running", "started": started, "ended": None,
            # the library's own rendering: the password as ***, a backup's files as read
            "inputs": doc.get("inputs", []), "dsn": doc["dsn"], "output_dir": out,
            "output_dir_absolute": os.path.realpath(out), "vendor": doc.get("vendor"),
            "format": doc.get("format"), "format_version": None, "database": doc.get("database"),
            "image": None, "container_id": None,
            "options": {"include": list([include] if isinstance(include, str) else include or []),
                        "exclude": list([exclude] if isinstance(exclude, str) else exclude),
                        "splits": splits, "codec": codec, "via": via,
                        "naive_timestamps": naive_timestamps, "engine": "dask",
                        "workers": len(workers), "retries": retries},
            # a worker's range fails on a page that fails verification; the counts stay on the workers
            "error": None, "page_verification": None, "steps": [], "tables": [],
            "incomplete_files": [], "summary": {},
        }
        job["steps"].append(_step("read" if doc.get("via") == "reader" else "introspect", "Success",
                                  step_started, _now(), "%d tables" % len(src.tables)))
        selected = [t for t in src.tables if t.get("selected", True)]
        plans: List[Tuple[Document, SplitPlan]] = []
        try:
            for t in selected:
                plans.append((t, src.plan("%s.%s" % (t["schema"], t["name"]), splits)))
            export_started = _now()
            results = _run_ranges(client, dsn, [(t, p) for t, p in plans], out, codec, via, retries, workers,
                                  naive_timestamps)
        finally:
            for _, p in plans:
                p.close()
    job["steps"].append(_step("export", "Success", export_started, _now(),
                              "%d tables, %d ranges" % (len(plans), sum(p.ranges for _, p in plans))))
    _fill_tables(job, src.tables, plans, results)
    failed = [t for t in job["tables"] if t.get("status") == "Failed"]
    job["status"] = "Failed" if failed else "Success"
    if failed:
        job["steps"][-1]["status"] = "Failed"
        job["error"] = {"code": -1, "class": "none", "message": failed[0]["message"], "sqlstate": None}
    job["ended"] = _now()
    job["summary"] = {"tables_ok": sum(1 for t in job["tables"] if t.get("status") == "Success"),
                      "tables_failed": len(failed),
                      "rows_written": sum(t.get("rows_written", 0) for t in job["tables"] if t.get("selected"))}
    _write_json(os.path.join(out, "job.json"), job)
    if failed:
        raise ExportFailed("; ".join(t["message"] for t in failed), job)
    return job


def export_backups(backups: Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]],
                   output_dir: Union[str, "os.PathLike[str]"], client: Any,
                   include: Optional[Union[str, Iterable[str]]] = None, splits: Optional[int] = None,
                   **options: Any) -> Document:
    """export() of one backup's files (a SQL Server .bak, stripes together; an Oracle exp or
    Data Pump dump) read without a database: every worker must see the files at the same
    paths. A .bak's table is split by extent, an Oracle dump's by row segment (at most one
    range per segment: a table of one segment is one range)."""
    return export(backup_dsn(backups), output_dir, client, include, splits, **options)


def _step(name: str, status: str, started: str, ended: str, message: str) -> Document:
    return {"name": name, "status": status, "started": started, "ended": ended,
            "duration_ms": _ms(started, ended), "message": message}


def _ms(started: str, ended: str) -> int:
    def parse(s: str) -> datetime.datetime:
        return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int((parse(ended) - parse(started)).total_seconds() * 1000)


def _run_ranges(client: Any, dsn: str, plans: List[Tuple[Document, SplitPlan]], out: str, codec: str, via: str,
                retries: int, workers: List[str], naive_timestamps: str = "local") -> Dict[Tuple[int, int], Document]:
    """Submit every range; a failed one goes again to a worker it has not failed on, up to retries times."""
    import distributed
    as_completed: Callable[..., Any] = distributed.as_completed  # distributed has no type hints

    tried: Dict[Tuple[int, int], List[Document]] = {}
    pending: Dict[Any, Tuple[int, int]] = {}

    def submit(key: Tuple[int, int], avoid: List[str]) -> Any:
        plan = plans[key[0]][1]
        allowed = [w for w in workers if w not in avoid] or workers
        f = client.submit(_range_task, dsn, plan.json, key[1], out, codec, via, naive_timestamps, pure=False,
                          workers=allowed, allow_other_workers=False)
        pending[f] = key
        return f

    first = time.time()
    ac = as_completed([submit((ti, r), []) for ti, (_, p) in enumerate(plans) for r in range(p.ranges)])
    results: Dict[Tuple[int, int], Document] = {}
    for f in ac:
        key = pending.pop(f)
        try:
            res = f.result()
        except Exception as e:  # the worker died or the task could not run
            res = {"ok": False, "worker": None, "error": "%s: %s" % (type(e).__name__, e)}
        res["ended"] = time.time()
        tried.setdefault(key, []).append(res)
        if res["ok"] or len(tried[key]) > retries:
            results[key] = {"final": res, "attempts": tried[key], "started": first}
        else:
            ac.add(submit(key, [a["worker"] for a in tried[key] if a["worker"]]))
    return results


def _fill_tables(job: Document, tables: List[Document], plans: List[Tuple[Document, SplitPlan]],
                 results: Dict[Tuple[int, int], Document]) -> None:
    planned = {(t["schema"], t["name"]): i for i, (t, _) in enumerate(plans)}
    for t in tables:
        entry = dict(t)
        i = planned.get((t["schema"], t["name"]))
        if i is None:  # as a run lists a table it does not export
            entry.update({"status": "Skipped", "rows_written": 0, "files": [], "schema_file": None,
                          "message": "not selected by include/exclude"})
            job["tables"].append(entry)
            continue
        plan = plans[i][1]
        expected = plan.document.get("rows_expected", -1)
        if expected is None or expected < 0:  # no snapshot count (MySQL): the source's exact count
            expected = t.get("rows_expected", -1)
        files: List[str] = []
        ranges: List[Document] = []
        written = 0
        errors: List[str] = []
        schema_file = None
        for r in range(plan.ranges):
            res = results[(i, r)]
            final = res["final"]
            ranges.append({"index": r, "worker": final["worker"], "attempts": len(res["attempts"]),
                           "status": "Success" if final["ok"] else "Failed",
                           "rows_written": final["result"]["rows_written"] if final["ok"] else None,
                           "error": None if final["ok"] else final["error"]})
            if not final["ok"]:
                errors.append("%s.%s range %d of %d failed %d times, last on %s: %s" % (
                    t["schema"], t["name"], r, plan.ranges, len(res["attempts"]), final["worker"], final["error"]))
                continue
            written += final["result"]["rows_written"]
            files += final["result"]["files"]
            schema_file = schema_file or final["result"].get("schema_file")
        if not errors and expected >= 0 and written != expected:
            errors.append("%s.%s: %d rows written by %d ranges, the source counted %d" % (
                t["schema"], t["name"], written, plan.ranges, expected))
        t0 = min(results[(i, r)]["started"] for r in range(plan.ranges))
        t1 = max(results[(i, r)]["final"]["ended"] for r in range(plan.ranges))
        entry.update({"status": "Failed" if errors else "Success", "rows_expected": expected,
                      "rows_written": written, "files": sorted(files), "schema_file": schema_file,
                      "started": _stamp(t0), "ended": _stamp(t1), "duration_ms": int((t1 - t0) * 1000),
                      "split": {"method": plan.document.get("method"), "key": plan.document.get("key"),
                                "ranges": ranges},
                      "message": errors[0] if errors else None})
        job["tables"].append(entry)


def _write_json(path: str, doc: Document) -> None:
    tmp = "%s.tmp-%s" % (path, doc["job_id"])
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
