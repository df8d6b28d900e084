/* Helpers the libFuzzer targets share: the input handed to the library as
 * files (the readers open paths), and a sink that discards values. */
#ifndef B2A_FUZZ_COMMON_H
#define B2A_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/sink.h"
#include "reader/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A multi-file input (a striped backup set, a pg_dump directory) is packed
 * into one fuzz input as members "B2AFILE:<name>\n<bytes>", one after the
 * other; tests/fuzz/seeds.py packs real ones. */
#define FUZZ_FILE_MARKER "B2AFILE:"
#define FUZZ_MAX_FILES 16

typedef struct fuzz_files {
    int memfd;                       /* single-file input: a memfd, else -1 */
    char dir[64];                    /* multi-file input: a temporary directory, else "" */
    size_t n;
    char paths[FUZZ_MAX_FILES][128];
    const char *argv[FUZZ_MAX_FILES]; /* paths[] as an array of pointers */
} fuzz_files;

/* Put the input where the library can open it: an input that starts with
 * FUZZ_FILE_MARKER becomes files in a fresh temporary directory (their
 * names sanitised), any other input one memfd opened as /proc/self/fd/N.
 * Returns 0, or -1 when the files cannot be made (skip the input). */
int fuzz_files_make(const uint8_t *data, size_t size, fuzz_files *f);
/* Remove what fuzz_files_make made. */
void fuzz_files_drop(fuzz_files *f);

/* The input as one file (a memfd), for single-file readers. */
int fuzz_file_make(const uint8_t *data, size_t size, fuzz_files *f);

/* A direct reader as the direct pipeline drives it: the input as files
 * (fuzz_files_make), open with opts, every table's definition, kind and
 * key, every table scanned into fuzz_null_sink, page verification, close.
 * A new reader's target is this one call with its vtable. */
void fuzz_reader_run(const b2a_reader_ops *ops, const b2a_reader_opts *opts, const uint8_t *data,
                     size_t size);

/* A sink whose every call succeeds and keeps nothing. */
extern b2a_sink fuzz_null_sink;

#endif
