package bak2avro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func samples(t *testing.T, rel string) string {
	dir := os.Getenv("B2A_SAMPLES")
	if dir == "" {
		dir = "../../../shared/samples"
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("sample %s is absent (set B2A_SAMPLES)", p)
	}
	return p
}

const northwind = "sqlserver/northwind_sql2008_mtf__thuyluv.bak"

func parts(t *testing.T, out string) []string {
	found, err := filepath.Glob(filepath.Join(out, "*", "*", "part-*.avro"))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestVersion(t *testing.T) {
	if v := Version(); strings.Count(v, ".") != 2 {
		t.Fatalf("version %q", v)
	}
}

func TestForeignFileIsAFormatError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "notes.bak")
	os.WriteFile(p, []byte(strings.Repeat("not a backup\n", 20)), 0o644)
	_, err := Run(Options{Inputs: []string{p}, OutputDir: filepath.Join(dir, "out")})
	var e *Error
	if !errors.As(err, &e) || e.Code != -7 || !strings.Contains(e.Message, "notes.bak") {
		t.Fatalf("want a format error naming notes.bak, got %v", err)
	}
	if !errors.Is(err, ErrFormat) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrJobFailed) {
		t.Fatalf("errors.Is: ErrFormat %v, ErrNotFound %v, ErrJobFailed %v",
			errors.Is(err, ErrFormat), errors.Is(err, ErrNotFound), errors.Is(err, ErrJobFailed))
	}
}

func TestMissingInputIsErrNotFound(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.bak")
	_, err := Run(Options{Inputs: []string{missing}, OutputDir: filepath.Join(dir, "out")})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope.bak") {
		t.Fatalf("Run: want ErrNotFound naming nope.bak, got %v", err)
	}
	doc, err := Inspect(missing)
	if !errors.Is(err, ErrNotFound) || doc == nil || doc.Inputs[0].Error == "" {
		t.Fatalf("Inspect: want ErrNotFound and the input's error, got %v, %+v", err, doc)
	}
}

func TestBadOptionsAreErrInvalid(t *testing.T) {
	dir := t.TempDir()
	in := []string{filepath.Join(dir, "x.bak")}
	out := filepath.Join(dir, "out")
	for _, c := range []struct {
		o   Options
		msg string
	}{
		{Options{Inputs: in, OutputDir: out, Codec: "lz4"}, `unknown codec "lz4" (null, deflate, snappy)`},
		{Options{Inputs: in, OutputDir: out, Parallel: -1}, "parallel -1 is outside 0..256"},
		{Options{Inputs: in, OutputDir: out, Parallel: 257}, "parallel 257 is outside 0..256"},
		{Options{Inputs: in, OutputDir: out, Network: "bridge"}, `unknown network "bridge"`},
		{Options{Inputs: in, OutputDir: out, Restore: "fast"}, `unknown restore mode "fast"`},
		{Options{Inputs: in, OutputDir: out, Delivery: "mail"}, `unknown delivery "mail"`},
		{Options{OutputDir: out}, "no input file"},
		{Options{Inputs: in}, "no output folder"},
	} {
		_, err := Run(c.o)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("want ErrInvalid saying %q, got %v", c.msg, err)
		}
	}
}

func TestUsedOutputFolderIsErrInvalid(t *testing.T) {
	p := samples(t, northwind)
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Run(Options{Inputs: []string{p}, OutputDir: out, Include: []string{"dbo.Shippers"}}); err != nil {
		t.Fatal(err)
	}
	_, err := Run(Options{Inputs: []string{p}, OutputDir: out, Include: []string{"dbo.Shippers"}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "the output folder "+out+" is not empty") {
		t.Fatalf("want ErrInvalid naming the folder, got %v", err)
	}
}

func TestInspectPgArchive(t *testing.T) {
	p := samples(t, "postgresql/chinook_pg15_custom.dump")
	doc, err := Inspect(p)
	if err != nil {
		t.Fatal(err)
	}
	in := doc.Inputs[0]
	if len(doc.Inputs) != 1 || in.Vendor != "postgresql" || in.FormatID != "pg_custom" || in.Path != p || in.Error != "" {
		t.Fatalf("inspect: %+v", doc.Inputs)
	}
	var versions struct {
		Archive string `json:"archive"`
	}
	if err := json.Unmarshal(in.Versions, &versions); err != nil || versions.Archive != "1.14.0" {
		t.Fatalf("versions %s: %v", in.Versions, err)
	}
}

func TestInspectTruncatedDumpGivesErrorAndDocument(t *testing.T) {
	p := samples(t, "postgresql/chinook_pg15_custom.dump")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.dump")
	os.WriteFile(cut, data[:3000], 0o644)
	doc, err := Inspect(p, cut)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrFormat) ||
		!strings.Contains(e.Message, "cut.dump: truncated pg_dump archive") {
		t.Fatalf("want a format error naming cut.dump, got %v", err)
	}
	if doc == nil || len(doc.Inputs) != 2 {
		t.Fatalf("want both inputs in the document, got %+v", doc)
	}
	if part := doc.Inputs[1]; part.Error != e.Message || part.FormatID != "pg_custom" {
		t.Fatalf("the cut input lacks its error or format: %+v", part)
	}
	if doc.Inputs[0].Error != "" {
		t.Fatalf("the whole input has an error: %+v", doc.Inputs[0])
	}
}

func TestRunDirectBakWithProgress(t *testing.T) {
	p := samples(t, northwind)
	out := filepath.Join(t.TempDir(), "out")
	var sawExport bool
	var last Progress
	doc, err := Run(Options{Inputs: []string{p}, OutputDir: out, Include: []string{"dbo.Shippers"},
		Progress: func(pr Progress) bool {
			if pr.Step == "export" && pr.Table == "dbo.Shippers" {
				sawExport = true
				last = pr
			}
			return false
		}})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Status != "Success" || !sawExport {
		t.Fatalf("status %v, saw export progress %v", doc.Status, sawExport)
	}
	var shippers *Table
	for i := range doc.Tables {
		if doc.Tables[i].Name == "Shippers" {
			shippers = &doc.Tables[i]
		}
	}
	avro := filepath.Join(out, "dbo", "Shippers", "part-00000.avro")
	if st, err := os.Stat(avro); err != nil || last.Percent != 100 || last.RowsDone != 3 || last.BytesDone != st.Size() {
		t.Fatalf("last Shippers progress %+v, file %v %v", last, st, err)
	}
	if abs, _ := filepath.EvalSymlinks(out); doc.OutputDirAbsolute != abs || doc.OutputDir != out {
		t.Fatalf("output_dir %q, output_dir_absolute %q, want %q", doc.OutputDir, doc.OutputDirAbsolute, abs)
	}
	if shippers == nil || shippers.RowsWritten != 3 || shippers.RowsExpected != 3 || !shippers.Selected ||
		len(shippers.Files) != 1 || shippers.Files[0] != "dbo/Shippers/part-00000.avro" ||
		shippers.SchemaFile != "dbo/Shippers/part-00000.avsc" || len(shippers.Columns) != 3 ||
		shippers.Columns[1] != (Column{Name: "CompanyName", AvroName: "CompanyName", SourceType: "nvarchar(40)", AvroType: "string"}) ||
		len(shippers.PrimaryKey) != 1 || shippers.PrimaryKey[0] != "ShipperID" {
		t.Fatalf("Shippers: %+v", shippers)
	}
	if doc.Summary != (Summary{TablesOK: 1, TablesFailed: 0, RowsWritten: 3}) || doc.Vendor != "sqlserver" ||
		doc.Format != "mssql_mtf" || doc.Database != "Northwind" || doc.Error != nil || doc.Ended.Before(doc.Started) ||
		doc.Started.IsZero() || len(doc.Options.Include) != 1 || doc.Options.Codec != "snappy" || doc.Options.Parallel != 2 {
		t.Fatalf("job: %+v", doc)
	}
	if pv := doc.PageVerification; pv == nil || pv.DatabasePageVerify != "TORN_PAGE_DETECTION" || pv.PagesRead == 0 ||
		pv.PagesFailedVerification != 0 {
		t.Fatalf("page verification: %+v", pv)
	}
	if _, err := os.Stat(avro); err != nil {
		t.Fatal(err)
	}
}

// Every key the library writes has its field in Job: a key added to the Job
// JSON (src/core/job_json.c) and not to job.go fails here.
func TestJobStructHoldsEveryKey(t *testing.T) {
	for _, rel := range []string{northwind, "oracle/oracledmpparser_exptest.dmp"} {
		p := samples(t, rel)
		doc, err := Run(Options{Inputs: []string{p}, OutputDir: filepath.Join(t.TempDir(), "out")})
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(doc.Raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&Job{}); err != nil {
			t.Errorf("%s: the Job JSON has a key Job lacks: %v", rel, err)
		}
	}
}

func TestRunDirectOracleExp(t *testing.T) {
	p := samples(t, "oracle/oracledmpparser_exptest.dmp")
	out := filepath.Join(t.TempDir(), "out")
	doc, err := Run(Options{Inputs: []string{p}, OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Status != "Success" || doc.Vendor != "oracle" || doc.PageVerification != nil {
		t.Fatalf("status %v, vendor %v, page verification %+v", doc.Status, doc.Vendor, doc.PageVerification)
	}
	rows := map[string]int64{}
	for _, tb := range doc.Tables {
		rows[tb.Name] = tb.RowsWritten
	}
	if rows["TABLE1"] != 7 || rows["TABLE2"] != 4 {
		t.Fatalf("rows %v", rows)
	}
	if _, err := os.Stat(filepath.Join(out, "EXPTEST", "TABLE1", "part-00000.avro")); err != nil {
		t.Fatal(err)
	}
}

func TestRunContextCanceledMidExport(t *testing.T) {
	p := samples(t, northwind)
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	doc, err := RunContext(ctx, Options{Inputs: []string{p}, OutputDir: out, Parallel: 1,
		Progress: func(pr Progress) bool {
			if pr.Step == "export" {
				cancel() // as another goroutine would; the job sees it on the loop
			}
			return false
		}})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) {
		t.Fatalf("want context.Canceled and ErrCanceled, got %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Job != doc || doc == nil || doc.Status != "Canceled" {
		t.Fatalf("want the canceled job's document, got %+v", doc)
	}
	if found := parts(t, out); len(found) == len(doc.Tables) || doc.Summary.TablesOK == len(doc.Tables) {
		t.Fatalf("every table was exported despite the cancel: %v", found)
	}
}

func TestRunContextPastDeadlineStartsNothing(t *testing.T) {
	p := samples(t, northwind)
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	doc, err := RunContext(ctx, Options{Inputs: []string{p}, OutputDir: out})
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrCanceled) || doc != nil {
		t.Fatalf("want context.DeadlineExceeded and ErrCanceled, got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("the output folder was made: %v", err)
	}
}

func TestFailedTableIsErrJobFailed(t *testing.T) {
	// pubs with one bit of a publishers value flipped, as tests/cli/test_checksums.py:
	// that page's checksum fails, so that table fails and the job goes on.
	data, err := os.ReadFile(samples(t, "sqlserver/pubs_sql2012_mtf__UGR95.bak"))
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte("New Moon Books"))
	if at < 0 {
		t.Fatal("no 'New Moon Books' in pubs")
	}
	data[at+13] ^= 0x01
	dir := t.TempDir()
	bad := filepath.Join(dir, "pubs-flipped.bak")
	os.WriteFile(bad, data, 0o644)
	doc, err := Run(Options{Inputs: []string{bad}, OutputDir: filepath.Join(dir, "out"),
		Include: []string{"dbo.publishers", "dbo.jobs"}})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrJobFailed) || errors.Is(err, ErrFormat) || e.Code != 0 ||
		e.Message != "1 tables failed" {
		t.Fatalf("want ErrJobFailed, got %v", err)
	}
	if doc == nil || e.Job != doc || doc.Status != "Failed" || doc.Error != nil ||
		doc.Summary.TablesOK != 1 || doc.Summary.TablesFailed != 1 {
		t.Fatalf("job: %+v", doc)
	}
	for _, tb := range doc.Tables {
		if tb.Name == "publishers" && (tb.Status != "Failed" || !strings.Contains(tb.Message, "checksum mismatch")) {
			t.Fatalf("publishers: %+v", tb)
		}
	}
}
