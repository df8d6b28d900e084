package bak2avro

// What the building blocks (Container, Source, SplitPlan, ExportTable,
// ExportRange) share: each call runs the library's internal loop of its own
// context to the call's end on the calling goroutine, while a watcher
// goroutine turns a canceled context.Context into the block's cancel, which
// the library allows from any thread (include/bak2avro/export.h and the
// others: "may be called from any thread").

/*
#include <bak2avro.h>
*/
import "C"

import (
	"context"
	"sync"
)

// loop is a library context with its own loop. Its calls are serialized:
// one goroutine at a time drives it.
type loop struct {
	mu  sync.Mutex
	ctx *C.b2a_ctx
}

func newLoop() (*loop, error) {
	l := &loop{}
	if rc := C.b2a_ctx_new(nil, &l.ctx); rc != 0 {
		return nil, codeError(int(rc), "", "")
	}
	return l, nil
}

// run drives the loop until nothing is left; a ctx canceled meanwhile calls
// cancel once, from the watcher goroutine (another thread than the loop's).
func (l *loop) run(ctx context.Context, cancel func()) {
	done := ctx.Done()
	if done == nil {
		C.b2a_ctx_run(l.ctx)
		return
	}
	stop := make(chan struct{})
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		select {
		case <-done:
			cancel()
		case <-stop:
		}
	}()
	C.b2a_ctx_run(l.ctx)
	close(stop)
	// The handle stays alive until the watcher is gone: a cancel after the
	// end is a no-op for the library, never a use after free.
	<-gone
}

func (l *loop) free() {
	if l.ctx != nil {
		C.b2a_ctx_run(l.ctx) // close callbacks of handles freed last
		C.b2a_ctx_free(l.ctx)
		l.ctx = nil
	}
}

// codeError is an *Error for a library code, with the handle's message
// (else the code's text). A cancel caused by ctx unwraps to ctx.Err().
func codeError(code int, msg, sqlstate string) *Error {
	if msg == "" {
		msg = C.GoString(C.b2a_strerror(C.int(code)))
	}
	return &Error{Code: code, Message: msg, SQLState: sqlstate}
}

// blockError is codeError for the end of a block's call under ctx.
func blockError(ctx context.Context, code int, msg, sqlstate string) error {
	if code == 0 {
		return nil
	}
	if code == -9 && ctx.Err() != nil { // stopped by a progress callback because ctx is done
		code, msg = -8, "canceled: "+ctx.Err().Error()
	}
	e := codeError(code, msg, sqlstate)
	if code == -8 {
		e.cause = ctx.Err()
	}
	return e
}

// notStarted is the error of a call whose ctx was done before it began.
func notStarted(ctx context.Context, what string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Code: -8, Message: "canceled before the " + what + " started", cause: err}
	}
	return nil
}
