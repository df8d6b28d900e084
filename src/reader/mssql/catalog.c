/* Catalog bootstrap (docs/mssql-bak-format.md §2.6): boot page -> the
 * sysallocunits page chain -> sysrowsets (allocation unit 5<<16) -> the
 * other system base tables through their IAM chains. Column offsets below
 * are record offsets (the doc's fixed-data offsets + 4). */
#include <stdlib.h>
#include <string.h>

#include "reader/mssql/catalog.h"
#include "reader/mssql/iam.h"
#include "reader/mssql/record.h"
#include "util/str.h"

enum { OBJ_SYSRSCOLS = 3, OBJ_SYSROWSETCOLUMNS = 4, OBJ_SYSROWSETS = 5, OBJ_SYSHOBTCOLUMNS = 13, OBJ_SYSALLOCUNITS = 7, OBJ_SYSSCHOBJS = 34,
       OBJ_SYSCOLPARS = 41, OBJ_SYSSCALARTYPES = 50, OBJ_SYSIDXSTATS = 54, OBJ_SYSISCOLS = 55,
       OBJ_SYSCLSOBJS = 64 };

/* syscolpars.status 0x1: NOT NULL (sys.columns.is_nullable is its negation).
 * sysidxstats.status 0x20: the index enforces the PRIMARY KEY constraint
 * (sys.indexes.is_primary_key). [measured: exactly the PK_ indexes of the
 * Northwind and pubs samples carry it] */
#define COLPAR_NOT_NULL 0x1u
#define IDX_PRIMARY_KEY 0x20u

#define BOOT_PAGE 9
#define BOOT_SYSALLOC_PTR (B2A_PG_HDR + 4 + 512)

typedef struct au_row { uint64_t auid, ownerid; uint8_t type; b2a_pgid first_iam; } au_row;
typedef struct rs_row { uint64_t rowsetid; int32_t idmajor, idminor; int64_t rcrows; uint8_t cmpr; } rs_row;
typedef struct obj_row { int32_t id, nsid; char type[3]; char *name; } obj_row;
typedef struct col_row { int32_t id, colid; uint8_t xtype; int32_t utype; int16_t length; uint8_t prec, scale; uint32_t coll, status; char *name; } col_row;
typedef struct rsc_row { uint64_t rsid; b2a_mphys ph; } rsc_row;
/* SQL Server 2005 splits sysrscols in two: sysrowsetcolumns maps a
 * rowset's columns to its hobt's, syshobtcolumns holds the layout. */
typedef struct rsc05_row { uint64_t rsid; uint32_t rscolid, hbcolid; } rsc05_row;
typedef struct hbc05_row { uint64_t hobtid; uint32_t hbcolid; b2a_mphys ph; } hbc05_row;
typedef struct named_row { int32_t id; char *name; } named_row;
typedef struct idx_row { int32_t id, indid; uint32_t status; } idx_row;
typedef struct isc_row { int32_t idmajor, idminor, subid, colid; } isc_row;

#define VEC(T) struct { T *v; size_t n, cap; }
typedef struct loader {
    b2a_bak_pages *ps;
    VEC(au_row) au;
    VEC(rs_row) rs;
    VEC(obj_row) obj;
    VEC(col_row) col;
    VEC(rsc_row) rsc;
    VEC(named_row) types;
    VEC(named_row) schemas;
    VEC(idx_row) pkidx;     /* primary-key indexes only */
    VEC(isc_row) iscols;
    VEC(rsc05_row) rsc05;
    VEC(hbc05_row) hbc05;
} loader;

#define VEC_PUSH(vec, item, err)                                                        \
    do {                                                                                \
        if ((vec).n == (vec).cap) {                                                     \
            size_t nc = (vec).cap ? (vec).cap * 2 : 64;                                 \
            void *np = realloc((vec).v, nc * sizeof *(vec).v);                          \
            if (!np)                                                                    \
                return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory reading the catalog"); \
            (vec).v = np;                                                               \
            (vec).cap = nc;                                                             \
        }                                                                               \
        (vec).v[(vec).n++] = (item);                                                    \
    } while (0)

typedef int (*rec_cb)(loader *L, const b2a_rec *r, b2a_err *err);

/* Variable column 0 as UTF-8 (the sysname of most catalog rows). */
static char *var_name(const b2a_rec *r, unsigned idx)
{
    const uint8_t *p;
    size_t n;
    int cx;
    b2a_mbuf b = { 0 };
    if (b2a__rec_var(r, idx, &p, &n, &cx) != 0 || cx) {
        return b2a__strdup("");
    }
    if (b2a__utf16le_to_utf8(p, n, &b) < 0 || b2a__mbuf_append(&b, "", 0) < 0) {
        b2a__mbuf_free(&b);
        return NULL;
    }
    b.p[b.n] = 0;
    return (char *)b.p;
}

static int page_records(loader *L, const uint8_t *pg, rec_cb cb, b2a_err *err)
{
    unsigned n = b2a__page_slots(pg);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p;
        size_t maxlen;
        int s = b2a__page_record(pg, i, &p, &maxlen);
        if (s == 1)
            continue;
        b2a_pgid self = b2a__page_self(pg);
        b2a_rec r;
        if (s < 0 || b2a__rec_parse(&r, p, maxlen) < 0)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "catalog page (%u:%u) slot %u is corrupt", self.file, self.page, i);
        if (r.type != B2A_REC_PRIMARY && r.type != B2A_REC_FORWARDED)
            continue;
        int rc = cb(L, &r, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int scan_au(loader *L, b2a_pgid first_iam, const char *what, rec_cb cb, b2a_err *err)
{
    b2a_iamwalk *w = malloc(sizeof *w);
    uint8_t *pg = malloc(B2A_PG_SIZE);
    int rc = 0;
    if (!w || !pg) {
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory");
        goto out;
    }
    b2a__iam_init(w, L->ps, first_iam);
    b2a_pgid id;
    while ((rc = b2a__iam_next(w, &id, err)) == 0) {
        rc = b2a__bak_pages_get(L->ps, id.file, id.page, pg, err);
        if (rc == B2A_ENOTFOUND) {
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "page (%u:%u) of %s is not in the backup", id.file, id.page, what);
            goto out;
        }
        if (rc < 0)
            goto out;
        if (b2a__page_type(pg) != B2A_PG_DATA)
            continue;
        if ((rc = page_records(L, pg, cb, err)) < 0)
            goto out;
    }
    if (rc == 1)
        rc = 0;
out:
    if (rc < 0)
        b2a__err_prefix(err, "reading %s: ", what);
    free(w);
    free(pg);
    return rc;
}

static int on_au(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 41);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysallocunits row");
    au_row a = { b2a__rd64(f), b2a__rd64(f + 9), f[8], b2a__rdpgid(f + 35) };
    VEC_PUSH(L->au, a, err);
    return 0;
}

static int on_rs(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 35);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysrowsets row");
    const uint8_t *c = b2a__rec_fixed(r, 4 + 35, 1);
    rs_row s = { b2a__rd64(f), (int32_t)b2a__rd32(f + 9), (int32_t)b2a__rd32(f + 13),
                 (int64_t)b2a__rd64(f + 27), c ? c[0] : 0 };
    VEC_PUSH(L->rs, s, err);
    return 0;
}

static int on_obj(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 15);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysschobjs row");
    obj_row o = { (int32_t)b2a__rd32(f), (int32_t)b2a__rd32(f + 4), { (char)f[13], (char)f[14], 0 }, NULL };
    /* User tables only; the sys schema's 'U' tables are shipped with the
     * server, and so is what status 0x1 marks (sys.objects.is_ms_shipped:
     * dtproperties in the 2005 Northwind), which a container restore's
     * introspection leaves out too. */
    if (o.type[0] != 'U' || o.type[1] != ' ' || o.nsid == 4 || (b2a__rd32(f + 9) & 0x1))
        return 0;
    if (!(o.name = var_name(r, 0)))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory");
    VEC_PUSH(L->obj, o, err);
    return 0;
}

static int on_col(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 27);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short syscolpars row");
    if (b2a__rd16(f + 4) != 0) /* procedure parameters carry number > 0 */
        return 0;
    col_row c = { (int32_t)b2a__rd32(f), (int32_t)b2a__rd32(f + 6), f[10], (int32_t)b2a__rd32(f + 11),
                  (int16_t)b2a__rd16(f + 15), f[17], f[18], b2a__rd32(f + 19), b2a__rd32(f + 23), NULL };
    if (!(c.name = var_name(r, 0)))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory");
    VEC_PUSH(L->col, c, err);
    return 0;
}

static int on_rsc(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 50);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysrscols row");
    rsc_row c;
    uint32_t rscolid = b2a__rd32(f + 8);
    c.rsid = b2a__rd64(f);
    c.ph.colid = (uint16_t)(rscolid & 0xFFFF);
    c.ph.ti = b2a__rd32(f + 24);
    c.ph.status = b2a__rd32(f + 36);
    c.ph.leaf_off = (int16_t)b2a__rd16(f + 40);
    c.ph.nullbit = b2a__rd16(f + 44);
    c.ph.bitpos = b2a__rd16(f + 48);
    /* Dropped (0x04000000) and internal (0x08000000) columns keep their
     * place in the null bitmap but are no user column. */
    if (rscolid & 0x0C000000)
        return 0;
    VEC_PUSH(L->rsc, c, err);
    return 0;
}

/* sysrowsetcolumns (2005): rowsetid u64 @0, rowsetcolid u32 @8,
 * hobtcolid u32 @12 [measured on the 2005 Northwind]. */
static int on_rsc05(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 16);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysrowsetcolumns row");
    rsc05_row c = { b2a__rd64(f), b2a__rd32(f + 8), b2a__rd32(f + 12) };
    VEC_PUSH(L->rsc05, c, err);
    return 0;
}

/* syshobtcolumns (2005), 37 fixed bytes [measured on the 2005 Northwind]:
 * hobtid u64 @0, hobtcolid u32 @8, status u32 @12, ordkey u16 @16, ti u32
 * @18, collation u32 @23, offset @27 (leaf i16, < 0: variable ordinal
 * -off-1 as in sysrscols; internal i16 @29), bitpos @31 (leaf u8, internal
 * u8 @32), nullbit @33 (leaf u16; internal u16 @35). The three pairs are
 * what sys.system_internals_partition_columns splits into leaf_ and
 * internal_ offset, bit_position and null_bit; @35 is measured (it is the
 * index key column's null bit in nonclustered index rowsets), @31 is the one
 * fixed field left for leaf_bit_position (0 in every row of the sample, whose
 * two bit columns are each alone in their byte). */
int b2a__catalog_hbc05_layout(const uint8_t *f, size_t n, uint64_t *hobtid, uint32_t *hbcolid,
                              b2a_mphys *ph)
{
    if (n < 35)
        return -1;
    memset(ph, 0, sizeof *ph);
    *hobtid = b2a__rd64(f);
    *hbcolid = b2a__rd32(f + 8);
    ph->status = b2a__rd32(f + 12);
    ph->ti = b2a__rd32(f + 18);
    ph->leaf_off = (int16_t)b2a__rd16(f + 27);
    ph->bitpos = f[31];
    ph->nullbit = b2a__rd16(f + 33);
    return 0;
}

static int on_hbc05(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 35);
    hbc05_row c;
    if (!f || b2a__catalog_hbc05_layout(f, 35, &c.hobtid, &c.hbcolid, &c.ph) != 0)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short syshobtcolumns row");
    VEC_PUSH(L->hbc05, c, err);
    return 0;
}

static int cmp_hbc05(const void *a, const void *b)
{
    const hbc05_row *x = a, *y = b;
    if (x->hobtid != y->hobtid)
        return x->hobtid < y->hobtid ? -1 : 1;
    return x->hbcolid < y->hbcolid ? -1 : x->hbcolid > y->hbcolid;
}

/* Bit columns of one rowset ordered by their byte and bit. */
static int cmp_bitcol(const void *a, const void *b)
{
    const rsc_row *x = a, *y = b;
    if (x->rsid != y->rsid)
        return x->rsid < y->rsid ? -1 : 1;
    if (x->ph.leaf_off != y->ph.leaf_off)
        return x->ph.leaf_off < y->ph.leaf_off ? -1 : 1;
    return (x->ph.bitpos & 7) < (y->ph.bitpos & 7) ? -1 : (x->ph.bitpos & 7) > (y->ph.bitpos & 7);
}

/* Two bit columns of a rowset in the same bit would read the same value:
 * the layout was misread, so refuse rather than guess. */
static int check_bits(const loader *L, size_t from, b2a_err *err)
{
    size_t n = 0;
    for (size_t i = from; i < L->rsc.n; i++)
        n += (L->rsc.v[i].ph.ti & 0xFF) == 104 && L->rsc.v[i].ph.leaf_off > 0;
    if (n < 2)
        return 0;
    rsc_row *bits = malloc(n * sizeof *bits);
    if (!bits)
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_OS, "out of memory");
    n = 0;
    for (size_t i = from; i < L->rsc.n; i++)
        if ((L->rsc.v[i].ph.ti & 0xFF) == 104 && L->rsc.v[i].ph.leaf_off > 0)
            bits[n++] = L->rsc.v[i];
    qsort(bits, n, sizeof *bits, cmp_bitcol);
    int rc = 0;
    for (size_t i = 1; i < n && !rc; i++)
        if (cmp_bitcol(&bits[i - 1], &bits[i]) == 0)
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "the SQL Server 2005 catalog places bit columns %u and %u of rowset %llu "
                              "in the same bit (byte %d, bit %u): this reader cannot tell their values apart",
                              bits[i - 1].ph.colid, bits[i].ph.colid, (unsigned long long)bits[i].rsid,
                              bits[i].ph.leaf_off, bits[i].ph.bitpos & 7u);
    free(bits);
    return rc;
}

/* The 2005 layout as sysrscols rows: each rowset column joined with its
 * hobt column (a 2005 rowset's hobt id is its rowset id [measured]), by a
 * binary search over the hobt columns sorted once: n log n. */
static int join_2005(loader *L, b2a_err *err)
{
    size_t from = L->rsc.n;
    qsort(L->hbc05.v, L->hbc05.n, sizeof *L->hbc05.v, cmp_hbc05);
    for (size_t i = 0; i < L->rsc05.n; i++) {
        const rsc05_row *c = &L->rsc05.v[i];
        if (c->rscolid & 0x0C000000) /* dropped or internal, as in sysrscols */
            continue;
        hbc05_row key;
        key.hobtid = c->rsid;
        key.hbcolid = c->hbcolid;
        const hbc05_row *h = L->hbc05.n ? bsearch(&key, L->hbc05.v, L->hbc05.n, sizeof key, cmp_hbc05) : NULL;
        if (!h)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "the SQL Server 2005 catalog has no layout (syshobtcolumns) for column %u of rowset %llu",
                                c->rscolid & 0xFFFF, (unsigned long long)c->rsid);
        rsc_row out = { c->rsid, h->ph };
        out.ph.colid = (uint16_t)(c->rscolid & 0xFFFF);
        VEC_PUSH(L->rsc, out, err);
    }
    return check_bits(L, from, err);
}

static int on_named(loader *L, const b2a_rec *r, b2a_err *err, int which)
{
    named_row n;
    if (which == OBJ_SYSCLSOBJS) {
        const uint8_t *f = b2a__rec_fixed(r, 4, 5);
        if (!f || f[0] != 50) /* class 50: schemas */
            return 0;
        n.id = (int32_t)b2a__rd32(f + 1);
    } else {
        const uint8_t *f = b2a__rec_fixed(r, 4, 4);
        if (!f)
            return 0;
        n.id = (int32_t)b2a__rd32(f);
    }
    if (!(n.name = var_name(r, 0)))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory");
    if (which == OBJ_SYSCLSOBJS)
        VEC_PUSH(L->schemas, n, err);
    else
        VEC_PUSH(L->types, n, err);
    return 0;
}
/* sysidxstats: id @0, indid @4, status @8; only primary keys are kept. */
static int on_idx(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 12);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysidxstats row");
    idx_row x = { (int32_t)b2a__rd32(f), (int32_t)b2a__rd32(f + 4), b2a__rd32(f + 8) };
    if (x.status & IDX_PRIMARY_KEY)
        VEC_PUSH(L->pkidx, x, err);
    return 0;
}

/* sysiscols: idmajor @0, idminor @4, subid @8 (position in the key),
 * status @12, intprop @16 (syscolpars.colid). */
static int on_isc(loader *L, const b2a_rec *r, b2a_err *err)
{
    const uint8_t *f = b2a__rec_fixed(r, 4, 20);
    if (!f)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "short sysiscols row");
    isc_row c = { (int32_t)b2a__rd32(f), (int32_t)b2a__rd32(f + 4), (int32_t)b2a__rd32(f + 8),
                  (int32_t)b2a__rd32(f + 16) };
    VEC_PUSH(L->iscols, c, err);
    return 0;
}

static int on_schema(loader *L, const b2a_rec *r, b2a_err *err) { return on_named(L, r, err, OBJ_SYSCLSOBJS); }
static int on_type(loader *L, const b2a_rec *r, b2a_err *err) { return on_named(L, r, err, OBJ_SYSSCALARTYPES); }

static const au_row *find_au(const loader *L, uint64_t owner, uint8_t type)
{
    for (size_t i = 0; i < L->au.n; i++)
        if (L->au.v[i].ownerid == owner && L->au.v[i].type == type)
            return &L->au.v[i];
    return NULL;
}

/* First IAM page of a system table's in-row data (clustered, idminor 1). */
static int system_iam(const loader *L, int32_t objid, b2a_pgid *out)
{
    for (size_t i = 0; i < L->rs.n; i++) {
        if (L->rs.v[i].idmajor == objid && L->rs.v[i].idminor == 1) {
            const au_row *a = find_au(L, L->rs.v[i].rowsetid, 1);
            if (a && a->first_iam.page) {
                *out = a->first_iam;
                return 0;
            }
        }
    }
    return -1;
}

static int read_boot(loader *L, b2a_mcatalog *cat, b2a_pgid *sysalloc, b2a_err *err)
{
    uint8_t pg[B2A_PG_SIZE];
    int rc = b2a__bak_pages_get(L->ps, 1, BOOT_PAGE, pg, err);
    if (rc == B2A_ENOTFOUND)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "the boot page (1:9) is not in the backup, so its catalog cannot be read");
    if (rc < 0)
        return rc;
    const uint8_t *r;
    size_t maxlen;
    if (b2a__page_type(pg) != B2A_PG_BOOT)
        return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                            "page (1:9) is not a boot page (type %u)", b2a__page_type(pg));
    /* A clear header over an unreadable body is what TDE looks like. */
    if (b2a__page_record(pg, 0, &r, &maxlen) != 0 || r != pg + B2A_PG_HDR || maxlen < 4 + 518 ||
        (r[0] & 0x0E) != 0 || b2a__rd16(r + 2) < 4 + 518)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "the boot page (1:9) has a valid header but an unreadable body: the database "
                            "is probably encrypted with TDE, which this reader cannot decrypt");
    cat->dbi_version = b2a__rd16(r + 4);
    cat->create_version = b2a__rd16(r + 6);
    cat->dbi_status = b2a__rd32(r + 4 + 32);
    /* name nchar(128) at fixed +48, padded with 0x20 bytes (U+2020). */
    const uint8_t *nm = r + 4 + 48;
    size_t n = 256;
    while (n >= 2 && ((nm[n - 2] == 0x20 && nm[n - 1] == 0x20) || (nm[n - 2] == 0 && nm[n - 1] == 0) ||
                      (nm[n - 2] == 0x20 && nm[n - 1] == 0)))
        n -= 2;
    b2a_mbuf b = { 0 };
    if (b2a__utf16le_to_utf8(nm, n, &b) < 0 || b2a__mbuf_append(&b, "", 0) < 0) {
        b2a__mbuf_free(&b);
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory");
    }
    b.p[b.n] = 0;
    cat->dbname = (char *)b.p;
    *sysalloc = b2a__rdpgid(pg + BOOT_SYSALLOC_PTR);
    if (cat->dbi_version < 611)
        return b2a__err_set(err, B2A_EUNSUPPORTED, B2A_ERRCLASS_READER,
                            "database version %u (older than SQL Server 2005) has a catalog this reader does not read",
                            cat->dbi_version);
    return 0;
}

/* sysallocunits is found by its first page and its next-page chain. */
static int read_sysallocunits(loader *L, b2a_pgid first, b2a_err *err)
{
    uint8_t pg[B2A_PG_SIZE];
    uint32_t hops = 0, lim = b2a__bak_pages_limit(L->ps, first.file) + 1;
    b2a_pgid id = first;
    while (id.page != 0) {
        if (++hops > lim)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "sysallocunits page chain loops");
        int rc = b2a__bak_pages_get(L->ps, id.file, id.page, pg, err);
        if (rc == B2A_ENOTFOUND)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "sysallocunits page (%u:%u) is not in the backup", id.file, id.page);
        if (rc < 0)
            return rc;
        if (b2a__page_type(pg) != B2A_PG_DATA)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "sysallocunits page (%u:%u) has type %u", id.file, id.page, b2a__page_type(pg));
        if ((rc = page_records(L, pg, on_au, err)) < 0)
            return rc;
        id = b2a__page_next(pg);
    }
    return 0;
}

static int cmp_table(const void *a, const void *b)
{
    const b2a_mtable *x = a, *y = b;
    int c = strcmp(x->def.schema, y->def.schema);
    return c ? c : strcmp(x->def.name, y->def.name);
}

static int cmp_col(const void *a, const void *b)
{
    const col_row *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->colid < y->colid ? -1 : x->colid > y->colid;
}

static const char *schema_name(const loader *L, int32_t nsid)
{
    for (size_t i = 0; i < L->schemas.n; i++)
        if (L->schemas.v[i].id == nsid)
            return L->schemas.v[i].name;
    switch (nsid) {
    case 1: return "dbo";
    case 2: return "guest";
    case 3: return "INFORMATION_SCHEMA";
    case 4: return "sys";
    default: return "dbo";
    }
}

static const char *alias_name(const loader *L, int32_t utype)
{
    /* The CLR types shipped with the server have fixed ids. */
    switch (utype) {
    case 128: return "hierarchyid";
    case 129: return "geometry";
    case 130: return "geography";
    default: break;
    }
    if (utype <= 256)
        return NULL;
    for (size_t i = 0; i < L->types.n; i++)
        if (L->types.v[i].id == utype)
            return L->types.v[i].name;
    return NULL;
}

/* The table's PRIMARY KEY columns in key order, as def column indexes. */
static int primary_key(const loader *L, b2a_mtable *t, b2a_err *err)
{
    const idx_row *pk = NULL;
    for (size_t i = 0; i < L->pkidx.n && !pk; i++)
        if (L->pkidx.v[i].id == t->objid)
            pk = &L->pkidx.v[i];
    if (!pk)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < L->iscols.n; i++)
        n += L->iscols.v[i].idmajor == t->objid && L->iscols.v[i].idminor == pk->indid;
    if (!n)
        return 0;
    if (!(t->pk = calloc(n, sizeof *t->pk)))
        return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory building the catalog");
    /* subid 1..n is the column's position in the key. */
    for (int32_t sub = 1; (size_t)sub <= n; sub++) {
        const isc_row *c = NULL;
        for (size_t i = 0; i < L->iscols.n && !c; i++) {
            const isc_row *x = &L->iscols.v[i];
            if (x->idmajor == t->objid && x->idminor == pk->indid && x->subid == sub)
                c = x;
        }
        size_t k = t->def.ncolumns;
        for (size_t j = 0; c && j < t->def.ncolumns && k == t->def.ncolumns; j++)
            if (t->colids[j] == c->colid)
                k = j;
        if (k == t->def.ncolumns)
            return b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                                "table %s.%s: column %d of its primary key is not a column of the table",
                                t->def.schema, t->def.name, sub);
        t->pk[t->npk++] = k;
    }
    return 0;
}

static int build_table(const loader *L, const obj_row *o, b2a_mtable *t, b2a_err *err)
{
    memset(t, 0, sizeof *t);
    t->objid = o->id;
    t->def.row_count = 0;
    if (!(t->def.schema = b2a__strdup(schema_name(L, o->nsid))) || !(t->def.name = b2a__strdup(o->name)))
        goto oom;
    /* Partitions of the heap or clustered index. */
    for (size_t i = 0; i < L->rs.n; i++) {
        const rs_row *s = &L->rs.v[i];
        if (s->idmajor != o->id || (s->idminor != 0 && s->idminor != 1))
            continue;
        b2a_mrowset *nr = realloc(t->rowsets, (t->nrowsets + 1) * sizeof *nr);
        if (!nr)
            goto oom;
        t->rowsets = nr;
        b2a_mrowset *rs = &t->rowsets[t->nrowsets++];
        memset(rs, 0, sizeof *rs);
        rs->rowsetid = s->rowsetid;
        rs->idminor = s->idminor;
        rs->rcrows = s->rcrows;
        rs->cmprlevel = s->cmpr;
        const au_row *a = find_au(L, s->rowsetid, 1);
        if (a)
            rs->first_iam = a->first_iam;
        t->def.row_count += s->rcrows;
        for (size_t k = 0; k < L->rsc.n; k++) {
            if (L->rsc.v[k].rsid != s->rowsetid)
                continue;
            b2a_mphys *np = realloc(rs->phys, (rs->nphys + 1) * sizeof *np);
            if (!np)
                goto oom;
            rs->phys = np;
            rs->phys[rs->nphys++] = L->rsc.v[k].ph;
        }
    }
    if (t->nrowsets == 0)
        t->def.row_count = -1;
    /* Columns in colid order; computed columns that are not stored have
     * no physical column and are left out. */
    size_t first = 0;
    while (first < L->col.n && L->col.v[first].id < o->id)
        first++;
    size_t n = 0;
    while (first + n < L->col.n && L->col.v[first + n].id == o->id)
        n++;
    t->def.columns = calloc(n ? n : 1, sizeof *t->def.columns);
    t->types = calloc(n ? n : 1, sizeof *t->types);
    t->colids = calloc(n ? n : 1, sizeof *t->colids);
    t->colflags = calloc(n ? n : 1, sizeof *t->colflags);
    if (!t->def.columns || !t->types || !t->colids || !t->colflags)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const col_row *c = &L->col.v[first + i];
        /* A column set is an xml view over the sparse columns, not stored. */
        if (c->status & B2A_COLPAR_COLSET) {
            t->colset = 1;
            continue;
        }
        /* Sparse columns live in the sparse vector, whatever sysrscols says. */
        int sparse = (c->status & B2A_COLPAR_SPARSE) != 0;
        if (t->nrowsets && !sparse && !b2a__rowset_phys(&t->rowsets[0], (uint16_t)c->colid))
            continue;
        size_t k = t->def.ncolumns;
        t->colflags[k] = sparse ? B2A_MCOL_SPARSE : 0;
        b2a_mtype *ty = &t->types[k];
        ty->xtype = c->xtype;
        ty->length = c->length;
        ty->prec = c->prec;
        ty->scale = c->scale;
        ty->codepage = b2a__collation_codepage(c->coll);
        t->colids[k] = (uint16_t)c->colid;
        b2a_column *col = &t->def.columns[k];
        col->nullable = !(c->status & COLPAR_NOT_NULL);
        t->def.ncolumns++; /* counted first so a failure below frees it */
        if (!(col->name = b2a__strdup(c->name)) || b2a__mtype_describe(ty, alias_name(L, c->utype), col) < 0)
            goto oom;
    }
    return primary_key(L, t, err);
oom:
    return b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory building the catalog");
}

static void loader_free(loader *L)
{
    for (size_t i = 0; i < L->obj.n; i++)
        free(L->obj.v[i].name);
    for (size_t i = 0; i < L->col.n; i++)
        free(L->col.v[i].name);
    for (size_t i = 0; i < L->types.n; i++)
        free(L->types.v[i].name);
    for (size_t i = 0; i < L->schemas.n; i++)
        free(L->schemas.v[i].name);
    free(L->au.v);
    free(L->rs.v);
    free(L->obj.v);
    free(L->col.v);
    free(L->rsc.v);
    free(L->types.v);
    free(L->schemas.v);
    free(L->pkidx.v);
    free(L->iscols.v);
    free(L->rsc05.v);
    free(L->hbc05.v);
}

int b2a__catalog_load(b2a_bak_pages *ps, b2a_mcatalog *cat, b2a_err *err)
{
    loader L;
    memset(&L, 0, sizeof L);
    memset(cat, 0, sizeof *cat);
    L.ps = ps;
    b2a_pgid sa, iam;
    int rc = read_boot(&L, cat, &sa, err);
    if (rc < 0)
        goto out;
    if ((rc = read_sysallocunits(&L, sa, err)) < 0)
        goto out;
    /* sysrowsets' allocation unit id is fixed. */
    const au_row *rsau = NULL;
    for (size_t i = 0; i < L.au.n; i++)
        if (L.au.v[i].auid == ((uint64_t)OBJ_SYSROWSETS << 16))
            rsau = &L.au.v[i];
    if (!rsau) {
        rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER, "sysallocunits has no row for sysrowsets");
        goto out;
    }
    if ((rc = scan_au(&L, rsau->first_iam, "sysrowsets", on_rs, err)) < 0)
        goto out;
    /* SQL Server 2008 and later keep the physical layout in sysrscols;
     * 2005 in sysrowsetcolumns plus syshobtcolumns. */
    int v2005 = system_iam(&L, OBJ_SYSRSCOLS, &iam) < 0 && system_iam(&L, OBJ_SYSROWSETCOLUMNS, &iam) == 0;
    static const struct { int32_t obj; const char *name, *what; rec_cb cb; int required; } sys[] = {
        { OBJ_SYSSCHOBJS, "sysschobjs", "the tables", on_obj, 1 },
        { OBJ_SYSCOLPARS, "syscolpars", "the columns", on_col, 1 },
        { OBJ_SYSRSCOLS, "sysrscols", "where each column is stored in a row", on_rsc, 1 },
        { OBJ_SYSROWSETCOLUMNS, "sysrowsetcolumns", "where each column is stored in a row", on_rsc05, 1 },
        { OBJ_SYSHOBTCOLUMNS, "syshobtcolumns", "where each column is stored in a row", on_hbc05, 1 },
        { OBJ_SYSSCALARTYPES, "sysscalartypes", "", on_type, 0 },
        { OBJ_SYSCLSOBJS, "sysclsobjs", "", on_schema, 0 },
        { OBJ_SYSIDXSTATS, "sysidxstats", "", on_idx, 0 },
        { OBJ_SYSISCOLS, "sysiscols", "", on_isc, 0 },
    };
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
        int layout05 = sys[i].obj == OBJ_SYSROWSETCOLUMNS || sys[i].obj == OBJ_SYSHOBTCOLUMNS;
        if ((sys[i].obj == OBJ_SYSRSCOLS && v2005) || (layout05 && !v2005))
            continue;
        if (system_iam(&L, sys[i].obj, &iam) < 0) {
            if (!sys[i].required)
                continue;
            rc = b2a__err_set(err, B2A_EFORMAT, B2A_ERRCLASS_READER,
                              "the database catalog is incomplete: its system table %s (which describes %s) "
                              "is not in the backup", sys[i].name, sys[i].what);
            goto out;
        }
        if ((rc = scan_au(&L, iam, sys[i].name, sys[i].cb, err)) < 0)
            goto out;
    }
    if (v2005 && (rc = join_2005(&L, err)) < 0)
        goto out;
    qsort(L.col.v, L.col.n, sizeof *L.col.v, cmp_col);
    cat->tables = calloc(L.obj.n ? L.obj.n : 1, sizeof *cat->tables);
    if (!cat->tables) {
        rc = b2a__err_set(err, B2A_ENOMEM, B2A_ERRCLASS_READER, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < L.obj.n; i++) {
        rc = build_table(&L, &L.obj.v[i], &cat->tables[cat->ntables++], err);
        if (rc < 0)
            goto out;
    }
    qsort(cat->tables, cat->ntables, sizeof *cat->tables, cmp_table);
    rc = 0;
out:
    loader_free(&L);
    if (rc < 0)
        b2a__catalog_free(cat);
    return rc;
}

const b2a_mphys *b2a__rowset_phys(const b2a_mrowset *rs, uint16_t colid)
{
    for (size_t i = 0; i < rs->nphys; i++)
        if (rs->phys[i].colid == colid)
            return &rs->phys[i];
    return NULL;
}

void b2a__catalog_free(b2a_mcatalog *cat)
{
    for (size_t i = 0; i < cat->ntables; i++) {
        b2a_mtable *t = &cat->tables[i];
        b2a__table_def_clear(&t->def);
        free(t->types);
        free(t->colids);
        free(t->colflags);
        free(t->pk);
        for (size_t k = 0; k < t->nrowsets; k++)
            free(t->rowsets[k].phys);
        free(t->rowsets);
    }
    free(cat->tables);
    free(cat->dbname);
    memset(cat, 0, sizeof *cat);
}
