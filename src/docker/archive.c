/* put_file: a one-file tar built on the fly around the host file and
 * streamed to PUT /containers/{id}/archive. Backups run to hundreds of GB,
 * so the file is read in curl-sized pieces and never held in memory. */
#include "docker/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAR_BLOCK 512

typedef struct put_op {
    int fd;
    char *host_path;
    unsigned char header[TAR_BLOCK];
    uint64_t size;     /* file bytes promised in the header */
    uint64_t pos;      /* position in the whole tar stream */
    uint64_t total;    /* header + data + padding + two zero blocks */
    int open_errno;    /* failure found at call time, reported from the loop */
    int not_regular;
} put_op;

static void put_free(b2a_docker_req *r)
{
    put_op *op = r->op;
    if (!op)
        return;
    if (op->fd >= 0)
        close(op->fd);
    free(op->host_path);
    free(op);
    r->op = NULL;
}

static void octal(unsigned char *field, size_t width, uint64_t v)
{
    /* width-1 digits and a NUL, as ustar wants. */
    field[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0;) {
        field[i] = (unsigned char)('0' + (v & 7));
        v >>= 3;
    }
}

static void tar_header(put_op *op, const char *name, time_t mtime)
{
    unsigned char *h = op->header;
    memset(h, 0, TAR_BLOCK);
    memcpy(h, name, strlen(name));          /* name[100], length checked by the caller */
    octal(h + 100, 8, 0644);                /* mode: readable by the restore tool's user */
    octal(h + 108, 8, 0);                   /* uid */
    octal(h + 116, 8, 0);                   /* gid */
    if (op->size < (1ull << 33)) {
        octal(h + 124, 12, op->size);
    } else {
        /* Over 8 GiB: GNU base-256 size, which Go's archive/tar reads. */
        h[124] = 0x80;
        for (int i = 0; i < 8; i++)
            h[135 - i] = (unsigned char)(op->size >> (8 * i));
    }
    octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
    h[156] = '0';                           /* regular file */
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memcpy(h + 265, "root", 4);
    memcpy(h + 297, "root", 4);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < TAR_BLOCK; i++)
        sum += h[i];
    octal(h + 148, 7, sum);
    h[155] = ' ';
}

static size_t put_read(b2a_docker_req *r, char *buf, size_t n)
{
    put_op *op = r->op;
    size_t out = 0;
    while (out < n && op->pos < op->total) {
        if (op->pos < TAR_BLOCK) {
            size_t take = TAR_BLOCK - (size_t)op->pos;
            if (take > n - out)
                take = n - out;
            memcpy(buf + out, op->header + op->pos, take);
            op->pos += take;
            out += take;
        } else if (op->pos < TAR_BLOCK + op->size) {
            uint64_t left = TAR_BLOCK + op->size - op->pos;
            size_t want = n - out < left ? n - out : (size_t)left;
            ssize_t got = read(op->fd, buf + out, want);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                b2a__err_set(&r->err, B2A_EIO, B2A_ERRCLASS_IO, "%s: reading %s: %s", r->what,
                             op->host_path, strerror(errno));
                return CURL_READFUNC_ABORT;
            }
            if (got == 0) {
                b2a__err_set(&r->err, B2A_EIO, B2A_ERRCLASS_IO,
                             "%s: %s shrank while it was being sent (%llu of %llu bytes read)",
                             r->what, op->host_path,
                             (unsigned long long)(op->pos - TAR_BLOCK),
                             (unsigned long long)op->size);
                return CURL_READFUNC_ABORT;
            }
            op->pos += (uint64_t)got;
            out += (size_t)got;
            /* Hand curl what we have rather than block on more reads. */
            break;
        } else {
            uint64_t left = op->total - op->pos;
            size_t take = n - out < left ? n - out : (size_t)left;
            memset(buf + out, 0, take);
            op->pos += take;
            out += take;
        }
    }
    return out;
}

static void put_step(b2a_docker_req *r) { b2a__dreq_finish(r, B2A_OK, NULL); }

static void put_done(b2a_docker_req *r, int rc, const b2a_err *err)
{
    b2a_docker_cb cb = (b2a_docker_cb)r->user_cb;
    cb(r->ud, rc, err, NULL);
}

/* The host file could not be opened: report it from the loop, as promised. */
static void put_fail_late(b2a_docker_req *r)
{
    put_op *op = r->op;
    b2a_err err;
    if (op->not_regular)
        b2a__err_set(&err, B2A_EIO, B2A_ERRCLASS_IO, "%s: %s is not a regular file", r->what,
                     op->host_path);
    else
        b2a__err_set(&err, op->open_errno == ENOENT ? B2A_ENOTFOUND : B2A_EIO, B2A_ERRCLASS_IO,
                     "%s: cannot open %s: %s", r->what, op->host_path, strerror(op->open_errno));
    b2a__dreq_finish(r, err.code, &err);
}

int b2a__docker_put_file(b2a_docker *d, const char *container, const char *host_path,
                         const char *dir_in_container, const char *name_in_container,
                         b2a_docker_bytes_cb progress, b2a_docker_cb done, void *ud,
                         b2a_docker_req **req_out)
{
    if (!d || !container || !*container || !host_path || !*host_path || !dir_in_container ||
        dir_in_container[0] != '/' || !name_in_container || !*name_in_container ||
        strlen(name_in_container) >= 100 || strchr(name_in_container, '/') ||
        !strcmp(name_in_container, ".") || !strcmp(name_in_container, "..") || !done)
        return B2A_EINVAL;
    b2a_err err;
    put_op *op = calloc(1, sizeof(*op));
    if (!op)
        return B2A_ENOMEM;
    op->fd = -1;
    op->host_path = strdup(host_path);
    char *cid = b2a__durl_escape(container), *dir = b2a__durl_escape(dir_in_container);
    char *path = cid && dir ? b2a__dfmt("/containers/%s/archive?path=%s", cid, dir) : NULL;
    char *what = b2a__dfmt("copying %s into container %s as %s/%s", host_path, container,
                           strcmp(dir_in_container, "/") ? dir_in_container : "",
                           name_in_container);
    b2a_docker_req *r = NULL;
    int rc = B2A_ENOMEM;
    if (op->host_path && path && what && (r = b2a__dreq_new(d, what, &err))) {
        r->op = op;
        r->on_free = put_free;
        r->on_read = put_read;
        r->on_step = put_step;
        r->on_done = put_done;
        r->on_upload = progress;
        r->user_cb = (void *)done;
        r->ud = ud;
        struct stat st;
        op->fd = open(host_path, O_RDONLY | O_CLOEXEC);
        if (op->fd < 0 || fstat(op->fd, &st) != 0) {
            op->open_errno = errno;
        } else if (!S_ISREG(st.st_mode)) {
            op->not_regular = 1;
        } else {
            op->size = (uint64_t)st.st_size;
            op->total = TAR_BLOCK + (op->size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK + 2 * TAR_BLOCK;
            tar_header(op, name_in_container, st.st_mtime);
            r->upload_total = op->total;
            r->upload_skip = TAR_BLOCK;
            r->upload_report = op->size;
#ifdef POSIX_FADV_SEQUENTIAL
            posix_fadvise(op->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        }
        if (op->open_errno || op->not_regular) {
            /* Linked in so cancel and free see it; fails on the next loop turn. */
            r->next = d->reqs;
            if (d->reqs)
                d->reqs->prev = r;
            d->reqs = r;
            rc = b2a__dreq_after(r, 0, put_fail_late);
        } else {
            rc = b2a__dreq_http(r, "PUT", path, NULL, B2A__HTTP_UPLOAD, &err);
        }
        if (rc != B2A_OK) {
            b2a__dreq_discard(r);
            r = NULL;
        }
        op = NULL;
    } else if (op->host_path && path && what) {
        rc = err.code;
    }
    if (op) {
        free(op->host_path);
        free(op);
    }
    free(cid);
    free(dir);
    free(path);
    free(what);
    if (rc == B2A_OK && req_out)
        *req_out = r;
    return rc;
}
