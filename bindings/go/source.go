package bak2avro

// The Source building block (include/bak2avro/source.h): a running database
// named by a DSN, connected to and described, and split plans of its tables.

/*
#include <stdlib.h>
#include <bak2avro.h>
*/
import "C"

import (
	"context"
	"encoding/json"
	"unsafe"
)

// SourceOptions of OpenSource; zero values are the library's defaults.
type SourceOptions struct {
	Via          string   // "auto" (default: COPY / libmariadb) or "odbc"
	Include      []string // glob patterns on "schema.table" selecting tables; none: all
	Exclude      []string
	IncludeViews bool // views and materialized views are selected too
	// LoginTimeoutSeconds bounds the connect (0: 30 s).
	LoginTimeoutSeconds int
}

// SourceInfo is what OpenSource found: the database and its tables.
type SourceInfo struct {
	DSN      string        `json:"dsn"` // the password as ***
	Vendor   string        `json:"vendor"`
	Database string        `json:"database"`
	Via      string        `json:"via"`    // copy, mariadb, odbc; reader for a file: DSN
	Format   string        `json:"format"` // file: DSN only: mssql_mtf, oracle_exp, ...
	Inputs   []string      `json:"inputs"` // file: DSN only: the backup's files
	Tables   []SourceTable `json:"tables"`
}

// SourceTable is one table of a source, as in the Job JSON's tables.
type SourceTable struct {
	Schema       string         `json:"schema"`
	Name         string         `json:"name"`
	Kind         string         `json:"kind"` // table, partitioned table, view, materialized view, ...
	Selected     bool           `json:"selected"`
	RowsExpected int64          `json:"rows_expected"` // the exact count; -1 when unknown
	PrimaryKey   []string       `json:"primary_key"`
	Columns      []SourceColumn `json:"columns"`
	Partitions   []string       `json:"partitions"` // file: DSN: named partitions, in dump order
}

// SourceColumn is a column of a source's table and its Avro field.
type SourceColumn struct {
	Column
	Nullable bool `json:"nullable"`
}

// Source is an opened database. Its calls are serialized (one at a time);
// exports of ranges in parallel use ExportRange, each on a loop of its own.
// Close it when done.
type Source struct {
	loop *loop
	s    *C.b2a_source
	dsn  string
	// Info is the database and its tables as opened.
	Info SourceInfo
	// Raw is the document as the library wrote it (b2a_source_json).
	Raw json.RawMessage
}

// OpenSource connects to the database dsn names and describes it (exact
// counts): postgresql://USER:PASSWORD@HOST:PORT/DB, mysql://..., an ODBC
// connection string (Driver={...};...), or file:PATH[,PATH...] for the
// files of one backup the library reads itself (SQL Server .bak, Oracle exp
// and Data Pump dumps; plans split by extents or row segments). A canceled ctx ends the connect
// (the one under way runs to its end first).
func OpenSource(ctx context.Context, dsn string, o SourceOptions) (*Source, error) {
	if err := notStarted(ctx, "source"); err != nil {
		return nil, err
	}
	if dsn == "" {
		return nil, invalid("no DSN")
	}
	if o.LoginTimeoutSeconds < 0 || o.LoginTimeoutSeconds > 3600 {
		return nil, invalid("login timeout %d is outside 0..3600", o.LoginTimeoutSeconds)
	}
	var opts C.b2a_source_options
	C.b2a_source_options_init(&opts, C.B2A_SOURCE_OPTIONS_VERSION)
	var keep []unsafe.Pointer
	defer func() {
		for _, p := range keep {
			C.free(p)
		}
	}()
	opts.dsn = cstr(dsn, &keep)
	via, err := viaOf(o.Via)
	if err != nil {
		return nil, err
	}
	opts.via = via
	include, exclude := newCStrings(o.Include), newCStrings(o.Exclude)
	defer include.free()
	defer exclude.free()
	opts.include, opts.n_include = include.arr, include.n
	opts.exclude, opts.n_exclude = exclude.arr, exclude.n
	if o.IncludeViews {
		opts.include_views = 1
	}
	opts.login_timeout_s = C.int32_t(o.LoginTimeoutSeconds)
	l, err := newLoop()
	if err != nil {
		return nil, err
	}
	s := &Source{loop: l, dsn: dsn}
	rc := C.b2a_source_new(l.ctx, &opts, &s.s)
	if rc == 0 {
		rc = C.b2a_source_open(s.s)
		if rc == 0 {
			l.run(ctx, func() { C.b2a_source_cancel(s.s) })
			rc = C.b2a_source_errcode(s.s)
		}
	}
	if rc != 0 {
		msg, state := "", ""
		if s.s != nil {
			msg, state = C.GoString(C.b2a_source_errmsg(s.s)), C.GoString(C.b2a_source_sqlstate(s.s))
		}
		s.Close()
		return nil, blockError(ctx, int(rc), msg, state)
	}
	doc := C.b2a_source_json(s.s)
	s.Raw = json.RawMessage(C.GoString(doc))
	C.b2a_free(unsafe.Pointer(doc))
	if err := json.Unmarshal(s.Raw, &s.Info); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Table is the table "schema.table" as opened, or nil.
func (s *Source) Table(name string) *SourceTable {
	for i := range s.Info.Tables {
		t := &s.Info.Tables[i]
		if t.Schema+"."+t.Name == name {
			return t
		}
	}
	return nil
}

func (s *Source) live(what string) error {
	if s == nil || s.s == nil {
		return invalid("%s: the source is closed", what)
	}
	return nil
}

// Close disconnects and frees the source. Plans made from it must be
// closed first. Closing twice is fine.
func (s *Source) Close() {
	if s == nil || s.loop == nil {
		return
	}
	s.loop.mu.Lock()
	defer s.loop.mu.Unlock()
	if s.s != nil {
		C.b2a_source_free(s.s)
		s.s = nil
	}
	s.loop.free()
	s.loop = nil
}

// SplitPlan is a table's plan of ranges, each exportable on its own here or
// in another process (ExportRange with the plan's JSON and the source's
// DSN). On PostgreSQL it holds the snapshot every range reads until Close.
type SplitPlan struct {
	src *Source
	p   *C.b2a_split_plan
	// JSON is the plan as the library wrote it, to store or ship (doc/split-plan.md).
	JSON string
	PlanDocument
}

// PlanDocument is the plan's JSON document (doc/split-plan.md).
type PlanDocument struct {
	PlanVersion  int            `json:"plan_version"`
	Vendor       string         `json:"vendor"`
	Database     string         `json:"database"`
	Kind         string         `json:"kind"`
	Schema       string         `json:"schema"`
	Name         string         `json:"name"`
	RowsExpected int64          `json:"rows_expected"` // what the ranges' rows must add up to; -1 when unknown
	PrimaryKey   []string       `json:"primary_key"`
	Columns      []SourceColumn `json:"columns"`
	Method       string         `json:"method"`   // key, ctid, single; extents, segments (file:)
	Key          string         `json:"key"`      // the column split on, "" when none
	Snapshot     string         `json:"snapshot"` // the snapshot every range reads, "" when none
	Ranges       []PlanRange    `json:"ranges"`
}

// PlanRange is one range of a plan: its SQL condition ("" for the whole table).
type PlanRange struct {
	Index int    `json:"index"`
	Where string `json:"where"`
}

// Plan cuts table "schema.table" into at most splits ranges (fewer when it
// has fewer keys or blocks). A canceled ctx ends the planning.
func (s *Source) Plan(ctx context.Context, table string, splits int) (*SplitPlan, error) {
	if err := s.live("plan"); err != nil {
		return nil, err
	}
	if err := notStarted(ctx, "plan"); err != nil {
		return nil, err
	}
	if splits < 1 || splits > 4096 {
		return nil, invalid("splits %d is outside 1..4096", splits)
	}
	s.loop.mu.Lock()
	defer s.loop.mu.Unlock()
	ct := C.CString(table)
	defer C.free(unsafe.Pointer(ct))
	var p *C.b2a_split_plan
	if rc := C.b2a_split_plan_new(s.s, ct, C.uint32_t(splits), nil, nil, &p); rc != 0 {
		msg := ""
		if rc == -3 {
			msg = table + ": no such table in the source"
		}
		return nil, codeError(int(rc), msg, "")
	}
	s.loop.run(ctx, func() { C.b2a_split_plan_cancel(p) })
	if rc := C.b2a_split_plan_errcode(p); rc != 0 {
		err := blockError(ctx, int(rc), C.GoString(C.b2a_split_plan_errmsg(p)), "")
		C.b2a_split_plan_free(p)
		return nil, err
	}
	doc := C.b2a_split_plan_json(p)
	plan := &SplitPlan{src: s, p: p, JSON: C.GoString(doc)}
	C.b2a_free(unsafe.Pointer(doc))
	if err := json.Unmarshal([]byte(plan.JSON), &plan.PlanDocument); err != nil {
		plan.Close()
		return nil, err
	}
	return plan, nil
}

// Close ends the plan (on PostgreSQL, its snapshot: ranges can no longer be
// exported). Closing twice is fine.
func (p *SplitPlan) Close() {
	if p == nil || p.p == nil {
		return
	}
	p.src.loop.mu.Lock()
	defer p.src.loop.mu.Unlock()
	C.b2a_split_plan_free(p.p)
	p.p = nil
}
