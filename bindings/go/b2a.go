// Package bak2avro is the Go binding of libbak2avro: database backups to Avro files.
//
//	import bak2avro "github.com/bak2avro/libbak2avro/bindings/go"
//
// Run and RunContext block on the library's own loop; callbacks run on the
// calling goroutine. The building blocks (StartContainer, Container.Restore,
// OpenSource, Source.Plan, Source.ExportTable, ExportRange) do the same, each
// with a context.Context that cancels it from another goroutine. Errors are *Error values, carrying the library's code,
// message and SQLSTATE, and matching the sentinels (ErrFormat, ErrNotFound, ...)
// with errors.Is. The library is found with pkg-config (bindings/go/README.md).
package bak2avro

/*
#cgo pkg-config: bak2avro
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <bak2avro.h>

extern int goProgress(b2a_job *job, b2a_progress *p, void *ud);
extern void goLog(b2a_job *job, b2a_log_level level, char *msg, void *ud);

static void b2a_go_set_callbacks(b2a_job_options *o, uintptr_t handle)
{
	o->progress_cb = (b2a_progress_cb)goProgress;
	o->log_cb = (b2a_log_cb)goLog;
	o->userdata = (void *)handle;
}

// Waits up to ms milliseconds for the internal loop to have something to do.
static void b2a_go_wait(b2a_ctx *ctx, int ms)
{
	struct pollfd p = { b2a_ctx_backend_fd(ctx), POLLIN, 0 };
	poll(&p, 1, ms);
}
*/
import "C"

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/cgo"
	"unsafe"
)

var steps = []string{"detect", "container", "pre-sql", "restore", "post-sql", "introspect", "export", "cleanup", "read"}

// Progress of a running job.
type Progress struct {
	Step         string
	Percent      float64 // -1 when unknown
	Table        string  // "schema.table" during export
	RowsDone     int64
	RowsExpected int64 // -1 when unknown
	// BytesDone: export: Avro bytes written (the table's, or the step's when
	// Table is ""); restore: bytes of the dump its tool has consumed; -1 when unknown.
	BytesDone     int64
	BytesExpected int64 // restore: the dump's size; -1 when unknown
	// Attempt of Attempts: the container's readiness probe; 0 when not waiting.
	Attempt, Attempts uint32
}

// Options of a job; zero values are the library's defaults.
type Options struct {
	Inputs        []string
	OutputDir     string
	Vendor, Image string
	DockerHost    string
	Include       []string
	Exclude       []string
	PreSQL        string
	PostSQL       string
	Parallel      int
	Codec         string // "snappy" (default), "deflate", "null"
	Network       string // "auto" (default: host networking), "host", "publish"
	Restore       string // "auto" (default), "direct", "container"
	KeepContainer bool
	AcceptEULA    bool
	IncludeViews  bool   // export views (and PostgreSQL materialized views) too
	Delivery      string // "bind" (default: read-only bind mount), "upload" (copy into the container)
	// Overwrite replaces an earlier bak2avro output in OutputDir (only the files its job.json lists).
	Overwrite bool
	// IgnoreChecksums exports pages that fail verification (salvage); the Job records it.
	IgnoreChecksums bool
	// AllowColumnLoss accepts columns the dump declares but the server skipped at restore.
	AllowColumnLoss bool
	// Via is how rows leave a restored database: "auto" (default: PostgreSQL's
	// COPY through libpq, MariaDB/MySQL through libmariadb, else ODBC) or
	// "odbc"; the Avro is the same.
	Via string
	// NaiveTimestamps is how timestamps without time zone are written: "local"
	// (default: local-timestamp-micros), "utc" (timestamp-micros, the wall clock
	// taken as UTC: Hive, Spark before 3.4) or "string" ("YYYY-MM-DD HH:MM:SS.ffffff").
	NaiveTimestamps string
	// DSN names a running database to export from instead of Inputs:
	// postgresql:// or mysql:// URL, or an ODBC connection string.
	DSN string
	// Splits is the number of ranges per table (0: tables of a million rows
	// or more into Parallel ranges, 1: never split).
	Splits int
	// MaxFileBytes and MaxFileRows roll a table's part file over (0: no limit).
	MaxFileBytes, MaxFileRows uint64
	// Progress is called as the job goes; returning true cancels it.
	Progress func(Progress) bool
	Log      func(level int, message string)
}

type callbacks struct {
	progress func(Progress) bool
	log      func(int, string)
	panicked interface{}
}

// Version of the loaded library.
func Version() string { return C.GoString(C.b2a_version()) }

type cstrings struct {
	arr  **C.char
	n    C.uint32_t
	keep []unsafe.Pointer
}

func newCStrings(v []string) *cstrings {
	cs := &cstrings{n: C.uint32_t(len(v))}
	if len(v) == 0 {
		return cs
	}
	size := C.size_t(len(v)) * C.size_t(unsafe.Sizeof(uintptr(0)))
	arr := (*[1 << 28]*C.char)(C.malloc(size))[:len(v):len(v)]
	for i, s := range v {
		arr[i] = C.CString(s)
		cs.keep = append(cs.keep, unsafe.Pointer(arr[i]))
	}
	cs.arr = &arr[0]
	cs.keep = append(cs.keep, unsafe.Pointer(cs.arr))
	return cs
}

func (cs *cstrings) free() {
	for _, p := range cs.keep {
		C.free(p)
	}
}

func cstr(s string, keep *[]unsafe.Pointer) *C.char {
	if s == "" {
		return nil
	}
	p := C.CString(s)
	*keep = append(*keep, unsafe.Pointer(p))
	return p
}

// Inspect tells what backup files are and what they hold, without starting anything.
// When an input could not be read whole it returns an *Error (the first such
// input's code and message, as the CLI's exit 3) and, where a document could
// be made, that document too: what could be read, with each such input's Error.
func Inspect(paths ...string) (*Inspection, error) {
	cs := newCStrings(paths)
	defer cs.free()
	var out, errmsg *C.char
	rc := C.b2a_inspect(cs.arr, cs.n, &out, &errmsg)
	var doc *Inspection
	if out != nil {
		doc = &Inspection{Raw: []byte(C.GoString(out))}
		C.b2a_free(unsafe.Pointer(out))
		if err := json.Unmarshal(doc.Raw, doc); err != nil {
			C.b2a_free(unsafe.Pointer(errmsg))
			return nil, err
		}
	}
	if rc != 0 {
		msg := C.GoString(C.b2a_strerror(rc))
		if errmsg != nil {
			msg = C.GoString(errmsg)
			C.b2a_free(unsafe.Pointer(errmsg))
		}
		return doc, &Error{Code: int(rc), Message: msg}
	}
	return doc, nil
}

// Run runs one job to its end and returns its Job JSON document.
// It is RunContext with a context that is never canceled.
func Run(o Options) (*Job, error) { return RunContext(context.Background(), o) }

func invalid(format string, a ...interface{}) error {
	return &Error{Code: -1, Message: fmt.Sprintf(format, a...)}
}

// RunContext runs one job to its end and returns its Job JSON document.
// When ctx is canceled or its deadline passes, the job is canceled (a
// container it started is stopped and removed, no half-written file is
// left) and the error satisfies both errors.Is(err, ErrCanceled) and
// errors.Is(err, ctx.Err()). A job that ran but did not succeed returns
// its document and an *Error whose Job is that document.
func RunContext(ctx context.Context, o Options) (*Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Code: -8, Message: "canceled before the job started", cause: err}
	}
	if len(o.Inputs) == 0 && o.DSN == "" {
		return nil, invalid("no input file")
	}
	if len(o.Inputs) > 0 && o.DSN != "" {
		return nil, invalid("both input files and a DSN: a job exports one or the other")
	}
	if o.Splits < 0 || o.Splits > 4096 {
		return nil, invalid("splits %d is outside 0..4096", o.Splits)
	}
	if o.OutputDir == "" {
		return nil, invalid("no output folder")
	}
	if o.Parallel < 0 || o.Parallel > 256 {
		return nil, invalid("parallel %d is outside 0..256 (0 is the default, 2)", o.Parallel)
	}
	var opts C.b2a_job_options
	C.b2a_job_options_init(&opts, C.B2A_JOB_OPTIONS_VERSION)
	var keep []unsafe.Pointer
	defer func() {
		for _, p := range keep {
			C.free(p)
		}
	}()
	inputs, include, exclude := newCStrings(o.Inputs), newCStrings(o.Include), newCStrings(o.Exclude)
	defer inputs.free()
	defer include.free()
	defer exclude.free()
	opts.inputs, opts.n_inputs = inputs.arr, inputs.n
	opts.include, opts.n_include = include.arr, include.n
	opts.exclude, opts.n_exclude = exclude.arr, exclude.n
	opts.output_dir = cstr(o.OutputDir, &keep)
	opts.vendor = cstr(o.Vendor, &keep)
	opts.image = cstr(o.Image, &keep)
	opts.docker_host = cstr(o.DockerHost, &keep)
	opts.pre_sql = cstr(o.PreSQL, &keep)
	opts.post_sql = cstr(o.PostSQL, &keep)
	opts.parallel = C.uint32_t(o.Parallel)
	opts.dsn = cstr(o.DSN, &keep)
	opts.splits = C.uint32_t(o.Splits)
	opts.max_file_bytes = C.uint64_t(o.MaxFileBytes)
	opts.max_file_rows = C.uint64_t(o.MaxFileRows)
	var err error
	if opts.codec, err = codecOf(o.Codec); err != nil {
		return nil, err
	}
	if opts.network, err = networkOf(o.Network); err != nil {
		return nil, err
	}
	switch o.Restore {
	case "", "auto":
	case "direct":
		opts.restore_mode = C.B2A_RESTORE_DIRECT
	case "container":
		opts.restore_mode = C.B2A_RESTORE_CONTAINER
	default:
		return nil, invalid("unknown restore mode %q (auto, direct, container)", o.Restore)
	}
	if o.KeepContainer {
		opts.keep_container = 1
	}
	if o.AcceptEULA {
		opts.accept_eula = 1
	}
	if o.IncludeViews {
		opts.include_views = 1
	}
	if o.Overwrite {
		opts.overwrite = 1
	}
	if o.IgnoreChecksums {
		opts.ignore_checksums = 1
	}
	if o.AllowColumnLoss {
		opts.allow_column_loss = 1
	}
	if opts.via, err = viaOf(o.Via); err != nil {
		return nil, err
	}
	if opts.naive_timestamps, err = naiveTimestampsOf(o.NaiveTimestamps); err != nil {
		return nil, err
	}
	if opts.delivery, err = deliveryOf(o.Delivery); err != nil {
		return nil, err
	}
	cb := &callbacks{progress: o.Progress, log: o.Log}
	h := cgo.NewHandle(cb)
	defer h.Delete()
	C.b2a_go_set_callbacks(&opts, C.uintptr_t(h))

	var c *C.b2a_ctx
	if rc := C.b2a_ctx_new(nil, &c); rc != 0 {
		return nil, &Error{Code: int(rc), Message: C.GoString(C.b2a_strerror(rc))}
	}
	defer C.b2a_ctx_free(c)
	var job *C.b2a_job
	if rc := C.b2a_job_new(c, &opts, &job); rc != 0 {
		return nil, &Error{Code: int(rc), Message: "invalid job options: " + C.GoString(C.b2a_strerror(rc))}
	}
	defer C.b2a_job_free(job)
	if rc := C.b2a_job_start(job); rc != 0 {
		msg := C.GoString(C.b2a_job_errmsg(job))
		if msg == "" {
			msg = C.GoString(C.b2a_strerror(rc))
		}
		return nil, &Error{Code: int(rc), Message: msg, SQLState: C.GoString(C.b2a_job_sqlstate(job))}
	}
	if done := ctx.Done(); done == nil {
		C.b2a_ctx_run(c)
	} else {
		// Drive the loop a turn at a time, so a canceled ctx cancels the
		// job on the loop's own thread; then run on to the job's end.
		canceled := false
		for C.b2a_ctx_run_nowait(c) != 0 {
			if !canceled {
				select {
				case <-done:
					C.b2a_job_cancel(job)
					canceled = true
				default:
				}
			}
			C.b2a_go_wait(c, 50)
		}
	}
	if cb.panicked != nil {
		panic(cb.panicked)
	}
	raw := C.b2a_job_json(job)
	doc, err := parseJob(C.GoString(raw))
	C.b2a_free(unsafe.Pointer(raw))
	if err != nil {
		return nil, err
	}
	if C.b2a_job_status_get(job) != C.B2A_JOB_SUCCESS {
		code := int(C.b2a_job_errcode(job))
		msg := C.GoString(C.b2a_job_errmsg(job))
		if msg == "" {
			msg = fmt.Sprintf("%d tables failed", int(C.b2a_job_tables_failed(job)))
		}
		e := &Error{Code: code, Message: msg, SQLState: C.GoString(C.b2a_job_sqlstate(job)), Job: doc}
		if code == -8 {
			e.cause = ctx.Err()
		}
		return doc, e
	}
	return doc, nil
}
