/* A sink that only counts what a reader emits: the benchmarks of the .bak
 * reader time the reader, not an encoder. */
#ifndef B2A_BENCH_COUNT_SINK_H
#define B2A_BENCH_COUNT_SINK_H

#include <stdint.h>

#include "core/sink.h"

typedef struct count_sink {
    b2a_sink base;
    uint64_t values, rows, bytes;
} count_sink;

#define CS(s) ((count_sink *)(s))
static int cs_null(b2a_sink *s) { CS(s)->values++; return 0; }
static int cs_bool(b2a_sink *s, int v) { (void)v; CS(s)->values++; return 0; }
static int cs_i32(b2a_sink *s, int32_t v) { (void)v; CS(s)->values++; return 0; }
static int cs_i64(b2a_sink *s, int64_t v) { (void)v; CS(s)->values++; return 0; }
static int cs_f32(b2a_sink *s, float v) { (void)v; CS(s)->values++; return 0; }
static int cs_f64(b2a_sink *s, double v) { (void)v; CS(s)->values++; return 0; }
static int cs_bytes(b2a_sink *s, const void *p, size_t n) { (void)p; CS(s)->values++; CS(s)->bytes += n; return 0; }
static int cs_str(b2a_sink *s, const char *p, size_t n) { (void)p; CS(s)->values++; CS(s)->bytes += n; return 0; }
static int cs_dec(b2a_sink *s, const uint8_t *p, size_t n) { (void)p; CS(s)->values++; CS(s)->bytes += n; return 0; }
static int cs_end(b2a_sink *s) { CS(s)->rows++; return 0; }
static const b2a_sink_ops count_ops = {cs_null, cs_bool, cs_i32, cs_i64, cs_f32, cs_f64,
                                       cs_bytes, cs_str, cs_dec, cs_end};

#endif
