#include "reader/mssql/readahead.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct b2a_ra {
    int fd;
    uint64_t size;
    char *path;
};

int b2a__ra_open(const char *path, b2a_ra **out, b2a_err *err)
{
    *out = NULL;
    /* O_NONBLOCK: a FIFO put at path after detection must not block the
     * open (it is refused just below); reads of a regular file ignore it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return b2a__err_set(err, errno == ENOENT ? B2A_ENOTFOUND : B2A_EIO, B2A_ERRCLASS_IO,
                            "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: not a regular file%s%s", path,
                            e ? ": " : "", e ? strerror(e) : "");
    }
    b2a_ra *ra = calloc(1, sizeof(*ra));
    if (!ra || !(ra->path = strdup(path))) {
        free(ra);
        close(fd);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    }
    ra->fd = fd;
    ra->size = (uint64_t)st.st_size;
    *out = ra;
    return B2A_OK;
}

int b2a__ra_read(b2a_ra *ra, uint64_t off, void *buf, size_t len, const char *what, b2a_err *err)
{
    /* Checked against the size seen at open so a truncated file fails the
     * same way whether or not it shrinks while we read. */
    if (off > ra->size || len > ra->size - off)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "%s: truncated: %s at offset %llu (%zu bytes) lies past the end of the file (%llu bytes)",
                            ra->path, what ? what : "data", (unsigned long long)off, len,
                            (unsigned long long)ra->size);
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(ra->fd, p + done, len - done, (off_t)(off + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return b2a__err_set(err, B2A_EIO, B2A_ERRCLASS_IO, "%s: read error at offset %llu: %s",
                                ra->path, (unsigned long long)(off + done), strerror(errno));
        }
        if (r == 0)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "%s: file ended at offset %llu while reading %s (%zu bytes at %llu)",
                                ra->path, (unsigned long long)(off + done), what ? what : "data", len,
                                (unsigned long long)off);
        done += (size_t)r;
    }
    return B2A_OK;
}

uint64_t b2a__ra_size(const b2a_ra *ra) { return ra->size; }
const char *b2a__ra_path(const b2a_ra *ra) { return ra->path; }

void b2a__ra_close(b2a_ra *ra)
{
    if (!ra)
        return;
    close(ra->fd);
    free(ra->path);
    free(ra);
}
