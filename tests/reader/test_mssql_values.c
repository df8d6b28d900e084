/* SQL Server values the direct reader renders as text so it agrees with the
 * container path: xml ([MS-BINXML] -> CONVERT(nvarchar(max))), hierarchyid
 * ([MS-SSCLRT] §2.4 -> ToString()) and geometry/geography ([MS-SSCLRT]
 * §2.1 -> STAsText()). Inputs are hand-made bytes; where a spec gives a
 * worked example, that example is used and named. No sample backup holds
 * these types, so nothing here is checked against a live server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bak2avro/errors.h"
#include "odbc/introspect_sqlserver.h"
#include "reader/mssql/binxml.h"
#include "reader/mssql/clrspatial.h"
#include "reader/mssql/hierarchyid.h"
#include "reader/mssql/types.h"

/* ---- a byte builder ---- */

typedef struct bytes {
    uint8_t b[8192];
    size_t n;
} bytes;

static void add(bytes *x, const void *p, size_t n)
{
    assert_true(x->n + n <= sizeof x->b);
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void u8(bytes *x, unsigned v) { uint8_t c = (uint8_t)v; add(x, &c, 1); }
static void u32(bytes *x, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        u8(x, (v >> (8 * i)) & 0xFF);
}
static void f64(bytes *x, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    for (int i = 0; i < 8; i++)
        u8(x, (unsigned)(u >> (8 * i)) & 0xFF);
}
static void mb32(bytes *x, uint32_t v)
{
    do {
        u8(x, (v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
}
static void hex(bytes *x, const char *h)
{
    x->n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        u8(x, v);
    }
}
/* mb32 length in UTF-16 units, then UTF-16LE of an ASCII/Latin-1 string. */
static void utf16(bytes *x, const char *s)
{
    mb32(x, (uint32_t)strlen(s));
    for (; *s; s++)
        u8(x, (uint8_t)*s), u8(x, 0);
}

/* ---- hierarchyid ---- */

static char *hid(const uint8_t *p, size_t n, int *rc, char *why)
{
    static b2a_mbuf out;
    out.n = 0;
    *rc = b2a__hierarchyid_text(p, n, &out, why, 256);
    if (b2a__mbuf_append(&out, "", 0) < 0)
        return NULL;
    out.p[out.n] = 0;
    return (char *)out.p;
}

static void expect_hid(const uint8_t *p, size_t n, const char *want)
{
    int rc;
    char why[256] = "";
    char *got = hid(p, n, &rc, why);
    if (rc != B2A_OK)
        fail_msg("hierarchyid for %s failed: %s", want, why);
    assert_string_equal(got, want);
}

static void expect_hid_error(const uint8_t *p, size_t n, const char *needle)
{
    int rc;
    char why[256] = "";
    hid(p, n, &rc, why);
    assert_int_equal(rc, B2A_EFORMAT);
    if (!strstr(why, needle))
        fail_msg("message \"%s\" lacks \"%s\"", why, needle);
}

static void test_hierarchyid(void **state)
{
    (void)state;
    /* [MS-SSCLRT] §3.2 HIERARCHYID Structure, "The root node": no bytes. */
    expect_hid(NULL, 0, "/");
    /* §3.2 Example 1: /1/ is 01011000. */
    expect_hid((const uint8_t[]){ 0x58 }, 1, "/1/");
    /* §3.2 Example 2: /1/-2.18/ is 01011001 11111011 00000101 01000000. */
    expect_hid((const uint8_t[]){ 0x59, 0xFB, 0x05, 0x40 }, 4, "/1/-2.18/");
    /* Hand-encoded from the §2.4 range table: */
    expect_hid((const uint8_t[]){ 0x48 }, 1, "/0/");                /* 01 00 1 */
    expect_hid((const uint8_t[]){ 0x78 }, 1, "/3/");                /* 01 11 1 */
    expect_hid((const uint8_t[]){ 0x84 }, 1, "/4/");                /* 100 00 1 */
    expect_hid((const uint8_t[]){ 0xBE }, 1, "/15/");               /* 101 111 1 */
    expect_hid((const uint8_t[]){ 0x3F, 0x80 }, 2, "/-1/");         /* 00111 111 1 */
    expect_hid((const uint8_t[]){ 0x38, 0x80 }, 2, "/-8/");         /* 00111 000 1 */
    expect_hid((const uint8_t[]){ 0x5B, 0xC0 }, 2, "/1/3/");        /* 01 01 1, 01 11 1 */
    /* a dotted label is stored one greater: 0 with F=0 is coded as 1 */
    expect_hid((const uint8_t[]){ 0x52, 0xC0 }, 2, "/0.1/");        /* 01 01 0, 01 01 1 */
    /* 16..79: 110 xx 0 x 1 xxx F; 79 = offset 63 = 11 1 111 */
    expect_hid((const uint8_t[]){ 0xDB, 0xF0 }, 2, "/79/");         /* 110 11 0 1 1 111 1 */
    /* -72..-9: 0010 xx 0 x 1 xxx F; -72 is offset 0 */
    expect_hid((const uint8_t[]){ 0x20, 0x88 }, 2, "/-72/");        /* 0010 00 0 0 1 000 1 */
    /* 5200..: 111110, 19 x, 0, 6 x, 0, 3 x, 0, x, 1, 3 x, F; offset 0 */
    expect_hid((const uint8_t[]){ 0xF8, 0x00, 0x00, 0x00, 0x02, 0x20 }, 6, "/5200/");
    /* trailing zero bytes are padding */
    expect_hid((const uint8_t[]){ 0x58, 0x00 }, 2, "/1/");

    /* malformed */
    expect_hid_error((const uint8_t[]){ 0xFC }, 1, "truncated label");
    expect_hid_error((const uint8_t[]){ 0x50 }, 1, "does not end its level"); /* 01 01 0 then padding */
    expect_hid_error((const uint8_t[]){ 0xDF, 0xF0 }, 2, "fixed bit");        /* 110 11 1(!) 1 1 111 1 */
    expect_hid_error((const uint8_t[]){ 0x04, 0x00 }, 2, "no label");         /* 000001: no range */
    uint8_t big[900];
    memset(big, 0x58, sizeof big);
    expect_hid_error(big, sizeof big, "892");
}

/* ---- geometry / geography ---- */

static char *wkt(const bytes *x, int geography, int *rc, char *why)
{
    static b2a_mbuf out;
    out.n = 0;
    *rc = b2a__clrspatial_wkt(x->b, x->n, geography, &out, why, 256);
    if (b2a__mbuf_append(&out, "", 0) < 0)
        return NULL;
    out.p[out.n] = 0;
    return (char *)out.p;
}

static void expect_wkt(const bytes *x, int geography, const char *want)
{
    int rc;
    char why[256] = "";
    char *got = wkt(x, geography, &rc, why);
    if (rc != B2A_OK)
        fail_msg("WKT for %s failed: %s", want, why);
    assert_string_equal(got, want);
}

static void expect_wkt_error(const bytes *x, int code, const char *needle)
{
    int rc;
    char why[256] = "";
    wkt(x, 0, &rc, why);
    assert_int_equal(rc, code);
    if (!strstr(why, needle))
        fail_msg("message \"%s\" lacks \"%s\"", why, needle);
}

/* SRID, version, properties: the 6-byte head of every value. */
static void head(bytes *x, uint32_t srid, unsigned version, unsigned props)
{
    x->n = 0;
    u32(x, srid);
    u8(x, version);
    u8(x, props);
}
static void fig(bytes *x, unsigned attr, uint32_t point) { u8(x, attr); u32(x, point); }
static void shape(bytes *x, int32_t parent, int32_t figure, unsigned type)
{
    u32(x, (uint32_t)parent);
    u32(x, (uint32_t)figure);
    u8(x, type);
}
static void pts(bytes *x, const double *v, size_t npairs)
{
    u32(x, (uint32_t)npairs);
    for (size_t i = 0; i < 2 * npairs; i++)
        f64(x, v[i]);
}

static void test_spatial(void **state)
{
    (void)state;
    bytes x;
    /* [MS-SSCLRT] §2.1: single point (P|V = 0x0C): geometry x then y. */
    head(&x, 0, 1, 0x0C);
    f64(&x, 5), f64(&x, 10);
    expect_wkt(&x, 0, "POINT (5 10)");
    /* geography stores latitude first; WKT prints longitude latitude */
    head(&x, 4326, 1, 0x0C);
    f64(&x, 47.651), f64(&x, -122.349);
    expect_wkt(&x, 1, "POINT (-122.349 47.651)");
    /* Z present (Z|V|P = 0x0D): STAsText leaves it out */
    head(&x, 0, 1, 0x0D);
    f64(&x, 1), f64(&x, 2), f64(&x, 3);
    expect_wkt(&x, 0, "POINT (1 2)");
    /* single line segment (L|V = 0x14) */
    head(&x, 0, 1, 0x14);
    f64(&x, 0), f64(&x, 0), f64(&x, 2), f64(&x, 3);
    expect_wkt(&x, 0, "LINESTRING (0 0, 2 3)");
    /* polygon with a hole: two figures (exterior 2, interior 0) */
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 0, 0, 10, 0, 10, 10, 0, 10, 0, 0, 2, 2, 3, 2, 3, 3, 2, 2 }, 9);
    u32(&x, 2), fig(&x, 2, 0), fig(&x, 0, 5);
    u32(&x, 1), shape(&x, -1, 0, 3);
    expect_wkt(&x, 0, "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))");
    /* multipoint: members untagged in parentheses */
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 1, 2, 3, 4 }, 2);
    u32(&x, 2), fig(&x, 1, 0), fig(&x, 1, 1);
    u32(&x, 3), shape(&x, -1, 0, 4), shape(&x, 0, 0, 1), shape(&x, 0, 1, 1);
    expect_wkt(&x, 0, "MULTIPOINT ((1 2), (3 4))");
    /* multilinestring */
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 0, 0, 1, 1, 2, 2, 3, 3 }, 4);
    u32(&x, 2), fig(&x, 1, 0), fig(&x, 1, 2);
    u32(&x, 3), shape(&x, -1, 0, 5), shape(&x, 0, 0, 2), shape(&x, 0, 1, 2);
    expect_wkt(&x, 0, "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))");
    /* multipolygon of two triangles */
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 0, 0, 1, 0, 0, 1, 0, 0, 5, 5, 6, 5, 5, 6, 5, 5 }, 8);
    u32(&x, 2), fig(&x, 2, 0), fig(&x, 2, 4);
    u32(&x, 3), shape(&x, -1, 0, 6), shape(&x, 0, 0, 3), shape(&x, 0, 1, 3);
    expect_wkt(&x, 0, "MULTIPOLYGON (((0 0, 1 0, 0 1, 0 0)), ((5 5, 6 5, 5 6, 5 5)))");
    /* collection holding a point, an empty point and a line; nested collection */
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 1, 2, 0, 0, 1.5, -1 }, 3);
    u32(&x, 2), fig(&x, 1, 0), fig(&x, 1, 1);
    u32(&x, 5), shape(&x, -1, 0, 7), shape(&x, 0, 0, 1), shape(&x, 0, -1, 1), shape(&x, 0, 1, 7),
        shape(&x, 3, 1, 2);
    expect_wkt(&x, 0, "GEOMETRYCOLLECTION (POINT (1 2), POINT EMPTY, GEOMETRYCOLLECTION (LINESTRING (0 0, 1.5 -1)))");
    /* empties */
    head(&x, 0, 1, 0x04);
    pts(&x, NULL, 0);
    u32(&x, 0), u32(&x, 1), shape(&x, -1, -1, 7);
    expect_wkt(&x, 0, "GEOMETRYCOLLECTION EMPTY");
    head(&x, 4326, 1, 0x04);
    pts(&x, NULL, 0);
    u32(&x, 0), u32(&x, 1), shape(&x, -1, -1, 1);
    expect_wkt(&x, 1, "POINT EMPTY");
    /* version 2: a circular arc (figure attribute 2), no segments */
    head(&x, 0, 2, 0x04);
    pts(&x, (const double[]){ 0, 0, 1, 1, 2, 0 }, 3);
    u32(&x, 1), fig(&x, 2, 0);
    u32(&x, 1), shape(&x, -1, 0, 8);
    u32(&x, 0);
    expect_wkt(&x, 0, "CIRCULARSTRING (0 0, 1 1, 2 0)");
    /* version 2 FULLGLOBE (geography) */
    head(&x, 4326, 2, 0x04);
    pts(&x, NULL, 0);
    u32(&x, 0), u32(&x, 1), shape(&x, -1, -1, 11), u32(&x, 0);
    expect_wkt(&x, 1, "FULLGLOBE");

    /* refused, clearly */
    head(&x, 0, 2, 0x04);
    pts(&x, (const double[]){ 0, 0, 1, 1, 2, 0 }, 3);
    u32(&x, 1), fig(&x, 3, 0);
    u32(&x, 1), shape(&x, -1, 0, 9);
    u32(&x, 1), u8(&x, 2);
    expect_wkt_error(&x, B2A_EUNSUPPORTED, "COMPOUNDCURVE");
    x.n = 5;
    expect_wkt_error(&x, B2A_EFORMAT, "at least 6");
    head(&x, 0, 3, 0x0C);
    f64(&x, 5), f64(&x, 10);
    expect_wkt_error(&x, B2A_EFORMAT, "version 3");
    head(&x, 0, 1, 0x0C);
    f64(&x, 5);
    expect_wkt_error(&x, B2A_EFORMAT, "single-point");
    head(&x, 0, 1, 0x04);
    u32(&x, 0x10000000u); /* more points than bytes */
    expect_wkt_error(&x, B2A_EFORMAT, "truncated");
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 1, 2 }, 1);
    u32(&x, 1), fig(&x, 1, 7); /* figure beyond the points */
    u32(&x, 1), shape(&x, -1, 0, 1);
    expect_wkt_error(&x, B2A_EFORMAT, "figure 0");
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 1, 2 }, 1);
    u32(&x, 1), fig(&x, 1, 0);
    u32(&x, 2), shape(&x, -1, 0, 7), shape(&x, 5, 0, 1); /* parent after itself */
    expect_wkt_error(&x, B2A_EFORMAT, "shape 1");
    head(&x, 0, 1, 0x04);
    pts(&x, (const double[]){ 1, 2 }, 1);
    u32(&x, 1), fig(&x, 1, 0);
    u32(&x, 1), shape(&x, -1, 0, 42);
    expect_wkt_error(&x, B2A_EFORMAT, "unknown shape type");
    /* collections nested 100 deep: refused, not recursed into */
    head(&x, 0, 1, 0x04);
    pts(&x, NULL, 0);
    u32(&x, 0), u32(&x, 100);
    for (int i = 0; i < 100; i++)
        shape(&x, i - 1, -1, 7);
    expect_wkt_error(&x, B2A_EFORMAT, "nested too deep");
}

static void expect_num(double v, const char *want)
{
    char buf[40];
    b2a__clrspatial_number(v, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_spatial_numbers(void **state)
{
    (void)state;
    /* .NET's "R": 15 significant digits when they read back exactly... */
    expect_num(0.1, "0.1");
    expect_num(-122.349, "-122.349");
    expect_num(-64.8040519990027, "-64.8040519990027");
    /* ...else 17, as in STAsText output quoted on forums (18.366768000647426) */
    expect_num(18.366768000647426, "18.366768000647426");
    expect_num(1.0 / 3.0, "0.33333333333333331");
    expect_num(1e20, "1E+20");
    expect_num(1.5e-7, "1.5E-07");
    expect_num(-0.0, "0");
    expect_num(123456789012345.0, "123456789012345");
}

/* ---- binary XML ---- */

static char *bxml(const bytes *x, int *rc, char *why)
{
    static b2a_mbuf out;
    out.n = 0;
    *rc = b2a__binxml_text(x->b, x->n, &out, why, 256);
    if (b2a__mbuf_append(&out, "", 0) < 0)
        return NULL;
    out.p[out.n] = 0;
    return (char *)out.p;
}

static void expect_xml(const bytes *x, const char *want)
{
    int rc;
    char why[256] = "";
    char *got = bxml(x, &rc, why);
    if (rc != B2A_OK)
        fail_msg("binary XML for %s failed: %s", want, why);
    assert_string_equal(got, want);
}

static void expect_xml_error(const bytes *x, int code, const char *needle)
{
    int rc;
    char why[256] = "";
    bxml(x, &rc, why);
    if (rc != code)
        fail_msg("code %d, wanted %d (%s)", rc, code, why);
    if (!strstr(why, needle))
        fail_msg("message \"%s\" lacks \"%s\"", why, needle);
}

/* [MS-BINXML] header: signature DF FF, version 1, code page 1200. */
static void xhead(bytes *x)
{
    x->n = 0;
    u8(x, 0xDF), u8(x, 0xFF), u8(x, 0x01), u8(x, 0xB0), u8(x, 0x04);
}
static void name(bytes *x, const char *s) { u8(x, 0xF0); utf16(x, s); }
static void qname(bytes *x, uint32_t ns, uint32_t prefix, uint32_t local)
{
    u8(x, 0xEF), mb32(x, ns), mb32(x, prefix), mb32(x, local);
}
static void nvarchar(bytes *x, const char *s) { u8(x, 0x11); utf16(x, s); }

static void test_binxml(void **state)
{
    (void)state;
    bytes x;
    /* <root a="1&amp;">text &lt; x</root>, with ENDATTRIBUTES after the
     * attributes: names 1 root, 2 a; qnames 1 root, 2 a */
    xhead(&x);
    name(&x, "root"), name(&x, "a"), qname(&x, 0, 0, 1), qname(&x, 0, 0, 2);
    u8(&x, 0xF8), mb32(&x, 1);
    u8(&x, 0xF6), mb32(&x, 2), nvarchar(&x, "1&\"<>");
    u8(&x, 0xF5);
    nvarchar(&x, "text < x > & \"q\"");
    u8(&x, 0xF7);
    expect_xml(&x, "<root a=\"1&amp;&quot;&lt;&gt;\">text &lt; x &gt; &amp; \"q\"</root>");
    /* empty element, explicit-empty element, comment, PI, CDATA, nesting */
    xhead(&x);
    name(&x, "r"), name(&x, "e"), name(&x, "pi"), qname(&x, 0, 0, 1), qname(&x, 0, 0, 2);
    u8(&x, 0xF8), mb32(&x, 1);
    u8(&x, 0xF8), mb32(&x, 2), u8(&x, 0xF7);
    u8(&x, 0xF8), mb32(&x, 2), nvarchar(&x, ""), u8(&x, 0xF7);
    u8(&x, 0xF3), utf16(&x, " c ");
    u8(&x, 0xF4), mb32(&x, 3), utf16(&x, "do it");
    u8(&x, 0xF4), mb32(&x, 3), utf16(&x, "");
    u8(&x, 0xF2), utf16(&x, "x<"), u8(&x, 0xF2), utf16(&x, "y"), u8(&x, 0xF1);
    u8(&x, 0xF7);
    expect_xml(&x, "<r><e /><e></e><!-- c --><?pi do it?><?pi?><![CDATA[x<y]]></r>");
    /* a fragment: two top-level elements and text */
    xhead(&x);
    name(&x, "a"), qname(&x, 0, 0, 1);
    u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF7), nvarchar(&x, "t"), u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF7);
    expect_xml(&x, "<a />t<a />");
    /* namespaces: an explicit declaration (coded with no local name and
     * "xmlns:p" as prefix) and the same prefix on a child, declared once */
    xhead(&x);
    name(&x, "urn:x"), name(&x, "p"), name(&x, "e"), name(&x, "xmlns:p");
    qname(&x, 1, 2, 3), qname(&x, 0, 4, 0);
    u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF6), mb32(&x, 2), nvarchar(&x, "urn:x"), u8(&x, 0xF5);
    u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF7), u8(&x, 0xF7);
    expect_xml(&x, "<p:e xmlns:p=\"urn:x\"><p:e /></p:e>");
    /* namespaces implied by names alone are declared where first used */
    xhead(&x);
    name(&x, "urn:x"), name(&x, "e"), name(&x, "p"), name(&x, "urn:y"), name(&x, "k");
    qname(&x, 1, 0, 2), qname(&x, 4, 3, 5);
    u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF6), mb32(&x, 2), nvarchar(&x, "v"), u8(&x, 0xF5);
    u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF7), u8(&x, 0xF7);
    expect_xml(&x, "<e p:k=\"v\" xmlns=\"urn:x\" xmlns:p=\"urn:y\"><e /></e>");
    /* typed values, non-ASCII text (é, U+1F600 as a surrogate pair), and a
     * name-table FLUSH inside an element that must not change its end tag */
    xhead(&x);
    name(&x, "n"), qname(&x, 0, 0, 1);
    u8(&x, 0xF8), mb32(&x, 1);
    u8(&x, 0x02), u32(&x, (uint32_t)-42);
    u8(&x, 0x86), u8(&x, 1);
    u8(&x, 0x11), mb32(&x, 3), u8(&x, 0xE9), u8(&x, 0x00), u8(&x, 0x3D), u8(&x, 0xD8), u8(&x, 0x00), u8(&x, 0xDE);
    u8(&x, 0x85), mb32(&x, 4), u8(&x, 'a'), u8(&x, 'b'), u8(&x, 'c'), u8(&x, 'd');
    u8(&x, 0xE9), name(&x, "zz"), qname(&x, 0, 0, 1);
    u8(&x, 0xF7);
    expect_xml(&x, "<n>-42true\xc3\xa9\xf0\x9f\x98\x80YWJjZA==</n>");
    /* an XML declaration is read past, as CONVERT leaves it out */
    xhead(&x);
    u8(&x, 0xFE), utf16(&x, "1.0"), u8(&x, 0xFD), utf16(&x, "utf-16"), u8(&x, 0x01);
    name(&x, "a"), qname(&x, 0, 0, 1), u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF7);
    expect_xml(&x, "<a />");

    /* malformed or unsupported: clear errors naming the problem */
    xhead(&x);
    x.b[0] = 0x3C;
    expect_xml_error(&x, B2A_EFORMAT, "signature");
    xhead(&x);
    x.b[2] = 9;
    expect_xml_error(&x, B2A_EFORMAT, "version 9");
    xhead(&x);
    name(&x, "a"), qname(&x, 0, 0, 1), u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0x11), mb32(&x, 50), u8(&x, 'x');
    expect_xml_error(&x, B2A_EFORMAT, "truncated text");
    xhead(&x);
    u8(&x, 0xF8), mb32(&x, 1);
    expect_xml_error(&x, B2A_EFORMAT, "undefined QName");
    xhead(&x);
    qname(&x, 0, 0, 7);
    expect_xml_error(&x, B2A_EFORMAT, "undefined name");
    xhead(&x);
    u8(&x, 0xF7);
    expect_xml_error(&x, B2A_EFORMAT, "without an open element");
    xhead(&x);
    name(&x, "a"), qname(&x, 0, 0, 1), u8(&x, 0xF8), mb32(&x, 1);
    expect_xml_error(&x, B2A_EFORMAT, "ends inside an element");
    xhead(&x);
    u8(&x, 0x55);
    expect_xml_error(&x, B2A_EFORMAT, "unknown token 0x55");
    xhead(&x);
    u8(&x, 0x04), f64(&x, 1.5);
    expect_xml_error(&x, B2A_EUNSUPPORTED, "SQL-FLOAT");
    xhead(&x);
    u8(&x, 0xEC);
    expect_xml_error(&x, B2A_EUNSUPPORTED, "NEST");
    xhead(&x);
    u8(&x, 0xF0), u8(&x, 0xFF), u8(&x, 0xFF), u8(&x, 0xFF), u8(&x, 0xFF), u8(&x, 0x7F);
    expect_xml_error(&x, B2A_EFORMAT, "31 bits");
    xhead(&x);
    name(&x, "a"), qname(&x, 0, 0, 1);
    for (int i = 0; i < 300; i++)
        u8(&x, 0xF8), mb32(&x, 1);
    expect_xml_error(&x, B2A_EFORMAT, "deeper than 256");
}

/* Bytes SQL Server itself wrote, as published in public test scripts and
 * captured rows (the xml ones are on-disk [MS-BINXML]; the spatial ones are
 * the CLR serialization as CAST to varbinary). The WKT expected for them is
 * the well-known text their authors inserted (the polygon is the classic
 * OGC example, stored latitude first). */
static void test_real_bytes(void **state)
{
    (void)state;
    static const struct { const char *hex, *want; } xml[] = {
        { "dfff01b004f0016100ef000001f80111013100f7", "<a>1</a>" },
        { "dfff01b004f00472006f006f007400ef000001f801f00269006400ef000002f60211013700f5f0017800ef000003f8031102"
          "68006900f7f0017900ef000004f8041103740077006f00f7f7",
          "<root id=\"7\"><x>hi</x><y>two</y></root>" },
        { "dfff01b004f0016500ef000001f801f7", "<e />" },
        { "dfff01b004f0017200ef000001f801f0017800ef000002f80211013100f7f80211013200f7f7", "<r><x>1</x><x>2</x></r>" },
        { "dfff01b004f0017400ef000001f8011109610020003c00200062002000260020006300f7", "<t>a &lt; b &amp; c</t>" },
        { "dfff01b004f0016100ef000001f801f0017000ef000002f6021103780022007900f5f7", "<a p=\"x&quot;y\" />" },
        /* <doc><![CDATA[a<b]]></doc>: the server keeps CDATA as plain text */
        { "dfff01b004f00364006f006300ef000001f801110361003c006200f7", "<doc>a&lt;b</doc>" },
        /* a captured row: xml:space is in the predefined xml namespace */
        { "DFFF01B004F00372006F007700EF000001F801F00269006400EF000002F602111944004F0048002E004400320030003200330030"
          "0034003100300031003800330033003600380034003200350032003000300"
          "0F00573007000610063006500F02468007400740070003A002F002F007700770077002E00770033002E006F00720067002F00"
          "58004D004C002F0031003900390038002F006E0061006D00650073007000610063006500F00378006D006C00EF040503F60311"
          "0870007200650073006500720076006500F5F00263003100EF000006F80411104D00530047002E005300570049004600540"
          "02E00340037003200330039003500F7F7",
          "<row id=\"DOH.D20230410183368425200\" xml:space=\"preserve\"><c1>MSG.SWIFT.472395</c1></row>" },
    };
    bytes x;
    for (size_t i = 0; i < sizeof xml / sizeof *xml; i++) {
        hex(&x, xml[i].hex);
        expect_xml(&x, xml[i].want);
    }
    /* geography::Point(47.651, -122.349, 4326) */
    hex(&x, "E6100000010C17D9CEF753D347407593180456965EC0");
    expect_wkt(&x, 1, "POINT (-122.349 47.651)");
    /* the same point in SRID 4269, moved */
    hex(&x, "AD100000010C17D9CEF75353444075931804561659C0");
    expect_wkt(&x, 1, "POINT (-100.349 40.651)");
    /* POLYGON ((30 10, 40 40, 20 40, 10 20, 30 10)) as geography */
    hex(&x, "E610000001040500000000000000000024400000000000003E400000000000004440000000000000444000000000000044400000"
            "00000000344000000000000034400000000000002440000000000000244000000000000"
            "03E4001000000020000000001000000FFFFFFFF0000000003");
    expect_wkt(&x, 1, "POLYGON ((30 10, 40 40, 20 40, 10 20, 30 10))");
    /* the single-segment form: Microsoft's STAsText() example line */
    hex(&x, "E610000001148716D9CEF7D34740D7A3703D0A975EC08716D9CEF7D34740CBA145B6F3955EC0");
    expect_wkt(&x, 1, "LINESTRING (-122.36 47.656, -122.343 47.656)");
}

/* Every truncation and a round of byte mutations of valid values: each
 * result is a value or a clean error, never a crash (run under ASan). */
static void test_hostile(void **state)
{
    (void)state;
    bytes x;
    xhead(&x);
    name(&x, "urn:x"), name(&x, "p"), name(&x, "e"), name(&x, "xmlns:p");
    qname(&x, 1, 2, 3), qname(&x, 0, 4, 0);
    u8(&x, 0xF8), mb32(&x, 1), u8(&x, 0xF6), mb32(&x, 2), nvarchar(&x, "urn:x"), u8(&x, 0xF5);
    u8(&x, 0xF3), utf16(&x, "c"), u8(&x, 0xF2), utf16(&x, "d"), u8(&x, 0xF1);
    u8(&x, 0xF8), mb32(&x, 1), nvarchar(&x, "t"), u8(&x, 0xF7), u8(&x, 0xF7);
    bytes g;
    head(&g, 0, 2, 0x04);
    pts(&g, (const double[]){ 1, 2, 0, 0, 1.5, -1, 3, 3 }, 4);
    u32(&g, 3), fig(&g, 1, 0), fig(&g, 1, 1), fig(&g, 2, 3);
    u32(&g, 4), shape(&g, -1, 0, 7), shape(&g, 0, 0, 1), shape(&g, 0, 1, 2), shape(&g, 0, 2, 1);
    u32(&g, 0);
    const uint8_t h[] = { 0x59, 0xFB, 0x05, 0x40, 0xD8, 0xFF, 0x80 };
    b2a_mbuf out = { 0 };
    char why[256];
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        bytes m = round % 2 ? g : x;
        size_t n = m.n;
        if (round < 200) {
            n = (size_t)round % (m.n + 1);
        } else {
            for (int k = 0; k < 3; k++) {
                seed = seed * 1103515245u + 12345u;
                m.b[(seed >> 8) % m.n] = (uint8_t)(seed >> 20);
            }
        }
        out.n = 0;
        int rc = round % 2 ? b2a__clrspatial_wkt(m.b, n, round % 4 == 1, &out, why, sizeof why)
                           : b2a__binxml_text(m.b, n, &out, why, sizeof why);
        assert_true(rc == B2A_OK || rc == B2A_EFORMAT || rc == B2A_EUNSUPPORTED);
        uint8_t hm[sizeof h];
        memcpy(hm, h, sizeof h);
        hm[(size_t)round % sizeof h] ^= (uint8_t)(1u << (round % 8));
        out.n = 0;
        rc = b2a__hierarchyid_text(hm, (size_t)round % (sizeof h + 1), &out, why, sizeof why);
        assert_true(rc == B2A_OK || rc == B2A_EFORMAT);
    }
    b2a__mbuf_free(&out);
}

/* ---- the column mapping and decoder, against the container path ---- */

typedef struct cap_sink {
    b2a_sink base;
    char s[512];
    int kind; /* 1 string, 2 bytes */
} cap_sink;

static int c_null(b2a_sink *s) { (void)s; return B2A_OK; }
static int c_bool(b2a_sink *s, int v) { (void)s; (void)v; return B2A_OK; }
static int c_i32(b2a_sink *s, int32_t v) { (void)s; (void)v; return B2A_OK; }
static int c_i64(b2a_sink *s, int64_t v) { (void)s; (void)v; return B2A_OK; }
static int c_f32(b2a_sink *s, float v) { (void)s; (void)v; return B2A_OK; }
static int c_f64(b2a_sink *s, double v) { (void)s; (void)v; return B2A_OK; }
static int c_dec(b2a_sink *s, const uint8_t *p, size_t n) { (void)s; (void)p; (void)n; return B2A_OK; }
static int c_bytes(b2a_sink *s, const void *p, size_t n)
{
    (void)p, (void)n;
    ((cap_sink *)s)->kind = 2;
    return B2A_OK;
}
static int c_string(b2a_sink *s, const char *p, size_t n)
{
    cap_sink *c = (cap_sink *)s;
    c->kind = 1;
    snprintf(c->s, sizeof c->s, "%.*s", (int)n, p);
    return B2A_OK;
}
static const b2a_sink_ops cap_ops = { c_null, c_bool, c_i32, c_i64, c_f32, c_f64, c_bytes, c_string, c_dec, c_null };

static void emit_as(b2a_mtype *t, const uint8_t *p, size_t n, int want_rc, const char *want)
{
    cap_sink cs = { { &cap_ops }, "", 0 };
    b2a_mbuf sc = { 0 };
    char why[256] = "";
    /* the check pass (no sink) must agree with the real one */
    assert_int_equal(b2a__mtype_emit(t, p, n, 0, NULL, &sc, why, sizeof why), want_rc);
    int rc = b2a__mtype_emit(t, p, n, 0, &cs.base, &sc, why, sizeof why);
    assert_int_equal(rc, want_rc);
    if (rc == B2A_OK) {
        assert_int_equal(cs.kind, 1);
        assert_string_equal(cs.s, want);
    } else {
        assert_non_null(strstr(why, want));
    }
    b2a__mbuf_free(&sc);
}

static void test_types(void **state)
{
    (void)state;
    static const struct { int sys, user; const char *name; int len; const char *note; } ty[] = {
        { 241, 241, "xml", -1, "xml as text (what CONVERT(nvarchar(max), col) gives)" },
        { 240, 128, "hierarchyid", 892, "hierarchyid as its path text (ToString())" },
        { 240, 129, "geometry", -1, "WKT text (STAsText()); the SRID and any Z/M values are not kept" },
        { 240, 130, "geography", -1, "WKT text (STAsText()); the SRID and any Z/M values are not kept" },
    };
    for (size_t i = 0; i < sizeof ty / sizeof *ty; i++) {
        b2a_mtype t;
        memset(&t, 0, sizeof t);
        t.xtype = (uint8_t)ty[i].sys;
        t.length = (int16_t)ty[i].len;
        b2a_column rd = { 0 }, ct = { 0 };
        assert_int_equal(b2a__mtype_describe(&t, ty[i].sys == 240 ? ty[i].name : NULL, &rd), 0);
        assert_string_equal(rd.source_type, ty[i].name);
        assert_int_equal(rd.vtype, B2A_V_STRING);
        assert_string_equal(rd.note, ty[i].note);
        /* the container path maps it the same way, and selects the text */
        assert_int_equal(b2a__sqlserver_map_column(ty[i].sys, ty[i].user, ty[i].name, ty[i].len, 0, 0, &ct), 0);
        assert_string_equal(ct.source_type, rd.source_type);
        assert_int_equal(ct.vtype, rd.vtype);
        assert_string_equal(ct.note, rd.note);
        b2a__column_clear(&rd);
        b2a__column_clear(&ct);
    }
    /* a user CLR type stays bytes */
    b2a_mtype u;
    memset(&u, 0, sizeof u);
    u.xtype = B2A_MT_UDT;
    b2a_column uc = { 0 };
    assert_int_equal(b2a__mtype_describe(&u, "MyClrType", &uc), 0);
    assert_int_equal(uc.vtype, B2A_V_BYTES);
    b2a__column_clear(&uc);
    cap_sink cs = { { &cap_ops }, "", 0 };
    b2a_mbuf sc = { 0 };
    char why[64];
    assert_int_equal(b2a__mtype_emit(&u, (const uint8_t *)"\x01\x02", 2, 0, &cs.base, &sc, why, sizeof why), B2A_OK);
    assert_int_equal(cs.kind, 2);
    b2a__mbuf_free(&sc);

    /* values through b2a__mtype_emit */
    b2a_mtype t;
    b2a_column c = { 0 };
    memset(&t, 0, sizeof t);
    t.xtype = B2A_MT_UDT;
    t.codepage = 1252; /* the catalog's collation guess, replaced by describe */
    assert_int_equal(b2a__mtype_describe(&t, "hierarchyid", &c), 0);
    b2a__column_clear(&c);
    emit_as(&t, (const uint8_t[]){ 0x59, 0xFB, 0x05, 0x40 }, 4, B2A_OK, "/1/-2.18/");
    emit_as(&t, (const uint8_t[]){ 0x50 }, 1, B2A_EFORMAT, "does not end its level");
    assert_int_equal(b2a__mtype_describe(&t, "geography", &c), 0);
    b2a__column_clear(&c);
    bytes x;
    head(&x, 4326, 1, 0x0C);
    f64(&x, 47.651), f64(&x, -122.349);
    emit_as(&t, x.b, x.n, B2A_OK, "POINT (-122.349 47.651)");
    assert_int_equal(b2a__mtype_describe(&t, "geometry", &c), 0);
    b2a__column_clear(&c);
    emit_as(&t, x.b, x.n, B2A_OK, "POINT (47.651 -122.349)");
    memset(&t, 0, sizeof t);
    t.xtype = B2A_MT_XML;
    assert_int_equal(b2a__mtype_describe(&t, NULL, &c), 0);
    b2a__column_clear(&c);
    xhead(&x);
    name(&x, "a"), qname(&x, 0, 0, 1), u8(&x, 0xF8), mb32(&x, 1), nvarchar(&x, "1 < 2"), u8(&x, 0xF7);
    emit_as(&t, x.b, x.n, B2A_OK, "<a>1 &lt; 2</a>");
    x.n -= 1;
    emit_as(&t, x.b, x.n, B2A_EFORMAT, "ends inside an element");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hierarchyid),
        cmocka_unit_test(test_spatial),
        cmocka_unit_test(test_spatial_numbers),
        cmocka_unit_test(test_binxml),
        cmocka_unit_test(test_real_bytes),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
