/* obs_internal.h: the small string and number helpers shared by the readers of observed data
 * (obs_csv.c, obs_events.c) and the observation model (observed.c). Not part of the API.
 */
#ifndef BK_ANALYSIS_OBS_INTERNAL_H
#define BK_ANALYSIS_OBS_INTERNAL_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/calibration/observed.h"
#include "scenario/scenario.h"

static inline void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static inline bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* Case-insensitive substring (ASCII folding; UTF-8 bytes compare exactly). */
static inline bool icontains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return true;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i]
               && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

static inline char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* ---- dates (the calendar itself: engine/date.h) ------------------------------------------- */

static inline bool parse_double(const char *s, double *v)
{
    char tmp[64];
    copy_str(tmp, sizeof tmp, s);
    char *t = trim(tmp);
    if (*t == '\0')
        return false;
    char *end;
    errno = 0;
    *v = strtod(t, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

static inline bool parse_int(const char *s, int *v)
{
    double d;
    if (!parse_double(s, &d) || d != floor(d) || fabs(d) > 1e9)
        return false;
    *v = (int)d;
    return true;
}

static inline int find_col(const bk_csv_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->n; i++) {
        char tmp[128];
        copy_str(tmp, sizeof tmp, rec->fields[i]);
        if (ieq(trim(tmp), name))
            return (int)i;
    }
    return -1;
}

/* First corridor (scenario order) whose path uses segment s; -1 if none. */
static inline int primary_corridor(const bk_scenario *sc, int s)
{
    for (int c = 0; c < sc->n_corridors; c++)
        for (int k = 0; k + 1 < sc->corridors[c].path_len; k++)
            if (sc->corridors[c].path_seg[k] == s)
                return c;
    return -1;
}

#endif
