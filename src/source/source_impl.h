/* The Source block's handle, shared with the Export block (which exports
 * a table of an opened source). Internal. */
#ifndef B2A_SOURCE_SOURCE_IMPL_H
#define B2A_SOURCE_SOURCE_IMPL_H

#include <uv.h>

#include "bak2avro.h"
#include "core/cancel.h"
#include "odbc/introspect.h"
#include "source/backupsrc.h"
#include "source/dbsource.h"
#include "source/dsn.h"

#define B2A_SOURCE_MAGIC 0xb2a05a5eu

struct b2a_source {
    uint32_t magic;
    b2a_ctx *ctx;
    b2a_dsn dsn;
    b2a_dbsource db;
    int is_backup;            /* a file: DSN: bk instead of dsn and db */
    b2a_backupsrc bk;
    b2a_via via;
    char **include, **exclude;
    uint32_t n_include, n_exclude;
    int include_views;
    b2a_source_done_cb done_cb;
    void *userdata;
    int tried, busy, opened, failed, canceled, free_requested, in_cb;
    b2a_canceler cancel;      /* b2a_source_cancel() from any thread */
    uv_work_t work;
    b2a_err err;
    b2a_odbc_table *tables;   /* once opened */
    size_t ntables;
    char *database;
};

/* The table "schema.table" of an opened source, or NULL. */
const b2a_odbc_table *b2a__source_find(const b2a_source *s, const char *qualified);
/* The DSN as messages and documents show it (no password). */
const char *b2a__source_display(const b2a_source *s);

#endif
