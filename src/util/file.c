#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/str.h"

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

void b2a__file_fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? b2a__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : b2a__strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse */
        close(dfd);
    }
    free(dir);
}

int b2a__file_temp(const char *path, char **tmp_out)
{
    *tmp_out = NULL;
    for (int attempt = 0; attempt < 16; attempt++) {
        char hex[9];
        if (b2a__random_hex(hex, 4) != 0)
            return -EIO;
        char *tmp = b2a__asprintf("%s.tmp-%s", path, hex);
        if (!tmp)
            return -ENOMEM;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            *tmp_out = tmp;
            return fd;
        }
        int e = errno;
        free(tmp);
        if (e != EEXIST)
            return -e;
    }
    return -EEXIST;
}

int b2a__file_publish(int fd, const char *tmp, const char *path)
{
    int rc = fsync(fd) != 0 ? -errno : 0;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc == 0)
        b2a__file_fsync_parent(path);
    return rc;
}

int b2a__write_file_atomic(const char *path, const char *data, size_t len)
{
    char *tmp;
    int fd = b2a__file_temp(path, &tmp);
    if (fd < 0)
        return fd;
    int rc = write_all(fd, data, len);
    if (rc != 0)
        close(fd);
    else
        rc = b2a__file_publish(fd, tmp, path);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
