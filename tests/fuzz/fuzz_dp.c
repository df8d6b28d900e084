/* libFuzzer target: the Oracle Data Pump reader as the direct pipeline
 * drives it (its reader vtable): segment descriptors, STRMTABLE_T XML, the
 * master table, rows, every table scanned. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    b2a_reader_opts opts = { 0 };
    fuzz_reader_run(&b2a__reader_oracle_datapump, &opts, data, size);
    return 0;
}
