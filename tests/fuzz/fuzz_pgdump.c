/* libFuzzer target: the pg_dump archive reader (header, TOC and the check
 * that the data the TOC points at is there) on a custom or tar file, or on
 * a directory-format dump packed as in fuzz_common.h. */
#include "fuzz_common.h"

#include "detect/pgdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_files_make(data, size, &f) < 0)
        return 0;
    b2a_pgdump_info info;
    b2a_err err;
    if (b2a__pgdump_read(f.dir[0] ? f.dir : f.argv[0], &info, &err) == 0) {
        b2a__pgdump_min_server_major(&info);
        b2a__pgdump_compression_name(&info);
        b2a__pgdump_free(&info);
    }
    fuzz_files_drop(&f);
    return 0;
}
