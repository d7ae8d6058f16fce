/* levers.h (internal): the lever and objective files of `optimise` (levers.c), read by the
 * search (optimise.c). */
#ifndef BK_ANALYSIS_LEVERS_H
#define BK_ANALYSIS_LEVERS_H

#include <stdbool.h>

#include "blockade/decide.h"

#define BK_LEVERS_MAX 64
#define BK_OBJ_MAX 32

enum bk_lever_kind { BK_LV_INT, BK_LV_NUM, BK_LV_CHOICE };

typedef struct bk_lever {
    char *path;             /* dotted scenario path, owned */
    int line, col;          /* in the lever file */
    enum bk_lever_kind kind;
    double lo, hi;          /* INT, NUM */
    char **choices;         /* CHOICE: the values as written, owned */
    int n_choices;
    double cost;            /* cost per unit of value (INT, NUM); 0 */
    int budget;             /* index of its budget on its side, -1 */
} bk_lever;

typedef struct bk_budget {
    int *levers;            /* indices into the side's levers, owned */
    int n;
    double total;           /* the levers' values sum to this */
    int line, col;
} bk_budget;

typedef struct bk_lever_side {
    bk_lever *lv;
    int n;
    bk_budget *b;
    int nb;
} bk_lever_side;

struct bk_levers {
    char *file;
    bk_lever_side def, adv; /* the defender's, the armed group's (adv.n == 0: none) */
};

struct bk_objective {
    char *file;
    int n;
    int metric[BK_OBJ_MAX]; /* index in metrics.h */
    double w[BK_OBJ_MAX];
    double cost_w;          /* weight of the levers' cost */
    bool cvar;              /* CVaR at `level`, else the mean */
    double level;
    double indifference;    /* the selection's indifference zone, harm units; 0: automatic */
};

/* A candidate's value of lever i written as in a scenario file (a choice's word, a number). */
void bki_lever_value_text(const bk_lever *l, double x, char *buf, size_t cap);

#endif
