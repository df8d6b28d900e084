/* Calendar arithmetic shared by row sources. */
#ifndef B2A_UTIL_CIVIL_H
#define B2A_UTIL_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic-Gregorian date (Howard Hinnant's
 * days_from_civil); any year, m in 1..12, d in 1..31. */
static inline int64_t b2a__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

#endif
