package bak2avro

// inspect and gc on a loop of their own (b2a_inspect_start, b2a_gc_start),
// so that a context.Context can cancel them.

/*
#include <stdint.h>
#include <stdlib.h>
#include <bak2avro.h>

// What a run's callback said; C memory, written on the loop.
typedef struct b2a_go_result {
	int rc;
	uint32_t removed;
} b2a_go_result;

static void b2a_go_inspect_done(b2a_inspect_run *run, int rc, void *ud)
{
	(void)run;
	((b2a_go_result *)ud)->rc = rc;
}

static void b2a_go_gc_done(b2a_gc_run *run, int rc, uint32_t removed, void *ud)
{
	(void)run;
	((b2a_go_result *)ud)->rc = rc;
	((b2a_go_result *)ud)->removed = removed;
}

static int b2a_go_inspect_start(b2a_ctx *ctx, const char *const *paths, uint32_t n, b2a_go_result *res,
                                b2a_inspect_run **out)
{
	return b2a_inspect_start(ctx, paths, n, b2a_go_inspect_done, res, out);
}

static int b2a_go_gc_start(b2a_ctx *ctx, const char *host, b2a_go_result *res, b2a_gc_run **out)
{
	return b2a_gc_start(ctx, host, b2a_go_gc_done, res, out);
}
*/
import "C"

import (
	"context"
	"encoding/json"
	"unsafe"
)

func newResult() *C.b2a_go_result {
	return (*C.b2a_go_result)(C.calloc(1, C.size_t(unsafe.Sizeof(C.b2a_go_result{}))))
}

// InspectContext is Inspect on the library's thread pool, with the same
// results. A canceled ctx ends it with an error matching context.Canceled
// (a read already under way finishes first; its result is dropped).
func InspectContext(ctx context.Context, paths ...string) (*Inspection, error) {
	if err := notStarted(ctx, "inspect"); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, invalid("no file to inspect")
	}
	l, err := newLoop()
	if err != nil {
		return nil, err
	}
	defer l.free()
	cs := newCStrings(paths)
	defer cs.free()
	res := newResult()
	defer C.free(unsafe.Pointer(res))
	var run *C.b2a_inspect_run
	if rc := C.b2a_go_inspect_start(l.ctx, cs.arr, cs.n, res, &run); rc != 0 {
		return nil, codeError(int(rc), "", "")
	}
	defer C.b2a_inspect_free(run)
	l.run(ctx, func() { C.b2a_inspect_cancel(run) })
	var doc *Inspection
	if p := C.b2a_inspect_json(run); p != nil {
		doc = &Inspection{Raw: []byte(C.GoString(p))}
		if err := json.Unmarshal(doc.Raw, doc); err != nil {
			return nil, err
		}
	}
	if rc := int(res.rc); rc != 0 {
		return doc, blockError(ctx, rc, C.GoString(C.b2a_inspect_errmsg(run)), "")
	}
	return doc, nil
}

// GC removes containers left behind by jobs that were killed (labelled by
// this library, their owner process gone); live jobs' containers are left
// alone. dockerHost "" honours DOCKER_HOST, else /var/run/docker.sock. A
// canceled ctx aborts the engine requests in flight (removals already asked
// for finish). It returns how many containers it removed.
func GC(ctx context.Context, dockerHost string) (int, error) {
	if err := notStarted(ctx, "gc"); err != nil {
		return 0, err
	}
	l, err := newLoop()
	if err != nil {
		return 0, err
	}
	defer l.free()
	var keep []unsafe.Pointer
	defer func() {
		for _, p := range keep {
			C.free(p)
		}
	}()
	res := newResult()
	keep = append(keep, unsafe.Pointer(res))
	var run *C.b2a_gc_run
	if rc := C.b2a_go_gc_start(l.ctx, cstr(dockerHost, &keep), res, &run); rc != 0 {
		return 0, codeError(int(rc), "", "")
	}
	defer C.b2a_gc_free(run)
	l.run(ctx, func() { C.b2a_gc_cancel(run) })
	return int(res.removed), blockError(ctx, int(res.rc), C.GoString(C.b2a_gc_errmsg(run)), "")
}
