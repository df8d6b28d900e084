/* Text in an Oracle character set to UTF-8. Oracle names character sets by
 * number (the ids of NLS_CHARSET_NAME); exp gives one per character column.
 * A byte with no character in its set never fails a value: it becomes
 * U+FFFD and is counted, as Oracle's own conversion puts a replacement
 * character there. */
#ifndef B2A_READER_ORACLE_ORACHARSET_H
#define B2A_READER_ORACLE_ORACHARSET_H

#include <stddef.h>
#include <stdint.h>

#define B2A_ORACS_US7ASCII 1
#define B2A_ORACS_WE8ISO8859P1 31
#define B2A_ORACS_EE8MSWIN1250 170
#define B2A_ORACS_CL8MSWIN1251 171
#define B2A_ORACS_WE8MSWIN1252 178
#define B2A_ORACS_JA16SJIS 832
#define B2A_ORACS_KO16MSWIN949 846
#define B2A_ORACS_ZHS16GBK 852
#define B2A_ORACS_UTF8 871       /* CESU-8: supplementary characters as two 3-byte surrogates */
#define B2A_ORACS_AL32UTF8 873
#define B2A_ORACS_AL16UTF16 2000 /* UTF-16 big-endian */

/* A converter for one character set; owned by one thread at a time. */
typedef struct b2a_oracs b2a_oracs;

/* 1 when this build converts charset id cs. */
int b2a__oracs_supported(int cs);

/* 1 for character sets whose characters take more than one byte (Oracle
 * stores CLOBs of such a database in AL16UTF16). */
int b2a__oracs_multibyte(int cs);

/* NULL on OOM or an unsupported id. */
b2a_oracs *b2a__oracs_new(int cs);
void b2a__oracs_free(b2a_oracs *c);

/* Convert in[0..n) and append to a growable buffer (*out, *cap, *len).
 * Returns the number of bytes replaced by U+FFFD, or -1 on OOM. */
long b2a__oracs_to_utf8(b2a_oracs *c, const uint8_t *in, size_t n, char **out, size_t *cap, size_t *len);

#endif
