/* Describing backups before any container: see backup.h. */
#include <stdlib.h>
#include <string.h>

#include "block/backup.h"
#include "detect/detect.h"
#include "detect/dumpdb.h"
#include "detect/dumpend.h"
#include "detect/pgdump.h"
#include "engine/sqlserver_tsql.h"
#include "util/str.h"

const b2a_vendor *b2a__backup_vendor(char *const *paths, size_t n, const char *vendor_name, b2a_err *err)
{
    if (n == 0) {
        b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "no backup given");
        return NULL;
    }
    b2a_detected first;
    memset(&first, 0, sizeof(first));
    for (size_t i = 0; i < n; i++) {
        b2a_detected d;
        if (b2a__detect(paths[i], &d, err) != B2A_OK)
            return NULL;
        if (i == 0)
            first = d;
        else if (d.vendor != first.vendor) {
            b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE,
                         "%s is a %s backup but %s is a %s backup: one container serves one database", paths[0],
                         b2a__detect_vendor_name(first.vendor), paths[i], b2a__detect_vendor_name(d.vendor));
            return NULL;
        }
    }
    const b2a_vendor *v = b2a__vendor_by_id(first.vendor);
    if (vendor_name && (!b2a__vendor_by_name(vendor_name) || b2a__vendor_by_name(vendor_name) != v)) {
        b2a__err_set(err, B2A_EINVAL, B2A_ERRCLASS_USAGE, "%s is a %s (%s) backup, not %s", paths[0],
                     b2a__detect_vendor_name(first.vendor), b2a__detect_format_name(first.format), vendor_name);
        return NULL;
    }
    if (!v || !v->supports(first.format)) {
        b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_USAGE, "%s: restoring %s backups (%s) in a container is not supported",
                     paths[0], b2a__detect_vendor_name(first.vendor), b2a__detect_format_name(first.format));
        return NULL;
    }
    return v;
}

int b2a__backup_describe(const b2a_vendor *v, char *const *paths, size_t n, const char *image,
                         int accept_eula, b2a_vendor_input **out, char **database, b2a_err *err)
{
    *out = NULL;
    b2a_vendor_input *inputs = calloc(n ? n : 1, sizeof(*inputs));
    if (!inputs)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    *out = inputs;
    for (size_t i = 0; i < n; i++) {
        b2a_detected d;
        int rc = b2a__detect(paths[i], &d, err);
        if (rc != B2A_OK)
            return rc;
        /* A dump cut short would restore as a smaller database. Its closing
         * line is read from the tail of a plain file here; a gzip'd one is
         * inflated off the loop (b2a__backup_check_gzip_ends). */
        if (!d.gzip && (rc = b2a__dump_check_end(paths[i], &d, err)) != B2A_OK)
            return rc;
        b2a_vendor_input *in = &inputs[i];
        in->path = paths[i];
        in->format = d.format;
        in->gzip = d.gzip;
        in->is_dir = d.is_dir;
        in->size = d.size;
        if (d.format == B2A_FMT_PG_CUSTOM || d.format == B2A_FMT_PG_TAR || d.format == B2A_FMT_PG_DIRECTORY) {
            b2a_pgdump_info info;
            if ((rc = b2a__pgdump_read(paths[i], &info, err)) != B2A_OK)
                return rc;
            in->archive_vmaj = info.vmaj;
            in->archive_vmin = info.vmin;
            in->toc_items = info.n_toc;
            if (database && !*database && info.dbname)
                *database = b2a__strdup(info.dbname);
            b2a__pgdump_free(&info);
        } else if (database && !*database) { /* a script says it with \connect, USE or CREATE DATABASE */
            char db[128];
            if ((rc = b2a__dump_database_name(paths[i], d.format, db, sizeof(db), err)) != B2A_OK)
                return rc;
            *database = db[0] ? b2a__strdup(db) : NULL;
        }
        if ((rc = b2a__vendor_check_input(v, in, image, err)) != B2A_OK)
            return rc;
    }
    /* The licence and a whole media set, before any image is pulled. */
    if (v->id == B2A_VENDOR_SQLSERVER)
        return b2a__sqlserver_check_inputs(inputs, n, image, accept_eula, err);
    return B2A_OK;
}

int b2a__backup_has_gzip(const b2a_vendor_input *inputs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (inputs[i].gzip)
            return 1;
    return 0;
}

int b2a__backup_check_gzip_ends(const b2a_vendor_input *inputs, size_t n, b2a_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!inputs[i].gzip)
            continue;
        b2a_detected d = {.format = inputs[i].format, .gzip = 1};
        int rc = b2a__dump_check_end(inputs[i].path, &d, err);
        if (rc != B2A_OK)
            return rc;
    }
    return B2A_OK;
}
