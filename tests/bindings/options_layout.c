/* Prints the C layout of the public structs the Python binding mirrors with
 * ctypes, so its test can check the mirror field by field: a field added to
 * a header and forgotten in bindings/python/bak2avro/_ffi.py fails there. */
#include <stddef.h>
#include <stdio.h>

#include "bak2avro.h"

#define FIELD(s, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(s, f)), first = 0

int main(void)
{
    int first = 1;
    printf("{\"b2a_job_options\": {\"sizeof\": %zu, \"fields\": {", sizeof(b2a_job_options));
    FIELD(b2a_job_options, version);
    FIELD(b2a_job_options, inputs);
    FIELD(b2a_job_options, n_inputs);
    FIELD(b2a_job_options, output_dir);
    FIELD(b2a_job_options, vendor);
    FIELD(b2a_job_options, image);
    FIELD(b2a_job_options, docker_host);
    FIELD(b2a_job_options, network);
    FIELD(b2a_job_options, include);
    FIELD(b2a_job_options, n_include);
    FIELD(b2a_job_options, exclude);
    FIELD(b2a_job_options, n_exclude);
    FIELD(b2a_job_options, pre_sql);
    FIELD(b2a_job_options, post_sql);
    FIELD(b2a_job_options, parallel);
    FIELD(b2a_job_options, codec);
    FIELD(b2a_job_options, keep_container);
    FIELD(b2a_job_options, job_json_path);
    FIELD(b2a_job_options, restore_mode);
    FIELD(b2a_job_options, accept_eula);
    FIELD(b2a_job_options, progress_cb);
    FIELD(b2a_job_options, log_cb);
    FIELD(b2a_job_options, done_cb);
    FIELD(b2a_job_options, userdata);
    FIELD(b2a_job_options, include_views);
    FIELD(b2a_job_options, delivery);
    FIELD(b2a_job_options, overwrite);
    FIELD(b2a_job_options, ignore_checksums);
    FIELD(b2a_job_options, allow_column_loss);
    FIELD(b2a_job_options, via);
    FIELD(b2a_job_options, naive_timestamps);
    FIELD(b2a_job_options, dsn);
    FIELD(b2a_job_options, splits);
    FIELD(b2a_job_options, max_file_bytes);
    FIELD(b2a_job_options, max_file_rows);
    first = 1;
    printf("}}, \"b2a_progress\": {\"sizeof\": %zu, \"fields\": {", sizeof(b2a_progress));
    FIELD(b2a_progress, version);
    FIELD(b2a_progress, step);
    FIELD(b2a_progress, percent);
    FIELD(b2a_progress, table);
    FIELD(b2a_progress, rows_done);
    FIELD(b2a_progress, rows_expected);
    FIELD(b2a_progress, bytes_done);
    FIELD(b2a_progress, bytes_expected);
    FIELD(b2a_progress, attempt);
    FIELD(b2a_progress, attempts);
    first = 1;
    printf("}}, \"b2a_source_options\": {\"sizeof\": %zu, \"fields\": {", sizeof(b2a_source_options));
    FIELD(b2a_source_options, version);
    FIELD(b2a_source_options, dsn);
    FIELD(b2a_source_options, via);
    FIELD(b2a_source_options, include);
    FIELD(b2a_source_options, n_include);
    FIELD(b2a_source_options, exclude);
    FIELD(b2a_source_options, n_exclude);
    FIELD(b2a_source_options, include_views);
    FIELD(b2a_source_options, login_timeout_s);
    FIELD(b2a_source_options, done_cb);
    FIELD(b2a_source_options, userdata);
    first = 1;
    printf("}}, \"b2a_export_options\": {\"sizeof\": %zu, \"fields\": {", sizeof(b2a_export_options));
    FIELD(b2a_export_options, version);
    FIELD(b2a_export_options, output_dir);
    FIELD(b2a_export_options, codec);
    FIELD(b2a_export_options, max_file_bytes);
    FIELD(b2a_export_options, max_file_rows);
    FIELD(b2a_export_options, via);
    FIELD(b2a_export_options, progress_cb);
    FIELD(b2a_export_options, done_cb);
    FIELD(b2a_export_options, userdata);
    FIELD(b2a_export_options, naive_timestamps);
    first = 1;
    printf("}}, \"b2a_container_options\": {\"sizeof\": %zu, \"fields\": {", sizeof(b2a_container_options));
    FIELD(b2a_container_options, version);
    FIELD(b2a_container_options, inputs);
    FIELD(b2a_container_options, n_inputs);
    FIELD(b2a_container_options, vendor);
    FIELD(b2a_container_options, image);
    FIELD(b2a_container_options, docker_host);
    FIELD(b2a_container_options, network);
    FIELD(b2a_container_options, delivery);
    FIELD(b2a_container_options, memory_bytes);
    FIELD(b2a_container_options, data_dir);
    FIELD(b2a_container_options, listen);
    FIELD(b2a_container_options, accept_eula);
    FIELD(b2a_container_options, ready_tries);
    FIELD(b2a_container_options, ready_delay_ms);
    FIELD(b2a_container_options, job_id);
    FIELD(b2a_container_options, log_cb);
    FIELD(b2a_container_options, done_cb);
    FIELD(b2a_container_options, userdata);
    first = 1;
    printf("}}, \"b2a_restore_options\": {\"sizeof\": %zu, \"fields\": {", sizeof(b2a_restore_options));
    FIELD(b2a_restore_options, version);
    FIELD(b2a_restore_options, pre_sql);
    FIELD(b2a_restore_options, post_sql);
    FIELD(b2a_restore_options, parallel);
    FIELD(b2a_restore_options, progress_cb);
    FIELD(b2a_restore_options, log_cb);
    FIELD(b2a_restore_options, done_cb);
    FIELD(b2a_restore_options, userdata);
    printf("}}}\n");
    return 0;
}
