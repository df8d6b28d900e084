package bak2avro

import (
	"errors"
	"fmt"
)

// Sentinel errors, one for each of the library's codes (include/bak2avro/errors.h).
// Test for them with errors.Is; an *Error carries the code, message and SQLSTATE.
var (
	ErrInvalid     = errors.New("bak2avro: invalid argument")           // B2A_EINVAL
	ErrNoMemory    = errors.New("bak2avro: out of memory")              // B2A_ENOMEM
	ErrNotFound    = errors.New("bak2avro: not found")                  // B2A_ENOTFOUND
	ErrUnsupported = errors.New("bak2avro: unsupported")                // B2A_EUNSUPPORTED
	ErrDocker      = errors.New("bak2avro: docker engine error")        // B2A_EDOCKER
	ErrODBC        = errors.New("bak2avro: ODBC error")                 // B2A_EODBC
	ErrFormat      = errors.New("bak2avro: malformed or foreign input") // B2A_EFORMAT
	ErrCanceled    = errors.New("bak2avro: canceled")                   // B2A_ECANCELED
	ErrUser        = errors.New("bak2avro: a callback asked to stop")   // B2A_EUSER
	ErrIO          = errors.New("bak2avro: I/O error")                  // B2A_EIO
	ErrRestore     = errors.New("bak2avro: restore failed")             // B2A_ERESTORE
	ErrTimeout     = errors.New("bak2avro: timed out")                  // B2A_ETIMEOUT
	ErrMismatch    = errors.New("bak2avro: row count mismatch")         // B2A_EMISMATCH
	ErrBusy        = errors.New("bak2avro: handle busy")                // B2A_EBUSY
	ErrFailed      = errors.New("bak2avro: failed")                     // B2A_EFAILED
	ErrFatal       = errors.New("bak2avro: fatal")                      // B2A_EFATAL
	// ErrJobFailed: the job ran to its end, but tables or steps failed
	// without a job error (Error.Code is 0; Error.Job says which).
	ErrJobFailed = errors.New("bak2avro: job failed")
)

var sentinels = map[int]error{
	-1: ErrInvalid, -2: ErrNoMemory, -3: ErrNotFound, -4: ErrUnsupported, -5: ErrDocker,
	-6: ErrODBC, -7: ErrFormat, -8: ErrCanceled, -9: ErrUser, -10: ErrIO, -11: ErrRestore,
	-12: ErrTimeout, -13: ErrMismatch, -14: ErrBusy, -100: ErrFailed, -101: ErrFatal,
}

// Error is a failure reported by the library.
type Error struct {
	Code     int    // the library's negative code (b2a_error_code); 0 for ErrJobFailed
	Message  string // names the file, table or step
	SQLState string // "" unless ODBC gave one
	Job      *Job   // the Job JSON document, when a job ran
	cause    error  // the context's error, when a context canceled the job
}

func (e *Error) Error() string {
	if e.SQLState != "" {
		return fmt.Sprintf("bak2avro: %s (code %d, SQLSTATE %s)", e.Message, e.Code, e.SQLState)
	}
	return fmt.Sprintf("bak2avro: %s (code %d)", e.Message, e.Code)
}

// Is makes errors.Is(err, ErrFormat) and the like hold for the error's code.
func (e *Error) Is(target error) bool {
	if e.Code == 0 {
		return target == ErrJobFailed
	}
	return target != nil && sentinels[e.Code] == target
}

// Unwrap gives the context's error (context.Canceled, context.DeadlineExceeded)
// when RunContext's context canceled the job, so errors.Is sees it too.
func (e *Error) Unwrap() error { return e.cause }
