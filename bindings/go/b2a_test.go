package bak2avro

import (
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
	if !errors.As(err, &e) || e.Code != ErrFormat || !strings.Contains(e.Message, "notes.bak") {
		t.Fatalf("want a format error naming notes.bak, got %v", err)
	}
}

func TestInspectPgArchive(t *testing.T) {
	p := samples(t, "postgresql/chinook_pg15_custom.dump")
	doc, err := Inspect(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(toString(doc)), "postgresql") {
		t.Fatalf("inspect does not say postgresql: %v", doc)
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
	if !errors.As(err, &e) || e.Code != ErrFormat || !strings.Contains(e.Message, "cut.dump: truncated pg_dump archive") {
		t.Fatalf("want a format error naming cut.dump, got %v", err)
	}
	inputs, _ := doc["inputs"].([]interface{})
	if len(inputs) != 2 {
		t.Fatalf("want both inputs in the document, got %v", doc)
	}
	part, _ := inputs[1].(map[string]interface{})
	if part["error"] != e.Message || part["format_id"] != "pg_custom" {
		t.Fatalf("the cut input lacks its error or format: %v", part)
	}
	if _, bad := inputs[0].(map[string]interface{})["error"]; bad {
		t.Fatalf("the whole input has an error: %v", inputs[0])
	}
}

func TestRunDirectBakWithProgress(t *testing.T) {
	p := samples(t, "sqlserver/northwind_sql2008_mtf__thuyluv.bak")
	out := filepath.Join(t.TempDir(), "out")
	var sawExport bool
	doc, err := Run(Options{Inputs: []string{p}, OutputDir: out, Include: []string{"dbo.Shippers"},
		Progress: func(pr Progress) bool {
			if pr.Step == "export" && pr.Table == "dbo.Shippers" {
				sawExport = true
			}
			return false
		}})
	if err != nil {
		t.Fatal(err)
	}
	if doc["status"] != "Success" || !sawExport {
		t.Fatalf("status %v, saw export progress %v", doc["status"], sawExport)
	}
	for _, tb := range doc["tables"].([]interface{}) {
		m := tb.(map[string]interface{})
		if m["name"] == "Shippers" && m["rows_written"].(float64) != 3 {
			t.Fatalf("Shippers rows %v", m["rows_written"])
		}
	}
	if _, err := os.Stat(filepath.Join(out, "dbo", "Shippers", "part-00000.avro")); err != nil {
		t.Fatal(err)
	}
}

func TestRunDirectOracleExp(t *testing.T) {
	p := samples(t, "oracle/oracledmpparser_exptest.dmp")
	out := filepath.Join(t.TempDir(), "out")
	doc, err := Run(Options{Inputs: []string{p}, OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	if doc["status"] != "Success" || doc["vendor"] != "oracle" {
		t.Fatalf("status %v, vendor %v", doc["status"], doc["vendor"])
	}
	rows := map[string]float64{}
	for _, tb := range doc["tables"].([]interface{}) {
		m := tb.(map[string]interface{})
		rows[m["name"].(string)] = m["rows_written"].(float64)
	}
	if rows["TABLE1"] != 7 || rows["TABLE2"] != 4 {
		t.Fatalf("rows %v", rows)
	}
	if _, err := os.Stat(filepath.Join(out, "EXPTEST", "TABLE1", "part-00000.avro")); err != nil {
		t.Fatal(err)
	}
}

func toString(v interface{}) string {
	switch x := v.(type) {
	case map[string]interface{}:
		var b strings.Builder
		for k, e := range x {
			b.WriteString(k + "=" + toString(e) + " ")
		}
		return b.String()
	case []interface{}:
		var b strings.Builder
		for _, e := range x {
			b.WriteString(toString(e) + " ")
		}
		return b.String()
	case string:
		return x
	}
	return ""
}
