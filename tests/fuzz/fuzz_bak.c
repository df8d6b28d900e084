/* libFuzzer target: the SQL Server .bak reader as the direct pipeline
 * drives it (its reader vtable). The input is one backup file, or a striped
 * set packed as in fuzz_common.h. Pages are read with checksums ignored
 * (salvage mode, --ignore-checksums), so mutated pages reach the record
 * decoders instead of stopping at their checksum; verification still runs. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    b2a_reader_opts opts = { .ignore_checksums = 1 };
    fuzz_reader_run(&b2a__reader_mssql_bak, &opts, data, size);
    return 0;
}
