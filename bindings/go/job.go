package bak2avro

import (
	"encoding/json"
	"time"
)

// Job is the Job JSON document (doc/job-json.md): what a job did, step by
// step and table by table. Null strings decode as "", null times as the zero
// time.Time.
type Job struct {
	JobID             string            `json:"job_id"`
	Status            string            `json:"status"` // Pending, Running, Success, Failed, Canceled
	Started           time.Time         `json:"started"`
	Ended             time.Time         `json:"ended"`
	Inputs            []string          `json:"inputs"`
	DSN               string            `json:"dsn"`                 // the database exported instead of inputs, password as ***
	OutputDir         string            `json:"output_dir"`          // as given
	OutputDirAbsolute string            `json:"output_dir_absolute"` // the file paths below are relative to it
	Vendor            string            `json:"vendor"`              // sqlserver, postgresql, mysql, oracle
	Format            string            `json:"format"`              // mssql_mtf, pg_custom, oracle_exp, ...
	FormatVersion     string            `json:"format_version"`
	Database          string            `json:"database"`
	Image             string            `json:"image"`
	ContainerID       string            `json:"container_id"`
	Options           JobOptions        `json:"options"`
	PageVerification  *PageVerification `json:"page_verification"` // nil unless a SQL Server .bak was read directly
	Error             *JobError         `json:"error"`             // the job's first fatal error, nil when none
	Steps             []Step            `json:"steps"`             // in the order they started
	Tables            []Table           `json:"tables"`            // every table the source described, selected or not
	IncompleteFiles   []string          `json:"incomplete_files"`  // relative to OutputDirAbsolute
	Summary           Summary           `json:"summary"`
	// Raw is the document as the library wrote it.
	Raw json.RawMessage `json:"-"`
}

// JobOptions are the settings the job used.
type JobOptions struct {
	Include         []string `json:"include"`
	Exclude         []string `json:"exclude"`
	Parallel        int      `json:"parallel"`
	Codec           string   `json:"codec"`
	Network         string   `json:"network"`
	Restore         string   `json:"restore"`
	KeepContainer   bool     `json:"keep_container"`
	IncludeViews    bool     `json:"include_views"`
	Delivery        string   `json:"delivery"`
	Overwrite       bool     `json:"overwrite"`
	IgnoreChecksums bool     `json:"ignore_checksums"`
	AllowColumnLoss bool     `json:"allow_column_loss"`
	Via             string   `json:"via"`              // auto, odbc
	NaiveTimestamps string   `json:"naive_timestamps"` // local, utc, string
	Splits          int      `json:"splits"`
	MaxFileBytes    uint64   `json:"max_file_bytes"`
	MaxFileRows     uint64   `json:"max_file_rows"`
}

// PageVerification is what a direct read of a SQL Server .bak checked.
type PageVerification struct {
	DatabasePageVerify      string   `json:"database_page_verify"` // CHECKSUM, TORN_PAGE_DETECTION, NONE
	PagesRead               int64    `json:"pages_read"`
	PagesChecksumVerified   int64    `json:"pages_checksum_verified"`
	PagesTornBitsVerified   int64    `json:"pages_torn_bits_verified"`
	PagesUnprotected        int64    `json:"pages_unprotected"`
	PagesFailedVerification int64    `json:"pages_failed_verification"`
	Failures                []string `json:"failures"` // the first 20
}

// JobError is the job's first fatal error.
type JobError struct {
	Code     int    `json:"code"`
	Class    string `json:"class"` // none, os, docker, odbc, avro, reader, io, restore, usage
	Message  string `json:"message"`
	SQLState string `json:"sqlstate"`
}

// Step is one step of the pipeline.
type Step struct {
	Name       string    `json:"name"`   // detect, container, pre-sql, restore, post-sql, introspect, export, cleanup, read
	Status     string    `json:"status"` // Running, Success, Failed, Skipped, Canceled
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended"`
	DurationMs int64     `json:"duration_ms"`
	Message    string    `json:"message"`
}

// Table is one table of the source and what became of it.
type Table struct {
	Schema       string       `json:"schema"`
	Name         string       `json:"name"`
	Kind         string       `json:"kind"` // table, partitioned table, view, materialized view, ...
	Selected     bool         `json:"selected"`
	Status       string       `json:"status"`        // Pending, Running, Success, Failed, Skipped, Canceled
	RowsExpected int64        `json:"rows_expected"` // -1 when unknown
	RowsWritten  int64        `json:"rows_written"`
	Files        []string     `json:"files"`       // relative to Job.OutputDirAbsolute
	SchemaFile   string       `json:"schema_file"` // relative to Job.OutputDirAbsolute
	PrimaryKey   []string     `json:"primary_key"`
	Columns      []Column     `json:"columns"`
	Started      time.Time    `json:"started"`
	Ended        time.Time    `json:"ended"`
	DurationMs   int64        `json:"duration_ms"`
	Message      string       `json:"message"`
	LostColumns  []LostColumn `json:"lost_columns"`
	// SalvagedPages counts page reads that failed verification and were exported
	// anyway (--ignore-checksums): the table is Failed, its files are kept.
	SalvagedPages int64    `json:"salvaged_pages"`
	Partitions    []string `json:"partitions"` // named partitions the rows came from, in dump order
	// ReplacedBytes counts source bytes with no character in their
	// character set, written as U+FFFD (present only when not 0).
	ReplacedBytes int64 `json:"replaced_bytes"`
}

// Column is one column of a table and its Avro field.
type Column struct {
	Name       string `json:"name"`
	AvroName   string `json:"avro_name"`
	SourceType string `json:"source_type"`
	AvroType   string `json:"avro_type"`
	Precision  int    `json:"precision"` // decimals only
	Scale      int    `json:"scale"`     // decimals only
	Note       string `json:"note"`
}

// LostColumn is a column the backup declares but the restored table lacks.
type LostColumn struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Summary counts the tables and rows.
type Summary struct {
	TablesOK     int   `json:"tables_ok"`
	TablesFailed int   `json:"tables_failed"`
	RowsWritten  int64 `json:"rows_written"`
}

func parseJob(text string) (*Job, error) {
	j := &Job{Raw: json.RawMessage(text)}
	if err := json.Unmarshal(j.Raw, j); err != nil {
		return nil, err
	}
	return j, nil
}

// Inspection is the document Inspect returns: one entry per input.
type Inspection struct {
	Inputs []InspectedInput `json:"inputs"`
	Raw    json.RawMessage  `json:"-"`
}

// InspectedInput is what Inspect could tell of one backup file. Versions and
// Contents differ by format (doc/api/b2a_inspect.md) and are left as JSON.
type InspectedInput struct {
	Path        string          `json:"path"`
	Size        int64           `json:"size"`
	Vendor      string          `json:"vendor"`
	Format      string          `json:"format"`    // human name, "pg_dump custom"
	FormatID    string          `json:"format_id"` // short key, "pg_custom"
	GzipWrapped bool            `json:"gzip_wrapped"`
	Compression string          `json:"compression"`
	Versions    json.RawMessage `json:"versions"`
	Contents    json.RawMessage `json:"contents"`
	Error       string          `json:"error"` // set when this input was not read whole
}
