package bak2avro

// The Container and Restore building blocks (include/bak2avro/container.h,
// restore.h): a throw-away database server for a backup, restored and left
// running for exports, stopped and removed by Stop.

/*
#include <stdint.h>
#include <stdlib.h>
#include <bak2avro.h>

extern void goContainerLog(b2a_container *c, b2a_log_level level, char *msg, void *ud);
extern int goRestoreProgress(b2a_restore *r, b2a_progress *p, void *ud);
extern void goRestoreLog(b2a_restore *r, b2a_log_level level, char *msg, void *ud);

static void b2a_go_container_callbacks(b2a_container_options *o, uintptr_t handle)
{
	o->log_cb = (b2a_container_log_cb)goContainerLog;
	o->userdata = (void *)handle;
}

static void b2a_go_restore_callbacks(b2a_restore_options *o, uintptr_t handle)
{
	o->progress_cb = (b2a_restore_progress_cb)goRestoreProgress;
	o->log_cb = (b2a_restore_log_cb)goRestoreLog;
	o->userdata = (void *)handle;
}
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"unsafe"
)

// ContainerOptions of StartContainer; zero values are the library's defaults.
type ContainerOptions struct {
	Vendor     string // "postgresql", "mysql", "sqlserver"; "" detects it from the backups
	Image      string // "" is the vendor's default for these backups
	DockerHost string // "" honours DOCKER_HOST, else /var/run/docker.sock
	Network    string // "auto" (default), "host", "publish"
	Delivery   string // "bind" (default), "upload"
	// MemoryBytes limits the container's memory (0: no limit).
	MemoryBytes int64
	// DataDir is a host folder for the server's data files ("": inside the container).
	DataDir string
	// Listen is the address the server listens on: "" is 127.0.0.1. Anything
	// else exposes the database, with its password, to whoever reaches it.
	Listen     string
	AcceptEULA bool   // SQL Server: you accept Microsoft's licence
	ReadyTries uint32 // readiness probes before giving up; 0: the vendor's default
	Log        func(level int, message string)
}

// Endpoint is where a ready container's database answers. The password is
// random per container.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string // the database holding the restored rows
}

// Container is a database server started for backups by StartContainer.
// Its methods are not for concurrent use; Stop it when done (defer c.Stop()).
type Container struct {
	loop *loop
	c    *C.b2a_container
	cb   *blockCallbacks
	h    cgo.Handle
}

// StartContainer starts a server of the backups' vendor in a container of
// the Docker engine and waits until it answers. A canceled ctx ends the
// start (errors.Is(err, context.Canceled)); a container made meanwhile is
// removed before StartContainer returns, as after any failure.
func StartContainer(ctx context.Context, backups []string, o ContainerOptions) (*Container, error) {
	if err := notStarted(ctx, "container"); err != nil {
		return nil, err
	}
	if len(backups) == 0 {
		return nil, invalid("no backup file")
	}
	for _, b := range backups {
		if b == "" {
			return nil, invalid("an empty backup path")
		}
	}
	if o.MemoryBytes < 0 {
		return nil, invalid("memory %d is negative", o.MemoryBytes)
	}
	var opts C.b2a_container_options
	C.b2a_container_options_init(&opts, C.B2A_CONTAINER_OPTIONS_VERSION)
	var keep []unsafe.Pointer
	defer func() {
		for _, p := range keep {
			C.free(p)
		}
	}()
	inputs := newCStrings(backups)
	defer inputs.free()
	opts.inputs, opts.n_inputs = inputs.arr, inputs.n
	opts.vendor = cstr(o.Vendor, &keep)
	opts.image = cstr(o.Image, &keep)
	opts.docker_host = cstr(o.DockerHost, &keep)
	opts.data_dir = cstr(o.DataDir, &keep)
	opts.listen = cstr(o.Listen, &keep)
	var err error
	if opts.network, err = networkOf(o.Network); err != nil {
		return nil, err
	}
	if opts.delivery, err = deliveryOf(o.Delivery); err != nil {
		return nil, err
	}
	opts.memory_bytes = C.int64_t(o.MemoryBytes)
	if o.AcceptEULA {
		opts.accept_eula = 1
	}
	opts.ready_tries = C.uint32_t(o.ReadyTries)

	l, err := newLoop()
	if err != nil {
		return nil, err
	}
	c := &Container{loop: l, cb: &blockCallbacks{log: o.Log}}
	c.h = cgo.NewHandle(c.cb)
	C.b2a_go_container_callbacks(&opts, C.uintptr_t(c.h))
	if rc := C.b2a_container_new(l.ctx, &opts, &c.c); rc != 0 {
		c.close()
		return nil, codeError(int(rc), "invalid container options", "")
	}
	rc := C.b2a_container_start(c.c)
	if rc == 0 {
		l.run(ctx, func() { C.b2a_container_cancel(c.c) })
		rc = C.b2a_container_errcode(c.c)
	}
	if rc != 0 {
		err := blockError(ctx, int(rc), C.GoString(C.b2a_container_errmsg(c.c)), "")
		c.Stop() // removes what the start made
		c.cb.repanic()
		return nil, err
	}
	c.cb.repanic()
	return c, nil
}

func (c *Container) live(what string) error {
	if c == nil || c.c == nil {
		return invalid("%s: the container is stopped", what)
	}
	return nil
}

// ID is the container's id ("" once stopped).
func (c *Container) ID() string {
	if c.live("id") != nil {
		return ""
	}
	return C.GoString(C.b2a_container_id(c.c))
}

// Vendor is "postgresql", "mysql" or "sqlserver".
func (c *Container) Vendor() string {
	if c.live("vendor") != nil {
		return ""
	}
	return C.GoString(C.b2a_container_vendor(c.c))
}

// Image the container runs.
func (c *Container) Image() string {
	if c.live("image") != nil {
		return ""
	}
	return C.GoString(C.b2a_container_image(c.c))
}

// Endpoint of the database (after Restore, Database names the one the
// backup filled). The zero Endpoint once stopped.
func (c *Container) Endpoint() Endpoint {
	if c.live("endpoint") != nil {
		return Endpoint{}
	}
	return Endpoint{
		Host:     C.GoString(C.b2a_container_host(c.c)),
		Port:     int(C.b2a_container_port(c.c)),
		User:     C.GoString(C.b2a_container_user(c.c)),
		Password: C.GoString(C.b2a_container_password(c.c)),
		Database: C.GoString(C.b2a_container_database(c.c)),
	}
}

// DSN is a connection string OpenSource and ExportRange accept
// (postgresql:// or mysql:// URL, ODBC for SQL Server). It holds the password.
func (c *Container) DSN() string {
	if c.live("dsn") != nil {
		return ""
	}
	p := C.b2a_container_dsn(c.c)
	defer C.b2a_free(unsafe.Pointer(p))
	return C.GoString(p)
}

// RestoreOptions of Container.Restore; zero values are the library's defaults.
type RestoreOptions struct {
	PreSQL, PostSQL string // SQL text run before and after the restore
	Parallel        int    // restore workers where the format allows; 0: serial
	// Progress reports the steps pre-sql, restore and post-sql; returning true cancels.
	Progress func(Progress) bool
	Log      func(level int, message string)
}

// Restore restores the container's backups into its server: pre-SQL, the
// vendor's restore tool, post-SQL. A canceled ctx stops it
// (errors.Is(err, context.Canceled)); the half-restored database stays
// until Stop.
func (c *Container) Restore(ctx context.Context, o RestoreOptions) error {
	if err := c.live("restore"); err != nil {
		return err
	}
	if err := notStarted(ctx, "restore"); err != nil {
		return err
	}
	if o.Parallel < 0 || o.Parallel > 64 {
		return invalid("parallel %d is outside 0..64", o.Parallel)
	}
	var opts C.b2a_restore_options
	C.b2a_restore_options_init(&opts, C.B2A_RESTORE_OPTIONS_VERSION)
	var keep []unsafe.Pointer
	defer func() {
		for _, p := range keep {
			C.free(p)
		}
	}()
	opts.pre_sql = cstr(o.PreSQL, &keep)
	opts.post_sql = cstr(o.PostSQL, &keep)
	opts.parallel = C.uint32_t(o.Parallel)
	cb := &blockCallbacks{ctx: ctx, restoreProgress: o.Progress, log: o.Log}
	h := cgo.NewHandle(cb)
	defer h.Delete()
	C.b2a_go_restore_callbacks(&opts, C.uintptr_t(h))
	var r *C.b2a_restore
	if rc := C.b2a_restore_new(c.c, &opts, &r); rc != 0 {
		return codeError(int(rc), "invalid restore options", "")
	}
	defer func() {
		C.b2a_restore_free(r)
		C.b2a_ctx_run(c.loop.ctx) // the restore's handles close on the loop
	}()
	rc := C.b2a_restore_start(r)
	if rc == 0 {
		c.loop.run(ctx, func() { C.b2a_restore_cancel(r) })
		rc = C.b2a_restore_errcode(r)
	}
	cb.repanic()
	if rc != 0 {
		return blockError(ctx, int(rc), C.GoString(C.b2a_restore_errmsg(r)), "")
	}
	return nil
}

// Stop stops and removes the container and frees the handle; calling it
// again does nothing. It is not cancelable: a container never outlives it.
func (c *Container) Stop() error {
	if c == nil || c.c == nil {
		return nil
	}
	var err error
	if rc := C.b2a_container_stop(c.c, nil, nil); rc == 0 {
		C.b2a_ctx_run(c.loop.ctx)
		if code := int(C.b2a_container_errcode(c.c)); code != 0 {
			err = codeError(code, C.GoString(C.b2a_container_errmsg(c.c)), "")
		}
	}
	C.b2a_container_free(c.c)
	c.c = nil
	c.close()
	return err
}

func (c *Container) close() {
	c.loop.free()
	c.h.Delete()
}
