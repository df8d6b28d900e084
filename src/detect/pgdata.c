/* Cheap checks that the data a pg_dump TOC points at is really there, so a
 * file cut after its TOC is reported now and not halfway through a restore.
 * Only headers and lengths are read: tar member headers, the chunk lengths of
 * the last data block of a custom file, and the names in a directory. */
#include "detect/pgdump.h"
#include "detect/detect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* pg_backup_custom.c block types */
#define BLK_DATA 1
#define BLK_BLOBS 3

static const char *entry_name(const b2a_pgdump_toc_entry *te, char *buf, size_t n)
{
    snprintf(buf, n, "%d (%s %s%s%s)", te->dump_id, te->desc, te->schema ? te->schema : "",
             te->schema ? "." : "", te->tag);
    return buf;
}

typedef struct walk {
    FILE *f;
    const char *path;
    uint64_t size;
    int int_size;
    b2a_err *err;
    const b2a_pgdump_toc_entry *te;
} walk;

static int walk_trunc(walk *w, uint64_t at, uint64_t need)
{
    char name[256];
    return b2a__err_set(w->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: truncated pg_dump archive: the data of TOC entry %s runs past the end "
                        "of the file (%llu bytes needed at byte %llu, the file has %llu)",
                        w->path, entry_name(w->te, name, sizeof(name)), (unsigned long long)need,
                        (unsigned long long)at, (unsigned long long)w->size);
}

static int walk_corrupt(walk *w, uint64_t at, const char *what)
{
    char name[256];
    return b2a__err_set(w->err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                        "%s: corrupt pg_dump archive: data of TOC entry %s at byte %llu: %s",
                        w->path, entry_name(w->te, name, sizeof(name)), (unsigned long long)at,
                        what);
}

static int walk_int(walk *w, uint64_t *pos, int *v)
{
    unsigned char b[9];
    size_t n = 1 + (size_t)w->int_size;
    if (*pos + n > w->size)
        return walk_trunc(w, *pos, n);
    if (fseeko(w->f, (off_t)*pos, SEEK_SET) != 0 || fread(b, 1, n, w->f) != n)
        return b2a__err_set(w->err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error at byte %llu: %s",
                            w->path, (unsigned long long)*pos, strerror(errno));
    uint64_t u = 0;
    for (int i = w->int_size - 1; i >= 0; i--)
        u = (u << 8) | b[1 + i];
    if (b[0] > 1 || u > 0x7fffffff)
        return walk_corrupt(w, *pos, "not an integer");
    *v = b[0] ? -(int)u : (int)u;
    *pos += n;
    return B2A_OK;
}

/* Chunks: int length, bytes; a zero length ends the data. */
static int walk_chunks(walk *w, uint64_t *pos)
{
    for (;;) {
        int len = 0, rc = walk_int(w, pos, &len); /* 0 only to quiet -O3: read after rc == 0 */
        if (rc)
            return rc;
        if (len == 0)
            return B2A_OK;
        if (len < 0)
            return walk_corrupt(w, *pos, "negative chunk length");
        if (*pos + (uint64_t)len > w->size)
            return walk_trunc(w, *pos, (uint64_t)len);
        *pos += (uint64_t)len;
    }
}

/* Custom file: every known offset lies inside the file, and the block at the
 * highest offset (the last one written) ends inside it too. */
static int check_custom(const char *path, const b2a_pgdump_info *info, b2a_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: %s", path, strerror(errno));
    walk w = {NULL, path, (uint64_t)st.st_size, info->int_size, err, NULL};
    for (uint32_t i = 0; i < info->n_toc; i++) {
        const b2a_pgdump_toc_entry *te = &info->toc[i];
        if (te->data_state != B2A_PG_OFFSET_SET)
            continue;
        if (te->data_offset < info->toc_end || te->data_offset >= w.size) {
            char name[256];
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: %s pg_dump archive: TOC entry %s has its data at byte %llu, "
                                "outside the data section (bytes %llu to %llu)",
                                path, te->data_offset >= w.size ? "truncated" : "corrupt",
                                entry_name(te, name, sizeof(name)),
                                (unsigned long long)te->data_offset,
                                (unsigned long long)info->toc_end, (unsigned long long)w.size);
        }
        if (!w.te || te->data_offset > w.te->data_offset)
            w.te = te;
    }
    if (!w.te)
        return B2A_OK; /* written to a pipe: offsets unknown, nothing cheap to check */
    int rc = b2a__detect_fopen(path, &w.f, err), id;
    if (rc != B2A_OK)
        return rc;
    uint64_t pos = w.te->data_offset;
    unsigned char type = 0;
    if (fseeko(w.f, (off_t)pos, SEEK_SET) != 0 || fread(&type, 1, 1, w.f) != 1)
        rc = walk_trunc(&w, pos, 1);
    pos++;
    if (rc == B2A_OK)
        rc = walk_int(&w, &pos, &id);
    if (rc == B2A_OK && id != w.te->dump_id)
        rc = walk_corrupt(&w, w.te->data_offset, "the block belongs to another dump id");
    if (rc == B2A_OK && type == BLK_DATA) {
        rc = walk_chunks(&w, &pos);
    } else if (rc == B2A_OK && type == BLK_BLOBS) {
        for (;;) {
            int oid;
            if ((rc = walk_int(&w, &pos, &oid)) || oid == 0)
                break;
            if ((rc = walk_chunks(&w, &pos)))
                break;
        }
    } else if (rc == B2A_OK) {
        rc = walk_corrupt(&w, w.te->data_offset, "unknown block type");
    }
    fclose(w.f);
    return rc;
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Tar: walk the member headers to the end-of-archive blocks; every member
 * must fit in the file and every data file the TOC names must be a member. */
static int check_tar(const char *path, const b2a_pgdump_info *info, b2a_err *err)
{
    FILE *f;
    int orc = b2a__detect_fopen(path, &f, err);
    if (orc != B2A_OK)
        return orc;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: %s", path, strerror(errno));
    }
    uint64_t size = (uint64_t)st.st_size, pos = 0;
    size_t n_names = 0, cap = 0;
    char **names = NULL;
    int rc = B2A_OK, ended = 0;
    unsigned char h[512];
    while (rc == B2A_OK) {
        if (pos + 512 > size || fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(h, 1, 512, f) != 512)
            break;
        if (all_zero(h, 512)) {
            ended = 1;
            break;
        }
        if (b2a__pgdump_tar_sum(h) != b2a__pgdump_tar_octal(h + 148, 8) || memcmp(h + 257, "ustar", 5) != 0) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: corrupt tar archive: bad member header at byte %llu", path,
                              (unsigned long long)pos);
            break;
        }
        char name[101];
        memcpy(name, h, 100);
        name[100] = '\0';
        unsigned long long msize = b2a__pgdump_tar_octal(h + 124, 12);
        if (pos + 512 + msize > size) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: truncated tar archive: member %s needs %llu bytes after byte "
                              "%llu, the file has %llu",
                              path, name, msize, (unsigned long long)(pos + 512),
                              (unsigned long long)size);
            break;
        }
        if (n_names == cap) {
            cap = cap ? cap * 2 : 64;
            char **v = realloc(names, cap * sizeof(*v));
            if (!v) {
                rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
                break;
            }
            names = v;
        }
        if (!(names[n_names] = strdup(name))) {
            rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "%s: out of memory", path);
            break;
        }
        n_names++;
        pos += 512 + (msize + 511) / 512 * 512;
    }
    fclose(f);
    if (rc == B2A_OK && !ended)
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                          "%s: truncated tar archive: it ends at byte %llu without the "
                          "end-of-archive blocks",
                          path, (unsigned long long)(pos < size ? size : pos));
    for (uint32_t i = 0; rc == B2A_OK && i < info->n_toc; i++) {
        const b2a_pgdump_toc_entry *te = &info->toc[i];
        if (!te->filename)
            continue;
        size_t k = 0;
        while (k < n_names && strcmp(names[k], te->filename) != 0)
            k++;
        if (k == n_names) {
            char en[256];
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "%s: pg_dump tar archive lacks member %s, the data of TOC entry %s",
                              path, te->filename, entry_name(te, en, sizeof(en)));
        }
    }
    for (size_t k = 0; k < n_names; k++)
        free(names[k]);
    free(names);
    return rc;
}

/* Directory: each data file exists, as written or with its compression suffix. */
static int check_directory(const char *path, const b2a_pgdump_info *info, b2a_err *err)
{
    static const char *const suffixes[] = {"", ".gz", ".lz4", ".zst"};
    for (uint32_t i = 0; i < info->n_toc; i++) {
        const b2a_pgdump_toc_entry *te = &info->toc[i];
        if (!te->filename)
            continue;
        if (strchr(te->filename, '/'))
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: corrupt pg_dump directory archive: data file name \"%s\" "
                                "leaves the directory",
                                path, te->filename);
        int found = 0;
        for (size_t s = 0; s < 4 && !found; s++) {
            char p[4096];
            struct stat st;
            if (snprintf(p, sizeof(p), "%s/%s%s", path, te->filename, suffixes[s]) <
                    (int)sizeof(p) &&
                stat(p, &st) == 0 && S_ISREG(st.st_mode))
                found = 1;
        }
        if (!found) {
            char en[256];
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: pg_dump directory archive lacks %s (or .gz/.lz4/.zst), the "
                                "data of TOC entry %s",
                                path, te->filename, entry_name(te, en, sizeof(en)));
        }
    }
    return B2A_OK;
}

int b2a__pgdump_check_data(const char *path, const b2a_pgdump_info *info, int gzip_wrapped,
                           b2a_err *err)
{
    if (gzip_wrapped)
        return B2A_OK; /* no cheap seeking inside a gzip stream */
    switch (info->container) {
    case B2A_FMT_PG_CUSTOM: return check_custom(path, info, err);
    case B2A_FMT_PG_TAR: return check_tar(path, info, err);
    case B2A_FMT_PG_DIRECTORY: return check_directory(path, info, err);
    default: return B2A_OK;
    }
}
