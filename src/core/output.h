/* The output folder before a run starts (issue 7 §3). */
#ifndef B2A_CORE_OUTPUT_H
#define B2A_CORE_OUTPUT_H

#include <stddef.h>

#include "core/error.h"

/* Make out ready for a new run. A missing or empty folder is fine. A used
 * one (not empty, or an existing job_json_path) is refused with B2A_EINVAL
 * unless overwrite; then an earlier bak2avro output there is deleted: the
 * files its Job JSON lists, our temporary files, every part-NNNNN.avro in
 * the folder of a table it lists as unfinished (incomplete_files), the
 * folders they leave empty and that Job JSON, last. Anything else in the folder (a file not
 * listed, a symbolic link) refuses the overwrite before anything is
 * deleted, naming it. job_json_path NULL means out/job.json. *removed:
 * how many files were deleted. */
int b2a__output_prepare(const char *out, const char *job_json_path, int overwrite, size_t *removed, b2a_err *err);

#endif
