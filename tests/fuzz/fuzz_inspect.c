/* libFuzzer target: b2a_inspect(), what `bak2avro inspect` runs on a file or
 * a directory (packed as in fuzz_common.h): format detection by magic bytes,
 * then the header and contents reader of the format found (pg_dump archives,
 * plain SQL, mysqldump, Oracle exp and Data Pump, SQL Server .bak). Also
 * detection on the bytes in memory, as the pipeline does on a file's head. */
#include "fuzz_common.h"

#include "bak2avro/common.h"
#include "bak2avro/inspect.h"
#include "detect/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    b2a_detected d;
    b2a_err err;
    b2a__detect_buf("fuzz", data, size, &d, &err);

    fuzz_files f;
    if (fuzz_files_make(data, size, &f) < 0)
        return 0;
    const char *path = f.dir[0] ? f.dir : f.argv[0];
    char *json = NULL, *msg = NULL;
    b2a_inspect(&path, 1, &json, &msg);
    b2a_free(json);
    b2a_free(msg);
    fuzz_files_drop(&f);
    return 0;
}
