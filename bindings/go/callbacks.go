package bak2avro

// Trampolines the C library calls; the user data is a runtime/cgo.Handle.

/*
#include <bak2avro.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

//export goProgress
func goProgress(job *C.b2a_job, p *C.b2a_progress, ud unsafe.Pointer) C.int {
	cb := cgo.Handle(uintptr(ud)).Value().(*callbacks)
	if cb.progress == nil || cb.panicked != nil {
		return 0
	}
	pr := progressOf(p)
	stop := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				cb.panicked = r // re-raised by Run after the job ends
				stop = true
			}
		}()
		stop = cb.progress(pr)
	}()
	if stop {
		return 1
	}
	return 0
}

//export goLog
func goLog(job *C.b2a_job, level C.b2a_log_level, msg *C.char, ud unsafe.Pointer) {
	cb := cgo.Handle(uintptr(ud)).Value().(*callbacks)
	if cb.log != nil && cb.panicked == nil {
		cb.log(int(level), C.GoString(msg))
	}
}

// progressOf reads a b2a_progress (valid during the callback only).
func progressOf(p *C.b2a_progress) Progress {
	step := "unknown"
	if int(p.step) >= 0 && int(p.step) < len(steps) {
		step = steps[p.step]
	}
	pr := Progress{Step: step, Percent: float64(p.percent), RowsDone: int64(p.rows_done), RowsExpected: int64(p.rows_expected),
		BytesDone: -1, BytesExpected: -1}
	if p.version >= 2 { // a library built before version 2 passes no bytes or attempts
		pr.BytesDone, pr.BytesExpected = int64(p.bytes_done), int64(p.bytes_expected)
		pr.Attempt, pr.Attempts = uint32(p.attempt), uint32(p.attempts)
	}
	if p.table != nil {
		pr.Table = C.GoString(p.table)
	}
	return pr
}
