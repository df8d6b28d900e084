/* Small string helpers shared by the core, the CLI glue and the pipeline. */
#ifndef B2A_UTIL_STR_H
#define B2A_UTIL_STR_H

#include <stddef.h>
#include <stdint.h>

char *b2a__strdup(const char *s);                 /* NULL in, NULL out */
char *b2a__strndup(const char *s, size_t n);
char *b2a__asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Deep copy of an array of n strings (NULL when n == 0). */
char **b2a__strv_dup(const char *const *v, size_t n);
void b2a__strv_free(char **v, size_t n);

/* Read a whole (small) file; NULL and errno on failure. */
char *b2a__read_file(const char *path, size_t max_bytes, size_t *len_out);

/* Cryptographically random bytes (getrandom); 0 on success. */
int b2a__random_bytes(void *buf, size_t n);

/* n random bytes as lower-case hex into out (2n+1 bytes). */
int b2a__random_hex(char *out, size_t nbytes);

/* Wall clock as RFC 3339 UTC with milliseconds: 2026-11-24T13:17:42.123Z */
void b2a__now_iso(char out[32]);
/* Monotonic milliseconds. */
uint64_t b2a__now_ms(void);

/* Who made a container: "host:pid:starttime", so `gc` can tell a live job's
 * container from a killed one's (the start time guards against pid reuse). */
int b2a__owner_tag(char *out, size_t cap);
/* 1 when tag names a process alive on this host, 0 when not, -1 when it is another host's. */
int b2a__owner_alive(const char *tag);

/* mkdir -p; 0 or -errno */
int b2a__mkdir_p(const char *path);

#endif
