/* utf8.h (internal): the one statement of what valid UTF-8 is (RFC 3629), for every check of
 * input text: the scenario loader, the YAML guard and the streamed CSV reader. */
#ifndef BK_ENGINE_UTF8_H
#define BK_ENGINE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* May b begin a character of two bytes or more? Then *need is the number of continuation bytes
 * that follow and [*lo, *hi] the range allowed for the first of them (the others are
 * 0x80..0xBF): this rules out overlong forms, surrogates and code points above U+10FFFF. */
static inline bool bki_utf8_lead(unsigned char b, int *need, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        *need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        *need = 2;
        if (b == 0xE0)
            *lo = 0xA0;
        else if (b == 0xED)
            *hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        *need = 3;
        if (b == 0xF0)
            *lo = 0x90;
        else if (b == 0xF4)
            *hi = 0x8F;
    } else {
        return false;
    }
    return true;
}

/* Length of the valid character at s (n > 0 bytes there): 1 for ASCII, 2 to 4, or 0 when s does
 * not begin a valid character within the n bytes. */
static inline size_t bki_utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    int need;
    unsigned char lo, hi;
    if (!bki_utf8_lead(s[0], &need, &lo, &hi) || (size_t)need >= n || s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i <= need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return (size_t)need + 1;
}

#endif
