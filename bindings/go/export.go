package bak2avro

// The Export building block (include/bak2avro/export.h): one table, or one
// range of a split plan, into Avro part files
// OUTPUT_DIR/<schema>/<table>/part-NNNNN.avro and its schema beside them.

/*
#include <stdint.h>
#include <stdlib.h>
#include <bak2avro.h>

extern int goExportProgress(b2a_export *x, int64_t done, int64_t expected, void *ud);

static void b2a_go_export_callbacks(b2a_export_options *o, uintptr_t handle)
{
	o->progress_cb = (b2a_export_progress_cb)goExportProgress;
	o->userdata = (void *)handle;
}
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime/cgo"
	"unsafe"
)

// ExportOptions of ExportTable and ExportRange; zero values are the library's defaults.
type ExportOptions struct {
	Codec string // "snappy" (default), "deflate", "null"
	// MaxFileBytes and MaxFileRows roll a part file over (0: no limit).
	MaxFileBytes, MaxFileRows uint64
	Via                       string // ExportRange only: "auto" (default) or "odbc"
	// NaiveTimestamps is how timestamps without time zone are written, as in
	// Options: "local" (default), "utc" or "string".
	NaiveTimestamps string
	// Progress is called between chunks of rows (rowsExpected -1 for a
	// range); returning true cancels the export.
	Progress func(rowsDone, rowsExpected int64) bool
}

// ExportResult is what an export wrote (b2a_export_json).
type ExportResult struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// Range is the plan's range, nil for a whole table.
	Range        *int   `json:"range"`
	Status       string `json:"status"` // Success, Failed, Canceled
	RowsWritten  int64  `json:"rows_written"`
	RowsExpected int64  `json:"rows_expected"` // the source's count; -1 for a range
	// Files are relative to the output folder, in order.
	Files      []string `json:"files"`
	SchemaFile string   `json:"schema_file"`
	Error      string   `json:"error"` // "" on success
	// Raw is the document as the library wrote it.
	Raw json.RawMessage `json:"-"`
}

// ExportTable exports table "schema.table" of the source whole into
// outputDir, checked against its exact count (ErrMismatch). Files are
// written under temporary names: a failed or canceled export leaves none.
func (s *Source) ExportTable(ctx context.Context, table, outputDir string, o ExportOptions) (*ExportResult, error) {
	if err := s.live("export"); err != nil {
		return nil, err
	}
	if s.Table(table) == nil {
		return nil, &Error{Code: -3, Message: table + ": no such table in the source"}
	}
	s.loop.mu.Lock()
	defer s.loop.mu.Unlock()
	ct := C.CString(table)
	defer C.free(unsafe.Pointer(ct))
	return runExport(ctx, s.loop, outputDir, o, func(opts *C.b2a_export_options, x **C.b2a_export) C.int {
		return C.b2a_export_new(s.s, ct, opts, x)
	})
}

// ExportRange exports range r of a split plan (its JSON) from the database
// dsn names (the plan holds no password). It needs no Source, so any process
// can do it while the planning one keeps the plan open; it runs on a loop of
// its own, so ranges can be exported from goroutines at once. A range has
// no count of its own: add the results' RowsWritten up and compare them with
// the plan's RowsExpected.
func ExportRange(ctx context.Context, dsn, planJSON string, r int, outputDir string, o ExportOptions) (*ExportResult, error) {
	if dsn == "" || planJSON == "" {
		return nil, invalid("a range needs the DSN and the plan's JSON")
	}
	if r < 0 || r > 1<<31 {
		return nil, invalid("range %d is negative", r)
	}
	via, err := viaOf(o.Via)
	if err != nil {
		return nil, err
	}
	l, err := newLoop()
	if err != nil {
		return nil, err
	}
	defer l.free()
	cdsn, cplan := C.CString(dsn), C.CString(planJSON)
	defer C.free(unsafe.Pointer(cdsn))
	defer C.free(unsafe.Pointer(cplan))
	return runExport(ctx, l, outputDir, o, func(opts *C.b2a_export_options, x **C.b2a_export) C.int {
		opts.via = via
		return C.b2a_export_range_new(l.ctx, cdsn, cplan, C.uint32_t(r), opts, x)
	})
}

func runExport(ctx context.Context, l *loop, outputDir string, o ExportOptions,
	newExport func(*C.b2a_export_options, **C.b2a_export) C.int) (*ExportResult, error) {
	if err := notStarted(ctx, "export"); err != nil {
		return nil, err
	}
	if outputDir == "" {
		return nil, invalid("no output folder")
	}
	var opts C.b2a_export_options
	C.b2a_export_options_init(&opts, C.B2A_EXPORT_OPTIONS_VERSION)
	var keep []unsafe.Pointer
	defer func() {
		for _, p := range keep {
			C.free(p)
		}
	}()
	opts.output_dir = cstr(outputDir, &keep)
	var err error
	if opts.codec, err = codecOf(o.Codec); err != nil {
		return nil, err
	}
	if opts.naive_timestamps, err = naiveTimestampsOf(o.NaiveTimestamps); err != nil {
		return nil, err
	}
	opts.max_file_bytes = C.uint64_t(o.MaxFileBytes)
	opts.max_file_rows = C.uint64_t(o.MaxFileRows)
	cb := &blockCallbacks{ctx: ctx, exportProgress: o.Progress}
	h := cgo.NewHandle(cb)
	defer h.Delete()
	C.b2a_go_export_callbacks(&opts, C.uintptr_t(h))
	var x *C.b2a_export
	rc := newExport(&opts, &x)
	if x != nil {
		defer C.b2a_export_free(x)
	}
	if rc == 0 {
		rc = C.b2a_export_start(x)
		if rc == 0 {
			l.run(ctx, func() { C.b2a_export_cancel(x) })
			rc = C.b2a_export_errcode(x)
		}
	}
	cb.repanic()
	if rc != 0 {
		msg, state := "", ""
		if x != nil {
			msg, state = C.GoString(C.b2a_export_errmsg(x)), C.GoString(C.b2a_export_sqlstate(x))
		}
		return nil, blockError(ctx, int(rc), msg, state)
	}
	doc := C.b2a_export_json(x)
	defer C.b2a_free(unsafe.Pointer(doc))
	res := &ExportResult{Raw: json.RawMessage(C.GoString(doc))}
	if err := json.Unmarshal(res.Raw, res); err != nil {
		return nil, err
	}
	return res, nil
}
