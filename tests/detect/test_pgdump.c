/* pg_dump archive headers and TOCs (samples and synthetic 1.15/1.16
 * archives), truncation at many lengths, and plain SQL dumps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <zlib.h>

#include "detect/pgdump.h"
#include "detect/pgplain.h"
#include "helpers.h"

static const char *const chinook_tables[] = {"album", "artist", "customer", "employee",
                                             "genre", "invoice", "invoice_line", "media_type",
                                             "playlist", "playlist_track", "track"};

static b2a_pgdump_info read_ok(const char *rel)
{
    b2a_pgdump_info pi;
    b2a_err err;
    b2a__err_clear(&err);
    int rc = b2a__pgdump_read(th_sample(rel), &pi, &err);
    if (rc)
        fail_msg("%s: %s", rel, err.msg);
    return pi;
}

static void check_chinook_toc(const b2a_pgdump_info *pi, int with_files)
{
    assert_int_equal(pi->n_toc, 59);
    assert_int_equal(pi->n_table_data, 11);
    size_t k = 0;
    for (uint32_t i = 0; i < pi->n_toc; i++) {
        const b2a_pgdump_toc_entry *te = &pi->toc[i];
        if (strcmp(te->desc, "TABLE DATA") != 0)
            continue;
        assert_true(k < 11);
        assert_string_equal(te->tag, chinook_tables[k]);
        assert_string_equal(te->schema, "public");
        assert_string_equal(te->owner, "postgres");
        assert_int_equal(te->section, B2A_PG_SECTION_DATA);
        assert_int_equal(te->dump_id, 3422 + (int)k);
        assert_int_equal(te->had_dumper, 1);
        assert_non_null(te->copy_stmt);
        char want[64];
        snprintf(want, sizeof(want), "COPY public.%s (", chinook_tables[k]);
        assert_memory_equal(te->copy_stmt, want, strlen(want));
        if (with_files) {
            snprintf(want, sizeof(want), "%d.dat", 3422 + (int)k);
            assert_string_equal(te->filename, want);
        }
        k++;
    }
    assert_int_equal(k, 11);
    /* the first entries are ENCODING, STDSTRINGS, SEARCHPATH, then the schema objects */
    assert_string_equal(pi->toc[0].desc, "ENCODING");
    assert_int_equal(pi->toc[0].section, B2A_PG_SECTION_PRE_DATA);
    int tables = 0;
    for (uint32_t i = 0; i < pi->n_toc; i++)
        if (strcmp(pi->toc[i].desc, "TABLE") == 0) {
            tables++;
            assert_non_null(pi->toc[i].defn);
            assert_non_null(strstr(pi->toc[i].defn, "CREATE TABLE public."));
            assert_string_equal(pi->toc[i].tableam, "heap");
        }
    assert_int_equal(tables, 11);
}

static void chinook_custom(void **state)
{
    (void)state;
    b2a_pgdump_info pi = read_ok("postgresql/chinook_pg15_custom.dump");
    assert_int_equal(pi.container, B2A_FMT_PG_CUSTOM);
    assert_int_equal(pi.vmaj, 1);
    assert_int_equal(pi.vmin, 14);
    assert_int_equal(pi.vrev, 0);
    assert_int_equal(pi.int_size, 4);
    assert_int_equal(pi.off_size, 8);
    assert_int_equal(pi.format_code, 1);
    assert_int_equal(pi.compression_level, -1);
    assert_string_equal(b2a__pgdump_compression_name(&pi), "gzip");
    assert_string_equal(pi.dbname, "chinook");
    assert_string_equal(pi.server_version, "15.18 (Debian 15.18-0+deb12u1)");
    assert_string_equal(pi.pgdump_version, "15.18 (Debian 15.18-0+deb12u1)");
    assert_int_equal(pi.tm_year + 1900, 2026);
    assert_int_equal(pi.tm_mon + 1, 11);
    assert_int_equal(pi.tm_mday, 24);
    assert_int_equal(pi.tm_hour, 12);
    assert_int_equal(pi.tm_min, 43);
    assert_int_equal(pi.tm_sec, 23);
    assert_int_equal(b2a__pgdump_min_server_major(&pi), 12);
    check_chinook_toc(&pi, 0);
    /* data offsets are known, increase, and lie after the TOC inside the file */
    uint64_t last = pi.toc_end;
    for (uint32_t i = 0; i < pi.n_toc; i++) {
        const b2a_pgdump_toc_entry *te = &pi.toc[i];
        if (!te->had_dumper) {
            assert_int_equal(te->data_state, B2A_PG_OFFSET_NO_DATA);
            continue;
        }
        assert_int_equal(te->data_state, B2A_PG_OFFSET_SET);
        assert_true(te->data_offset >= last);
        assert_true(te->data_offset < 163342);
        last = te->data_offset;
    }
    b2a__pgdump_free(&pi);

    pi = read_ok("postgresql/chinook_pg15_custom_uncompressed.dump");
    assert_int_equal(pi.compression_level, 0);
    assert_string_equal(b2a__pgdump_compression_name(&pi), "none");
    check_chinook_toc(&pi, 0);
    b2a__pgdump_free(&pi);
}

static void chinook_tar_and_directory(void **state)
{
    (void)state;
    b2a_pgdump_info pi = read_ok("postgresql/chinook_pg15_tar.tar");
    assert_int_equal(pi.container, B2A_FMT_PG_TAR);
    assert_int_equal(pi.format_code, 3);
    assert_int_equal(pi.vmin, 14);
    assert_string_equal(b2a__pgdump_compression_name(&pi), "none");
    assert_string_equal(pi.dbname, "chinook");
    check_chinook_toc(&pi, 1);
    assert_int_equal(pi.toc_end, 512 + 18760); /* the whole toc.dat member */
    b2a__pgdump_free(&pi);

    pi = read_ok("postgresql/chinook_pg15_directory");
    assert_int_equal(pi.container, B2A_FMT_PG_DIRECTORY);
    /* a directory's toc.dat carries the tar format code (pg_backup_directory.c) */
    assert_int_equal(pi.format_code, 3);
    assert_int_equal(pi.compression_level, -1);
    assert_string_equal(b2a__pgdump_compression_name(&pi), "gzip");
    check_chinook_toc(&pi, 1);
    assert_int_equal(pi.toc_end, 18760);
    b2a__pgdump_free(&pi);
}

static void older_archives(void **state)
{
    (void)state;
    b2a_pgdump_info pi = read_ok("postgresql/pagila_pg9.4_custom-format.backup");
    assert_int_equal(pi.vmin, 12);
    assert_string_equal(pi.dbname, "pagila");
    assert_string_equal(pi.server_version, "9.4.1");
    assert_string_equal(pi.pgdump_version, "9.4.1");
    assert_int_equal(pi.compression_level, -1);
    assert_int_equal(pi.n_toc, 235);
    assert_int_equal(pi.n_table_data, 21);
    assert_null(pi.toc[0].tableam); /* no table AMs before 1.14 */
    assert_int_equal(b2a__pgdump_min_server_major(&pi), 9);
    assert_int_equal(b2a__pgdump_min_server_version_num(&pi), 90000);
    b2a__pgdump_free(&pi);

    pi = read_ok("postgresql/northwind_pg10_custom-format.backup");
    assert_int_equal(pi.vmin, 13);
    assert_string_equal(pi.dbname, "northwind_2018_1");
    assert_string_equal(pi.server_version, "10.3");
    assert_string_equal(pi.pgdump_version, "10.3");
    assert_int_equal(pi.n_toc, 37);
    assert_int_equal(pi.n_table_data, 8);
    assert_int_equal(b2a__pgdump_min_server_version_num(&pi), 90322);
    b2a__pgdump_free(&pi);

    pi = read_ok("postgresql/dvdrental_pg11_tar-format.tar");
    assert_int_equal(pi.container, B2A_FMT_PG_TAR);
    assert_int_equal(pi.vmin, 13);
    assert_string_equal(pi.dbname, "dvdrental");
    assert_string_equal(pi.server_version, "11.3");
    assert_string_equal(pi.pgdump_version, "11.2");
    assert_int_equal(pi.compression_level, 0);
    assert_int_equal(pi.n_toc, 144);
    assert_int_equal(pi.n_table_data, 15);
    b2a__pgdump_free(&pi);
}

static void min_major_table(void **state)
{
    (void)state;
    assert_int_equal(b2a__pgdump_archive_min_major(1, 10), 9);
    assert_int_equal(b2a__pgdump_archive_min_major(1, 12), 9);
    assert_int_equal(b2a__pgdump_archive_min_major(1, 13), 9);
    assert_int_equal(b2a__pgdump_archive_min_major(1, 14), 12);
    assert_int_equal(b2a__pgdump_archive_min_major(1, 15), 16);
    assert_int_equal(b2a__pgdump_archive_min_major(1, 16), 17);
    assert_int_equal(b2a__pgdump_archive_min_major(1, 17), -1);
    assert_int_equal(b2a__pgdump_archive_min_major(2, 0), -1);
    assert_int_equal(b2a__pgdump_archive_min_version_num(1, 12), 90000);
    assert_int_equal(b2a__pgdump_archive_min_version_num(1, 13), 90322);
    assert_int_equal(b2a__pgdump_archive_min_version_num(1, 14), 120000);
    assert_int_equal(b2a__pgdump_archive_min_version_num(1, 15), 160000);
    assert_int_equal(b2a__pgdump_archive_min_version_num(1, 16), 170000);
}

/* ---- synthetic archives for versions no sample has ---- */

typedef struct obuf {
    unsigned char b[4096];
    size_t n;
} obuf;

static void put(obuf *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof(o->b));
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_byte(obuf *o, int v)
{
    unsigned char c = (unsigned char)v;
    put(o, &c, 1);
}

static void put_int(obuf *o, int v)
{
    put_byte(o, v < 0);
    unsigned u = (unsigned)(v < 0 ? -v : v);
    for (int i = 0; i < 4; i++, u >>= 8)
        put_byte(o, (int)(u & 0xff));
}

static void put_str(obuf *o, const char *s)
{
    if (!s) {
        put_int(o, -1);
        return;
    }
    put_int(o, (int)strlen(s));
    put(o, s, strlen(s));
}

static void put_offset(obuf *o, int flag, uint64_t off)
{
    put_byte(o, flag);
    for (int i = 0; i < 8; i++, off >>= 8)
        put_byte(o, (int)(off & 0xff));
}

static void put_entry(obuf *o, int vmin, int id, int dumper, const char *tag, const char *desc,
                      int section, const char *copy, int relkind, const char *dep, int flag,
                      uint64_t off)
{
    put_int(o, id);
    put_int(o, dumper);
    put_str(o, "1259");
    put_str(o, "16384");
    put_str(o, tag);
    put_str(o, desc);
    put_int(o, section);
    put_str(o, strcmp(desc, "TABLE") == 0 ? "CREATE TABLE public.orders (id integer);\n" : "");
    put_str(o, "");
    put_str(o, copy);
    put_str(o, "public");
    put_str(o, "");
    put_str(o, "heap");
    if (vmin >= 16)
        put_int(o, relkind);
    put_str(o, "app");
    put_str(o, "false");
    if (dep)
        put_str(o, dep);
    put_str(o, NULL);
    put_offset(o, flag, off);
}

static void build_archive(obuf *o, int vmin, int algo)
{
    memset(o, 0, sizeof(*o));
    put(o, "PGDMP", 5);
    put_byte(o, 1), put_byte(o, vmin), put_byte(o, 0);
    put_byte(o, 4), put_byte(o, 8), put_byte(o, 1);
    put_byte(o, algo);
    int tm[] = {7, 30, 9, 2, 0, 125, 0}; /* 2025-01-02 09:30:07 */
    for (int i = 0; i < 7; i++)
        put_int(o, tm[i]);
    put_str(o, "shop");
    put_str(o, "17.2");
    put_str(o, "17.2 (Debian)");
    put_int(o, 2);
    put_entry(o, vmin, 1, 0, "orders", "TABLE", B2A_PG_SECTION_PRE_DATA, "", 'r', "5",
              B2A_PG_OFFSET_NO_DATA, 0);
    put_entry(o, vmin, 2, 1, "orders", "TABLE DATA", B2A_PG_SECTION_DATA,
              "COPY public.orders (id) FROM stdin;\n", 0, "1", B2A_PG_OFFSET_SET, 0);
    /* point the TABLE DATA entry at a data block appended right after the TOC */
    uint64_t at = o->n;
    for (int i = 0; i < 8; i++)
        o->b[o->n - 8 + (size_t)i] = (unsigned char)(at >> (8 * i));
    put_byte(o, 1); /* BLK_DATA */
    put_int(o, 2);
    put_int(o, 4);
    put(o, "1\n2\n", 4);
    put_int(o, 0);
}

static void synthetic_1_15_and_1_16(void **state)
{
    (void)state;
    obuf o;
    b2a_pgdump_info pi;
    b2a_err err;

    build_archive(&o, 16, B2A_PG_COMPRESS_ZSTD);
    const char *p = th_tmp_path("v116.dump");
    th_write(p, o.b, o.n);
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), 0);
    assert_int_equal(pi.vmin, 16);
    assert_string_equal(b2a__pgdump_compression_name(&pi), "zstd");
    assert_int_equal(pi.compression_level, -1);
    assert_string_equal(pi.dbname, "shop");
    assert_string_equal(pi.pgdump_version, "17.2 (Debian)");
    assert_int_equal(pi.tm_year, 125);
    assert_int_equal(pi.n_toc, 2);
    assert_int_equal(pi.n_table_data, 1);
    assert_int_equal(pi.toc[0].relkind, 'r');
    assert_int_equal(pi.toc[0].n_deps, 1);
    assert_string_equal(pi.toc[0].defn, "CREATE TABLE public.orders (id integer);\n");
    assert_int_equal(pi.toc[0].table_oid, 1259);
    assert_int_equal(pi.toc[0].oid, 16384);
    assert_string_equal(pi.toc[1].copy_stmt, "COPY public.orders (id) FROM stdin;\n");
    assert_int_equal(pi.toc[1].data_state, B2A_PG_OFFSET_SET);
    assert_int_equal(pi.toc[1].data_offset, pi.toc_end);
    assert_null(pi.toc[1].defn); /* kept for TABLE entries only */
    assert_int_equal(pi.toc_end, o.n - 1 - 5 - 5 - 4 - 5);
    assert_int_equal(b2a__pgdump_min_server_major(&pi), 17);
    b2a__pgdump_free(&pi);

    build_archive(&o, 15, B2A_PG_COMPRESS_LZ4);
    p = th_tmp_path("v115.dump");
    th_write(p, o.b, o.n);
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), 0);
    assert_string_equal(b2a__pgdump_compression_name(&pi), "lz4");
    assert_int_equal(pi.toc[0].relkind, 0);
    assert_int_equal(b2a__pgdump_min_server_major(&pi), 16);
    b2a__pgdump_free(&pi);

    /* a version newer than we know */
    build_archive(&o, 17, 0);
    p = th_tmp_path("v117.dump");
    th_write(p, o.b, o.n);
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EUNSUPPORTED);
    b2a__pgdump_free(&pi);
    char want[600];
    snprintf(want, sizeof(want),
             "%s: pg_dump archive version 1.17 is newer than this tool knows (1.16, PostgreSQL "
             "17); a newer pg_restore is needed",
             p);
    assert_string_equal(err.msg, want);

    /* an unknown compression algorithm */
    build_archive(&o, 16, 9);
    p = th_tmp_path("badalgo.dump");
    th_write(p, o.b, o.n);
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: corrupt pg_dump archive header at byte 12 (compression): unknown compression "
             "algorithm", p);
    assert_string_equal(err.msg, want);
}

static void truncated_custom_archive(void **state)
{
    (void)state;
    const char *src = th_sample("postgresql/chinook_pg15_custom.dump");
    b2a_pgdump_info full = read_ok("postgresql/chinook_pg15_custom.dump");
    size_t toc_end = (size_t)full.toc_end;
    b2a__pgdump_free(&full);
    const size_t cuts[] = {5, 8, 11, 16, 40, 60, 100, 133, 200, 1000, 4000, 10000, 18000};
    char name[64], want[700];
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]) + 1; i++) {
        size_t cut = i < sizeof(cuts) / sizeof(cuts[0]) ? cuts[i] : toc_end - 1;
        assert_true(cut < toc_end);
        snprintf(name, sizeof(name), "cut-%zu.dump", cut);
        const char *p = th_prefix_copy(src, cut, name);
        b2a_pgdump_info pi;
        b2a_err err;
        assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
        b2a__pgdump_free(&pi);
        snprintf(want, sizeof(want), "%s: truncated pg_dump archive: data ends at byte %zu while reading ", p, cut);
        if (strncmp(err.msg, want, strlen(want)) != 0)
            fail_msg("cut %zu: %s", cut, err.msg);
    }
    /* exact messages: in the header, and inside the last TOC entry */
    b2a_pgdump_info pi;
    b2a_err err;
    const char *p = th_prefix_copy(src, 8, "exact-8.dump");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: truncated pg_dump archive: data ends at byte 8 while reading the header "
             "(integer size)", p);
    assert_string_equal(err.msg, want);

    p = th_prefix_copy(src, toc_end - 1, "exact-end.dump");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: truncated pg_dump archive: data ends at byte %zu while reading the data "
             "offset of TOC entry 59 of 59", p, toc_end - 1);
    assert_string_equal(err.msg, want);

    /* the whole TOC without the data: the TOC points past the end */
    p = th_prefix_copy(src, toc_end, "toc-only.dump");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: truncated pg_dump archive: TOC entry 3422 (TABLE DATA public.album) has its "
             "data at byte %zu, outside the data section (bytes %zu to %zu)",
             p, toc_end, toc_end, toc_end);
    assert_string_equal(err.msg, want);
}

/* Cut after the TOC, in the data: found by the cheap data checks. */
static void truncated_in_data(void **state)
{
    (void)state;
    b2a_pgdump_info pi;
    b2a_err err;
    char want[700];
    /* custom: the last block (track) loses its end */
    const char *p = th_prefix_copy(th_sample("postgresql/chinook_pg15_custom.dump"), 163000, "c.dump");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: truncated pg_dump archive: the data of TOC entry 3432 (TABLE DATA public.track) "
             "runs past the end of the file (1138 bytes needed at byte 162199, the file has 163000)", p);
    assert_string_equal(err.msg, want);

    /* tar: cut inside the data member of track, then inside restore.sql */
    p = th_prefix_copy(th_sample("postgresql/chinook_pg15_tar.tar"), 300000, "t.tar");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: truncated tar archive: member 3432.dat needs 242294 bytes after byte 188928, "
             "the file has 300000", p);
    assert_string_equal(err.msg, want);
    p = th_prefix_copy(th_sample("postgresql/chinook_pg15_tar.tar"), 448512 - 1024, "t2.tar");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    assert_non_null(strstr(err.msg, "t2.tar: truncated tar archive: "));

    /* directory: toc.dat without its data files */
    char dir[512];
    snprintf(dir, sizeof(dir), "%s", th_tmp_path("dironly"));
    assert_int_equal(mkdir(dir, 0700), 0);
    char toc[600];
    snprintf(toc, sizeof(toc), "%s/toc.dat", dir);
    size_t len;
    unsigned char *b = th_slurp(th_sample("postgresql/chinook_pg15_directory/toc.dat"), &len);
    th_write(toc, b, len);
    free(b);
    assert_int_equal(b2a__pgdump_read(dir, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: pg_dump directory archive lacks 3422.dat (or .gz/.lz4/.zst), the data of TOC "
             "entry 3422 (TABLE DATA public.album)", dir);
    assert_string_equal(err.msg, want);
}

static void truncated_tar(void **state)
{
    (void)state;
    b2a_pgdump_info pi;
    b2a_err err;
    char want[700];
    const char *p = th_prefix_copy(th_sample("postgresql/chinook_pg15_tar.tar"), 4096, "cut.tar");
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    snprintf(want, sizeof(want),
             "%s: truncated tar archive: toc.dat claims 18760 bytes, the file has 3584 after its "
             "header", p);
    assert_string_equal(err.msg, want);
}

static void corrupt_toc_count(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = th_slurp(th_sample("postgresql/chinook_pg15_custom.dump"), &len);
    /* header of this archive: 0x85 is where the TOC count (sign + 4 bytes) starts */
    assert_int_equal(b[0x85], 0);
    assert_int_equal(b[0x86], 59);
    b[0x86] = 0xff, b[0x87] = 0xff, b[0x88] = 0x0f;
    const char *p = th_tmp_path("count.dump");
    th_write(p, b, len);
    free(b);
    b2a_pgdump_info pi;
    b2a_err err;
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    /* read on until the data section stops making sense as a TOC */
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, " of TOC entry 60 of 1048575"));
}

static void plain_sql(void **state)
{
    (void)state;
    b2a_pgplain_info pp;
    b2a_err err;
    char why[128];
    assert_int_equal(b2a__pgplain_read(th_sample("postgresql/pagila-schema.sql"), &pp, &err), 0);
    assert_int_equal(pp.is_dumpall, 0);
    assert_string_equal(pp.dumped_from, "17.0");
    assert_string_equal(pp.dumped_by, "17.0");
    assert_int_equal(pp.needs_version_num, 170000);
    assert_string_equal(pp.needs_setting, "transaction_timeout");
    assert_int_equal(pp.n_copy, 0);
    assert_int_equal(b2a__pgplain_rejected_by(&pp, 160004, why, sizeof(why)), 1);
    assert_string_equal(why, "SET transaction_timeout needs PostgreSQL 17 (server is 16)");
    assert_int_equal(b2a__pgplain_rejected_by(&pp, 170000, why, sizeof(why)), 0);
    b2a__pgplain_free(&pp);

    assert_int_equal(b2a__pgplain_read(th_sample("postgresql/pagila-data.sql"), &pp, &err), 0);
    assert_int_equal(pp.n_copy, 21);
    assert_string_equal(pp.copy_tables[0], "public.actor");
    assert_string_equal(pp.copy_tables[1], "public.country");
    assert_int_equal(pp.needs_version_num, 170000);
    b2a__pgplain_free(&pp);

    assert_int_equal(b2a__pgplain_read(th_sample("postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar"), &pp, &err), 0);
    assert_int_equal(pp.is_dumpall, 1);
    assert_int_equal(pp.n_databases, 3);
    assert_int_equal(pp.n_copy, 15);
    assert_string_equal(pp.dumped_from, "13.3");
    assert_int_equal(pp.needs_version_num, 120000);
    assert_string_equal(pp.needs_setting, "default_table_access_method");
    assert_int_equal(b2a__pgplain_rejected_by(&pp, 110000, why, sizeof(why)), 1);
    assert_string_equal(why, "SET default_table_access_method needs PostgreSQL 12 (server is 11)");
    b2a__pgplain_free(&pp);

    assert_int_equal(b2a__pgplain_setting_min_version_num("lock_timeout"), 90300);
    assert_int_equal(b2a__pgplain_setting_min_version_num("idle_in_transaction_session_timeout"), 90600);
    assert_int_equal(b2a__pgplain_setting_min_version_num("client_encoding"), 0);
}

/* The database a plain script's rows go into: the \connect target current at
 * the first COPY or INSERT, else the one CREATE DATABASE name; "" when the
 * script does not say (pagila is dumped without -C). */
static void plain_sql_database(void **state)
{
    (void)state;
    b2a_err err;
    char db[128];
    assert_int_equal(b2a__pgplain_read_database(th_sample("postgresql/pagila-schema.sql"), db, sizeof(db), &err), 0);
    assert_string_equal(db, "");
    /* pg_dumpall: template1 is skipped; dvdrental is current at the first COPY, postgres comes after */
    const char *all = th_sample("postgresql/dvdrental_NOT-a-tar_pg_dumpall-plain-text.tar");
    assert_int_equal(b2a__pgplain_read_database(all, db, sizeof(db), &err), 0);
    assert_string_equal(db, "dvdrental");
    b2a_pgplain_info pp;
    assert_int_equal(b2a__pgplain_read(all, &pp, &err), 0);
    assert_string_equal(pp.database, "dvdrental");
    b2a__pgplain_free(&pp);

    static const struct {
        const char *script, *want;
    } cases[] = {
        /* pg_dump -C */
        {"CREATE DATABASE chinook WITH TEMPLATE = template0 ENCODING = 'UTF8';\n"
         "ALTER DATABASE chinook OWNER TO postgres;\n\\connect chinook\n\nCOPY public.a (x) FROM stdin;\n1\n\\.\n",
         "chinook"},
        /* quoted names, psql's doubled quotes */
        {"CREATE DATABASE \"Sales \"\"EU\"\"\" WITH TEMPLATE = template0;\n\\connect \"Sales \"\"EU\"\"\"\n",
         "Sales \"EU\""},
        /* pg_dumpall since 12: a conninfo with dbname= */
        {"\\connect -reuse-previous=on \"dbname='shop'\"\nINSERT INTO public.a VALUES (1);\n\\connect other\n",
         "shop"},
        {"\\connect -reuse-previous=on \"dbname='o\\'k'\"\n", "o'k"},
        /* \c, and a \connect after the rows start does not count */
        {"\\c first\nINSERT INTO public.a VALUES (1);\n\\connect second\n", "first"},
        /* CREATE DATABASE alone (no \connect): the one name, folded as the server folds it */
        {"CREATE DATABASE Shop;\n", "shop"},
        {"CREATE DATABASE a;\nCREATE DATABASE b;\n", ""},
        {"\\connect template1\nCOPY public.a (x) FROM stdin;\n\\.\n", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *p = th_tmp_path("db.sql");
        th_write(p, cases[i].script, strlen(cases[i].script));
        assert_int_equal(b2a__pgplain_read_database(p, db, sizeof(db), &err), 0);
        if (strcmp(db, cases[i].want) != 0)
            fail_msg("case %zu: got '%s', want '%s'", i, db, cases[i].want);
        assert_int_equal(b2a__pgplain_read(p, &pp, &err), 0);
        if (strcmp(pp.database, cases[i].want) != 0)
            fail_msg("case %zu (whole read): got '%s', want '%s'", i, pp.database, cases[i].want);
        b2a__pgplain_free(&pp);
    }
}

static void plain_sql_truncated_in_copy(void **state)
{
    (void)state;
    /* line 24 starts COPY public.actor; cut inside its rows */
    size_t len;
    unsigned char *b = th_slurp(th_sample("postgresql/pagila-data.sql"), &len);
    const char *copy = strstr((char *)b, "COPY public.actor");
    assert_non_null(copy);
    size_t cut = (size_t)(copy - (char *)b) + 500;
    free(b);
    const char *p = th_prefix_copy(th_sample("postgresql/pagila-data.sql"), cut, "cut.sql");
    b2a_pgplain_info pp;
    b2a_err err;
    assert_int_equal(b2a__pgplain_read(p, &pp, &err), B2A_EFORMAT);
    b2a__pgplain_free(&pp);
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, "truncated SQL dump: the file ends inside the COPY data of public.actor"));
}

/* A whole custom archive gzip'd by hand: read through zlib; cut, it fails
 * naming the file. */
static void gzip_wrapped_archive(void **state)
{
    (void)state;
    size_t len;
    unsigned char *b = th_slurp(th_sample("postgresql/chinook_pg15_custom_uncompressed.dump"), &len);
    const char *p = th_tmp_path("chinook.dump.gz");
    gzFile gz = gzopen(p, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, b, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
    free(b);
    b2a_pgdump_info pi;
    b2a_err err;
    assert_int_equal(b2a__pgdump_read(p, &pi, &err), 0);
    assert_int_equal(pi.n_table_data, 11);
    assert_string_equal(pi.dbname, "chinook");
    b2a__pgdump_free(&pi);

    const char *cut = th_prefix_copy(p, 3000, "chinook-cut.dump.gz");
    assert_int_equal(b2a__pgdump_read(cut, &pi, &err), B2A_EFORMAT);
    b2a__pgdump_free(&pi);
    assert_non_null(strstr(err.msg, cut));
    assert_non_null(strstr(err.msg, "of TOC entry"));
}

/* 1% style mutation smoke test (libarchive test_fuzz.c): flipped bytes and
 * random cuts in the header and TOC never crash and always name the file.
 * Meant to run under -Db_sanitize=address,undefined; B2A_SKIP_FUZZ skips it. */
static void mutations_never_crash(void **state)
{
    (void)state;
    if (getenv("B2A_SKIP_FUZZ")) {
        skip();
        return;
    }
    const char *srcs[] = {"postgresql/chinook_pg15_custom.dump", "postgresql/chinook_pg15_tar.tar",
                          "postgresql/pagila_pg9.4_custom-format.backup"};
    uint32_t seed = 20261124;
    for (size_t s = 0; s < 3; s++) {
        size_t len;
        unsigned char *orig = th_slurp(th_sample(srcs[s]), &len);
        size_t head = len < 24000 ? len : 24000; /* covers header + TOC of each */
        unsigned char *b = malloc(head);
        assert_non_null(b);
        for (int round = 0; round < 300; round++) {
            memcpy(b, orig, head);
            size_t n = head;
            int flips = 1 + round % 4;
            for (int f = 0; f < flips; f++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % head;
                seed = seed * 1103515245u + 12345u;
                b[at] = (unsigned char)(seed >> 16);
            }
            if (round % 3 == 0) {
                seed = seed * 1103515245u + 12345u;
                n = (seed >> 8) % head;
            }
            const char *p = th_tmp_path("mutant.dump");
            th_write(p, b, n);
            b2a_pgdump_info pi;
            b2a_err err;
            b2a__err_clear(&err);
            int rc = b2a__pgdump_read(p, &pi, &err);
            if (rc != B2A_OK && !strstr(err.msg, p))
                fail_msg("round %d: message does not name the file: %s", round, err.msg);
            if (rc == B2A_OK)
                assert_true(pi.n_toc > 0);
            b2a__pgdump_free(&pi);
        }
        free(b);
        free(orig);
    }
}

int main(void)
{
    th_require_samples();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chinook_custom),
        cmocka_unit_test(plain_sql_database),
        cmocka_unit_test(chinook_tar_and_directory),
        cmocka_unit_test(older_archives),
        cmocka_unit_test(min_major_table),
        cmocka_unit_test(synthetic_1_15_and_1_16),
        cmocka_unit_test(truncated_custom_archive),
        cmocka_unit_test(truncated_in_data),
        cmocka_unit_test(truncated_tar),
        cmocka_unit_test(corrupt_toc_count),
        cmocka_unit_test(plain_sql),
        cmocka_unit_test(plain_sql_truncated_in_copy),
        cmocka_unit_test(gzip_wrapped_archive),
        cmocka_unit_test(mutations_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
