/* Writing a small file so that a reader sees either nothing new or all of it. */
#ifndef B2A_UTIL_FILE_H
#define B2A_UTIL_FILE_H

#include <stddef.h>

/* Create "<path>.tmp-<8 hex>" exclusively for writing: its descriptor, with
 * its name in *tmp_out (to free), or -errno. */
int b2a__file_temp(const char *path, char **tmp_out);

/* fsync and close fd (closed either way), rename tmp to path, fsync the
 * folder (best effort): 0, or -errno with tmp left for the caller to unlink. */
int b2a__file_publish(int fd, const char *tmp, const char *path);

/* Write data to "<path>.tmp-<8 hex>", fsync, close and rename it to path,
 * then fsync the folder. On failure the temporary file is removed, path is
 * left as it was, and -errno is returned; 0 on success. */
int b2a__write_file_atomic(const char *path, const char *data, size_t len);

/* fsync the folder holding path (best effort): renames into it are durable. */
void b2a__file_fsync_parent(const char *path);

#endif
