/* libFuzzer target: Oracle dump files, classic exp and Data Pump: the
 * header reader, then the table list found without a database. */
#include "fuzz_common.h"

#include "detect/oradump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_files f;
    if (fuzz_file_make(data, size, &f) < 0)
        return 0;
    b2a_oradump_info hdr;
    b2a_err err;
    if (b2a__oradump_read_header(f.argv[0], &hdr, &err) == 0) {
        b2a_oradump_tables t;
        if (b2a__oradump_tables(f.argv[0], &hdr, 0, &t, &err) == 0)
            b2a__oradump_tables_free(&t);
    }
    fuzz_files_drop(&f);
    return 0;
}
