/* libFuzzer target: the Oracle classic exp reader as the direct pipeline
 * drives it (its reader vtable): the dump's DDL and row stream, every
 * table scanned. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    b2a_reader_opts opts = { 0 };
    fuzz_reader_run(&b2a__reader_oracle_exp, &opts, data, size);
    return 0;
}
