/* schema.h (internal): the one description of every scenario key (schema.c holds the table).
 *
 * A row says where a key lives in the file (its dotted path, list items written "[]"), its type,
 * where its value lives in struct bk_scenario (or in the list item's struct), its default, its
 * bounds, unit, sub-model and a one-line description. The loader (load.c through read.c) reads
 * every scalar key through the table, bk_scenario_set writes it through the table, and a test
 * checks docs/scenario-format.md against it. Cross-field rules live in rules.c.
 */
#ifndef BK_SCENARIO_SCHEMA_H
#define BK_SCENARIO_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "blockade/status.h"

struct bk_scenario;

enum bk_key_type {
    BK_KT_NUM,      /* double */
    BK_KT_INT,      /* int, whole number within [lo, hi] */
    BK_KT_INT_D,    /* a whole number within [lo, hi], stored in a double */
    BK_KT_BOOL,     /* bool */
    BK_KT_STR,      /* char[size]; `words` non-NULL: newlines allowed */
    BK_KT_ENUM,     /* enum (int-sized): index into `words` */
    BK_KT_DATE,     /* date inside the horizon, stored as hours since start (double) */
    BK_KT_RANGE,    /* [min, max]: two doubles at off and off2 */
    BK_KT_REF,      /* id of an item of list `ref` (enum bk_ref_kind), stored as its index (int) */
    BK_KT_PMAP,     /* product map: double *[n_products], each within the bounds */
    BK_KT_ID,       /* char id[BK_ID_MAX], unique within its list (read by the list reader) */
    BK_KT_SPECIAL,  /* read by hand in load.c (dates of the scenario, seed, iso, paths, ...) */
    BK_KT_MAP,      /* a sub-mapping; its keys are the rows under its path */
    BK_KT_LIST      /* a list of mappings (or, for the timeline, tagged entries) */
};

enum bk_ref_kind { BK_REF_PLACE, BK_REF_PRODUCT, BK_REF_PORT, BK_REF_CORRIDOR, BK_REF_SECTOR,
                   BK_REF_VEHICLE };

typedef struct bk_key {
    const char *path;          /* "fleet.recovery_days", "corridors[].escort.units" */
    enum bk_key_type type;
    size_t off, off2;          /* in bk_scenario, or in the list item for paths with "[]";
                                  off2: RANGE's max, STR's buffer size */
    bool required;
    double def;                /* value when the key (or its section) is absent */
    const char *sdef;          /* STR default; NULL: the item's id */
    char lo_op, hi_op;         /* '>' / 'G' (>=), '<' / 'L' (<=), 0: no bound */
    double lo, hi;
    const char *unit;          /* "" when none */
    const char *const *words;  /* ENUM: the words, NULL-terminated */
    int ref;                   /* REF: enum bk_ref_kind */
    const char *submodel;      /* network, fleet, convoys, escorts, cells, city, policy, ... */
    const char *desc;          /* one line */
    bool fact;                 /* describes the world rather than a choice (coordinates, kinds
                                  of place, physical constants): read and set like any key, but
                                  never offered as a lever (bk_scenario_write_levers_json) */
} bk_key;

/* The table, in file order, and its length. */
extern const bk_key bki_schema[];
extern const int bki_schema_len;

/* Words of the enumerations, shared with describe.c and the timeline reader. */
extern const char *const bki_convoy_mode_words[];
extern const char *const bki_routing_words[];
extern const char *const bki_escort_alloc_words[];
extern const char *const bki_place_kind_words[];
extern const char *const bki_mode_words[];
extern const char *const bki_vehicle_kind_words[];

/* The timeline's keys. An entry's `type` decides which keys it may have, so each row names its
 * type; `date`, `type` and `note` belong to every type. ADDING A TIMELINE KEY: one row of
 * bki_timeline_keys (timeline.c), its use in the model, and its mention in the type's row of
 * docs/scenario-format.md (tests/unit/test_schema.c checks it). Rows of the group readers cover
 * several keys with a rule between them (exactly one of ...). */
enum bk_tl_read {
    BK_TR_NUM,            /* double at off, within the bounds */
    BK_TR_INT,            /* int at off, within [lo, hi] */
    BK_TR_REF,            /* id of an item of list `ref`, its index (int) at off */
    BK_TR_ENUM,           /* one of `words`; values[i] (or i) stored as int at off */
    BK_TR_BOOL,           /* true/false stored as 1/0 (int) at off */
    BK_TR_SEGMENT,        /* `segment`: [from, to], the segment's index (int) at off */
    BK_TR_SEGMENTS,       /* exactly one of `segment` and `segments`: segs[] */
    BK_TR_SEGMENTS_PLACE, /* exactly one of `segment`, `segments` and `place`: segs[] */
    BK_TR_CUT_END,        /* exactly one of `hours` (> 0, or `end`) and `until` (a date): hours */
    BK_TR_POPULATION      /* exactly one of `people` and `change`; `days` with `change` */
};

typedef struct bk_tl_key {
    int type;                  /* enum bk_timeline_kind */
    const char *key;           /* the key, or the group's first key */
    enum bk_tl_read read;
    size_t off;                /* in bk_timeline_event */
    bool required;
    double def;                /* NUM, INT, ENUM, BOOL: value when absent */
    char lo_op, hi_op;         /* NUM, INT: as in bk_key */
    double lo, hi;
    const char *unit;
    const char *const *words;  /* ENUM */
    const int *values;         /* ENUM: stored values (NULL: the word's index) */
    int ref;                   /* REF: enum bk_ref_kind */
    const char *desc;          /* one line */
} bk_tl_key;

/* Type words in the order of enum bk_timeline_kind, NULL-terminated; the key rows in file order
 * of their types. */
extern const char *const bki_timeline_types[];
extern const bk_tl_key bki_timeline_keys[];
extern const int bki_timeline_keys_len;

/* The keys a row covers (a group covers several), NULL-terminated; at most 4. */
void bki_timeline_row_keys(const bk_tl_key *row, const char *out[4]);

/* The row of a schema path ("corridors[].escort.units"), or NULL. */
const bk_key *bki_schema_find(const char *path);

/* The row a dotted scenario path leads to ("corridors.west.escort.units": list items named by
 * id, "city.initial_stock_l.gasoil": a product of a product map, "city.unload_hours.min": an end
 * of a range); for a path that ends at a list item, its list's row. The ids, products and ends
 * are not checked here (they depend on the scenario). NULL with the reason in msg. */
const bk_key *bki_schema_resolve(const char *path, char *msg, size_t cap);

/* Does `row` sit directly in `section` ("" for the top level, "corridors[]", "policy.convoy")?
 * *key gets the last path component. */
bool bki_schema_in(const bk_key *row, const char *section, const char **key);

/* "a, b, c": the keys of a section in table order. */
void bki_schema_keys(const char *section, char *buf, size_t cap);

/* Bounds as words: "> 0 and <= 200 km/h", "in 0..1", "in 1..8". */
void bki_schema_bounds_text(const bk_key *row, char *buf, size_t cap);
bool bki_schema_in_bounds(const bk_key *row, double v);

/* Lists that items can be addressed in by id: the array, count and item size of list `path`
 * ("corridors", "city.sectors") in sc. false if `path` is not such a list. */
bool bki_schema_list(struct bk_scenario *sc, const char *path, char **base, int *count,
                     size_t *size);

/* A scenario derived from `base` by a patch applied to its text: give it the base's text and
 * the patch (one "PATH = VALUE" a line) as its identity, so that its hash is the base text's
 * plus the patch, as after bk_scenario_set. Fails only with BK_ERR_NOMEM. (set.c) */
bk_status bki_scenario_adopt_patch(struct bk_scenario *sc, const struct bk_scenario *base,
                                   const char *patch, bk_error *err);

/* The value of a scalar key of sc as a number (a count, a quantity, a bool as 0/1, an
 * enumeration's or a reference's index), through the same paths as bk_scenario_set.
 * BK_ERR_REFERENCE for an unknown path, BK_ERR_SCHEMA for a text. (set.c) */
bk_status bki_scenario_get_number(const struct bk_scenario *sc, const char *path, double *out,
                                  bk_error *err);

#endif
