package bak2avro

// The building blocks on the real Docker engine with the test image
// bak2avro-test/postgres:15: Chinook restored into a Container, read through
// a Source, one table exported in 2 ranges of a plan with exact counts (the
// Avro files read back by Debian's python3-avro), one exported whole, the
// container gone after Stop; and contexts canceled from another goroutine
// during a restore and during an export. Skipped without Docker, the image
// or the samples.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	pgImage = "bak2avro-test/postgres:15"
	chinook = "postgresql/chinook_pg15_custom.dump"
)

func needEngine(t *testing.T) {
	t.Helper()
	if err := exec.Command("docker", "image", "inspect", pgImage).Run(); err != nil {
		t.Skipf("no Docker engine or no test image %s: %v", pgImage, err)
	}
}

func containerExists(id string) bool {
	return exec.Command("docker", "inspect", id).Run() == nil
}

// avroKeys reads Avro files with Debian's python3-avro: the values of field key, in file order.
func avroKeys(t *testing.T, field string, files ...string) []int64 {
	t.Helper()
	const script = `import json, sys
from avro.datafile import DataFileReader
from avro.io import DatumReader
out = []
for f in sys.argv[2:]:
    with DataFileReader(open(f, "rb"), DatumReader()) as r:
        out += [rec[sys.argv[1]] for rec in r]
print(json.dumps(out))`
	cmd := exec.Command("/usr/bin/python3", append([]string{"-c", script, field}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("Debian's python3-avro cannot read the files (%v): %s", err, stderr.String())
	}
	var keys []int64
	if err := json.Unmarshal(out, &keys); err != nil {
		t.Fatal(err)
	}
	return keys
}

func strictDecode(t *testing.T, what string, raw []byte, v interface{}) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Errorf("%s has a key its Go type lacks: %v", what, err)
	}
}

func TestChinookRestoredReadPlannedExportedThenRemoved(t *testing.T) {
	dump := samples(t, chinook)
	needEngine(t)
	ctx := context.Background()
	var steps []string
	c, err := StartContainer(ctx, []string{dump}, ContainerOptions{Image: pgImage})
	if err != nil {
		t.Fatal(err)
	}
	id := c.ID()
	defer func() {
		if c.Stop(); containerExists(id) {
			t.Errorf("container %.12s outlived Stop", id)
		}
	}()
	if !containerExists(id) || c.Vendor() != "postgresql" || c.Image() != pgImage {
		t.Fatalf("container %q vendor %q image %q", id, c.Vendor(), c.Image())
	}
	err = c.Restore(ctx, RestoreOptions{PreSQL: "SELECT 1", PostSQL: "ANALYZE", Progress: func(p Progress) bool {
		if len(steps) == 0 || steps[len(steps)-1] != p.Step {
			steps = append(steps, p.Step)
		}
		return false
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(steps, []string{"pre-sql", "restore", "post-sql"}) {
		t.Errorf("restore steps %v", steps)
	}
	ep, dsn := c.Endpoint(), c.DSN()
	if ep.Host != "127.0.0.1" || ep.Port == 0 || ep.User == "" || len(ep.Password) < 12 || ep.Database == "" {
		t.Fatalf("endpoint %+v", ep)
	}
	if want := "postgresql://" + ep.User + ":"; !strings.HasPrefix(dsn, want) || !strings.HasSuffix(dsn, "/"+ep.Database) {
		t.Fatalf("dsn of another form (want %s...)", want)
	}

	src, err := OpenSource(ctx, dsn, SourceOptions{Include: []string{"public.track", "public.album"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	strictDecode(t, "the source document", src.Raw, &SourceInfo{})
	rows := map[string]int64{}
	var selected []string
	for _, tb := range src.Info.Tables {
		rows[tb.Name] = tb.RowsExpected
		if tb.Selected {
			selected = append(selected, tb.Schema+"."+tb.Name)
		}
	}
	if len(rows) != 11 || rows["track"] != 3503 || rows["album"] != 347 || rows["invoice_line"] != 2240 {
		t.Fatalf("tables %v", rows)
	}
	if !reflect.DeepEqual(selected, []string{"public.album", "public.track"}) &&
		!reflect.DeepEqual(selected, []string{"public.track", "public.album"}) {
		t.Fatalf("selected %v", selected)
	}
	if src.Info.Vendor != "postgresql" || src.Info.Database != ep.Database || strings.Contains(src.Info.DSN, ep.Password) {
		t.Fatalf("source %+v", src.Info)
	}
	track := src.Table("public.track")
	if track == nil || !reflect.DeepEqual(track.PrimaryKey, []string{"track_id"}) || track.Kind != "table" ||
		track.Columns[0].Name != "track_id" || track.Columns[0].AvroType != "int" || track.Columns[0].Nullable {
		t.Fatalf("public.track %+v", track)
	}

	plan, err := src.Plan(ctx, "public.track", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Close()
	strictDecode(t, "the plan", []byte(plan.JSON), &PlanDocument{})
	if len(plan.Ranges) != 2 || plan.Method != "key" || plan.Key != "track_id" || plan.Snapshot == "" ||
		plan.RowsExpected != 3503 || plan.Schema != "public" || plan.Name != "track" || strings.Contains(plan.JSON, ep.Password) {
		t.Fatalf("plan %s", plan.JSON)
	}
	out := t.TempDir()
	var total int64
	var seen = map[int64]int{}
	for r := range plan.Ranges {
		res, err := ExportRange(ctx, dsn, plan.JSON, r, out, ExportOptions{})
		if err != nil {
			t.Fatalf("range %d: %v", r, err)
		}
		strictDecode(t, "an export result", res.Raw, &ExportResult{})
		want := []string{filepath.Join("public", "track", []string{"part-00000.avro", "part-00001.avro"}[r])}
		if res.Range == nil || *res.Range != r || res.Status != "Success" || res.RowsExpected != -1 ||
			!reflect.DeepEqual(res.Files, want) || res.RowsWritten <= 0 || res.RowsWritten >= 3503 {
			t.Fatalf("range %d: %+v", r, res)
		}
		keys := avroKeys(t, "track_id", filepath.Join(out, res.Files[0]))
		if int64(len(keys)) != res.RowsWritten {
			t.Fatalf("range %d: %d records in the file, %d rows written", r, len(keys), res.RowsWritten)
		}
		for _, k := range keys {
			seen[k]++
		}
		total += res.RowsWritten
	}
	if total != plan.RowsExpected || len(seen) != 3503 {
		t.Fatalf("ranges wrote %d rows, %d distinct keys; the plan expects %d", total, len(seen), plan.RowsExpected)
	}
	for k := int64(1); k <= 3503; k++ {
		if seen[k] != 1 {
			t.Fatalf("track_id %d exported %d times", k, seen[k])
		}
	}

	whole := t.TempDir()
	res, err := src.ExportTable(ctx, "public.album", whole, ExportOptions{Codec: "deflate"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Range != nil || res.RowsWritten != 347 || res.RowsExpected != 347 || res.Status != "Success" ||
		!reflect.DeepEqual(res.Files, []string{"public/album/part-00000.avro"}) ||
		res.SchemaFile != "public/album/part-00000.avsc" || res.Error != "" {
		t.Fatalf("album: %+v", res)
	}
	if keys := avroKeys(t, "album_id", filepath.Join(whole, res.Files[0])); len(keys) != 347 {
		t.Fatalf("album file holds %d records", len(keys))
	}
	_, err = src.ExportTable(ctx, "public.nope", whole, ExportOptions{})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "public.nope") {
		t.Fatalf("want ErrNotFound naming public.nope, got %v", err)
	}

	t.Run("ExportCanceledFromAnotherGoroutine", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		first := make(chan struct{})
		go func() { <-first; cancel() }() // as a caller's other goroutine would
		calls := 0
		dir := t.TempDir()
		// 100-row chunks: 36 of them, a cancel point between each two
		_, err := src.ExportTable(cctx, "public.track", dir, ExportOptions{MaxFileRows: 100,
			Progress: func(done, expected int64) bool {
				if calls++; calls == 1 {
					close(first)
					<-cctx.Done()
				}
				return false
			}})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) {
			t.Fatalf("want context.Canceled and ErrCanceled, got %v", err)
		}
		if calls >= 36 {
			t.Fatalf("%d progress calls: the export ran to its end", calls)
		}
		if found := parts(t, dir); len(found) != 0 {
			t.Fatalf("a canceled export left files: %v", found)
		}
	})
	t.Run("CanceledBeforeStartingStartsNothing", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		dir := filepath.Join(t.TempDir(), "out")
		_, err := ExportRange(cctx, dsn, plan.JSON, 0, dir, ExportOptions{})
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("the output folder was made: %v", err)
		}
	})
}

func TestRestoreCanceledFromAnotherGoroutine(t *testing.T) {
	dump := samples(t, chinook)
	needEngine(t)
	c, err := StartContainer(context.Background(), []string{dump}, ContainerOptions{Image: pgImage})
	if err != nil {
		t.Fatal(err)
	}
	id := c.ID()
	defer func() {
		if c.Stop(); containerExists(id) {
			t.Errorf("container %.12s outlived Stop", id)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	restoring := make(chan struct{})
	go func() { <-restoring; cancel() }() // as a caller's other goroutine would
	signaled := false
	err = c.Restore(ctx, RestoreOptions{Progress: func(p Progress) bool {
		if p.Step == "restore" && !signaled {
			signaled = true
			close(restoring)
			<-ctx.Done() // the tool starts once this returns; the cancel is on its way
		}
		return false
	}})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) || !signaled {
		t.Fatalf("want context.Canceled and ErrCanceled during the restore step, got %v", err)
	}
}

func TestBlockArgumentsAreErrInvalid(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		err error
		msg string
	}{
		{second(StartContainer(ctx, nil, ContainerOptions{})), "no backup file"},
		{second(StartContainer(ctx, []string{"x.dump"}, ContainerOptions{Network: "bridge"})), `unknown network "bridge"`},
		{second(StartContainer(ctx, []string{"x.dump"}, ContainerOptions{MemoryBytes: -1})), "memory -1 is negative"},
		{second(OpenSource(ctx, "", SourceOptions{})), "no DSN"},
		{second(OpenSource(ctx, "postgresql://u@h/db", SourceOptions{Via: "jdbc"})), `unknown via "jdbc"`},
		{second(OpenSource(ctx, "oracle://u@h/db", SourceOptions{})), "DSN: unknown URL scheme"},
		{second(ExportRange(ctx, "postgresql://u@h/db", "{}", 0, "", ExportOptions{})), "no output folder"},
		{second(ExportRange(ctx, "postgresql://u@h/db", "{}", 0, t.TempDir(), ExportOptions{Codec: "lz4"})), `unknown codec "lz4"`},
		{second(ExportRange(ctx, "postgresql://u@h/db", "{}", 0, t.TempDir(), ExportOptions{NaiveTimestamps: "tz"})), `unknown naive timestamps "tz"`},
	} {
		if !errors.Is(c.err, ErrInvalid) || !strings.Contains(c.err.Error(), c.msg) {
			t.Errorf("want ErrInvalid saying %q, got %v", c.msg, c.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestInspectContextAsInspect(t *testing.T) {
	p := samples(t, chinook)
	cut := filepath.Join(t.TempDir(), "cut.dump")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cut, data[:3000], 0o644)
	want, werr := Inspect(p, cut)
	got, gerr := InspectContext(context.Background(), p, cut)
	if werr == nil || gerr == nil || gerr.Error() != werr.Error() || !errors.Is(gerr, ErrFormat) {
		t.Fatalf("errors: Inspect %v, InspectContext %v", werr, gerr)
	}
	if got == nil || !bytes.Equal(got.Raw, want.Raw) || len(got.Inputs) != 2 || got.Inputs[0].FormatID != "pg_custom" {
		t.Fatalf("documents differ:\n%s\n%s", got.Raw, want.Raw)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if doc, err := InspectContext(ctx, p); doc != nil || !errors.Is(err, context.Canceled) || !errors.Is(err, ErrCanceled) {
		t.Fatalf("a canceled context: %v, %v", doc, err)
	}
}

// GC against an engine that is not there (a real one here runs other jobs' containers).
func TestGCNamesAnEngineThatDoesNotAnswer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "no-docker.sock")
	n, err := GC(context.Background(), "unix://"+sock)
	if n != 0 || !errors.Is(err, ErrDocker) || !strings.Contains(err.Error(), sock) {
		t.Fatalf("want ErrDocker naming %s, got %d, %v", sock, n, err)
	}
	_, err = GC(context.Background(), "tcp://127.0.0.1:2375")
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "tcp://") {
		t.Fatalf("want ErrUnsupported for tcp://, got %v", err)
	}
}

// A file: DSN (the library's own reader, no database): an Oracle exp dump's
// table planned in segments and exported by ranges adds up to its count.
func TestFileSourceOfAnOracleDump(t *testing.T) {
	dump := samples(t, "oracle/oracledmpparser_exptest.dmp")
	ctx := context.Background()
	src, err := OpenSource(ctx, "file:"+dump, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	strictDecode(t, "the file: source document", src.Raw, &SourceInfo{})
	t1 := src.Table("EXPTEST.TABLE1")
	if src.Info.Via != "reader" || src.Info.Format == "" || len(src.Info.Inputs) != 1 || t1 == nil || t1.RowsExpected != 7 {
		t.Fatalf("source %+v, TABLE1 %+v", src.Info, t1)
	}
	plan, err := src.Plan(ctx, "EXPTEST.TABLE1", 2)
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Close()
	strictDecode(t, "the file: plan", []byte(plan.JSON), &PlanDocument{})
	out := t.TempDir()
	var total int64
	for r := range plan.Ranges {
		res, err := ExportRange(ctx, "file:"+dump, plan.JSON, r, out, ExportOptions{})
		if err != nil {
			t.Fatalf("range %d of %s: %v", r, plan.Method, err)
		}
		total += res.RowsWritten
	}
	if total != 7 || plan.RowsExpected != 7 {
		t.Fatalf("%s plan of %d ranges wrote %d rows, expects %d", plan.Method, len(plan.Ranges), total, plan.RowsExpected)
	}
}
