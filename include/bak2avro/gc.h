#ifndef BAK2AVRO_GC_H
#define BAK2AVRO_GC_H

#include "common.h"

B2A_BEGIN_DECL

/**
 * Remove containers left behind by jobs that were killed (those labelled
 * bak2avro.job). Blocks until done. @p docker_host may be NULL (DOCKER_HOST,
 * else /var/run/docker.sock). On failure *errmsg_out (if not NULL) gets a
 * message to free with b2a_free().
 */
B2A_API int b2a_gc(const char *docker_host, uint32_t *removed_out, char **errmsg_out);

B2A_END_DECL

#endif
