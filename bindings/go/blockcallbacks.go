package bak2avro

// Trampolines of the building blocks' callbacks; the user data is a
// runtime/cgo.Handle of a *blockCallbacks. A panic in the caller's function
// cancels the call and is re-raised when it has ended.

/*
#include <bak2avro.h>
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"unsafe"
)

type blockCallbacks struct {
	// ctx of the call: once it is done, the next progress callback stops
	// the call on the loop thread, whether or not the watcher's cancel
	// from its own goroutine has arrived yet.
	ctx             context.Context
	restoreProgress func(Progress) bool
	exportProgress  func(rowsDone, rowsExpected int64) bool
	log             func(level int, message string)
	panicked        interface{}
}

// call runs f, turning a panic into a cancel (true) kept for re-raising.
func (cb *blockCallbacks) call(f func() bool) (stop bool) {
	defer func() {
		if r := recover(); r != nil {
			cb.panicked = r
			stop = true
		}
	}()
	return f()
}

func (cb *blockCallbacks) repanic() {
	if cb.panicked != nil {
		panic(cb.panicked)
	}
}

func blockCB(ud unsafe.Pointer) *blockCallbacks {
	return cgo.Handle(uintptr(ud)).Value().(*blockCallbacks)
}

// stopped: the caller's function said stop, or the call's ctx is done.
func (cb *blockCallbacks) stopped(stop bool) C.int {
	return cbool(stop || (cb.ctx != nil && cb.ctx.Err() != nil))
}

func cbool(stop bool) C.int {
	if stop {
		return 1
	}
	return 0
}

//export goRestoreProgress
func goRestoreProgress(r *C.b2a_restore, p *C.b2a_progress, ud unsafe.Pointer) C.int {
	cb := blockCB(ud)
	if cb.restoreProgress == nil || cb.panicked != nil {
		return cb.stopped(false)
	}
	pr := progressOf(p)
	return cb.stopped(cb.call(func() bool { return cb.restoreProgress(pr) }))
}

//export goRestoreLog
func goRestoreLog(r *C.b2a_restore, level C.b2a_log_level, msg *C.char, ud unsafe.Pointer) {
	cb := blockCB(ud)
	if cb.log != nil && cb.panicked == nil {
		cb.call(func() bool { cb.log(int(level), C.GoString(msg)); return false })
	}
}

//export goContainerLog
func goContainerLog(c *C.b2a_container, level C.b2a_log_level, msg *C.char, ud unsafe.Pointer) {
	cb := blockCB(ud)
	if cb.log != nil && cb.panicked == nil {
		cb.call(func() bool { cb.log(int(level), C.GoString(msg)); return false })
	}
}

//export goExportProgress
func goExportProgress(x *C.b2a_export, done, expected C.int64_t, ud unsafe.Pointer) C.int {
	cb := blockCB(ud)
	if cb.exportProgress == nil || cb.panicked != nil {
		return cb.stopped(false)
	}
	return cb.stopped(cb.call(func() bool { return cb.exportProgress(int64(done), int64(expected)) }))
}
