/* access.c: a loaded scenario's accessors, hash, lookups and freeing. */
#include "engine/alloc.h"
#include "scenario/scenario.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "scenario/read.h"


/* Contract in blockade/scenario.h. */
void bk_scenario_free(bk_scenario *sc)
{
    if (sc == NULL)
        return;
    for (int i = 0; i < sc->n_ports; i++)
        bki_free(sc->ports[i].product_share);
    for (int i = 0; i < sc->n_corridors; i++)
        bki_free_all(sc->corridors[i].path, sc->corridors[i].path_seg);
    bki_free_all(sc->products, sc->places, sc->segments, sc->ports, sc->corridors, sc->vehicles,
                 sc->city.initial_stock_l, sc->group.cells, sc->timeline);
    for (int i = 0; i < sc->cityside.n_sectors; i++)
        bki_free(sc->cityside.sectors[i].demand_l_per_day);
    bki_free_all(sc->cityside.sectors, sc->cityside.reserve_floor_l, sc->cityside.official_price,
                 sc->cityside.holiday_from, sc->cityside.holiday_to, sc->text, sc->patch, sc);
}

/* Contract in blockade/scenario.h. */
const char *bk_scenario_name(const bk_scenario *sc)
{
    return sc->name;
}

/* Contract in blockade/scenario.h. */
uint64_t bk_scenario_seed(const bk_scenario *sc)
{
    return sc->seed;
}

/* Contract in blockade/scenario.h. */
int bk_scenario_days(const bk_scenario *sc)
{
    return sc->days;
}

int bk_scenario_warmup_days(const bk_scenario *sc)
{
    return sc->warmup_days;
}

/* Contract in blockade/scenario.h. */
const char *bk_scenario_text(const bk_scenario *sc, size_t *len)
{
    if (len)
        *len = sc->text_len;
    return sc->text;
}

/* Contract in blockade/scenario.h. SHA-256 of the exact bytes loaded. If libcrypto cannot run
 * the digest (out of memory), the result is 64 zeros, which no real text hashes to in practice. */
void bk_scenario_hash(const bk_scenario *sc, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char digits[] = "0123456789abcdef";
    /* a derived scenario: the base text, a separator no text contains (a NUL) and its patch */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
              EVP_DigestUpdate(ctx, sc->text, sc->text_len) == 1 &&
              (sc->patch == NULL || (EVP_DigestUpdate(ctx, "", 1) == 1 &&
                                     EVP_DigestUpdate(ctx, sc->patch, sc->patch_len) == 1)) &&
              EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok || mdlen != 32) {
        memset(hex, '0', 64);
        hex[64] = '\0';
        return;
    }
    for (unsigned int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

/* Contract in scenario/scenario.h. */
int bki_scenario_find_place(const struct bk_scenario *sc, const char *id)
{
    if (sc == NULL || id == NULL)
        return -1;
    return sr_find_id(sc->places, sc->n_places, sizeof *sc->places, id);
}

/* Contract in scenario/scenario.h: the segment joining places a and b in either direction. */
int bki_scenario_find_segment(const struct bk_scenario *sc, int a, int b)
{
    if (sc == NULL)
        return -1;
    for (int i = 0; i < sc->n_segments; i++) {
        const bk_segment *s = &sc->segments[i];
        if ((s->from == a && s->to == b) || (s->from == b && s->to == a))
            return i;
    }
    return -1;
}
static const char *const kind_one[BK_N_VK] = {"tanker", "truck", "boat", "aircraft",
                                             "helicopter"};
static const char *const kind_many[BK_N_VK] = {"tankers", "trucks", "boats", "aircraft",
                                              "helicopters"};

static int corridor_kind(const struct bk_scenario *sc, int c)
{
    int v = sc->corridors[c].vehicle;
    return v >= 0 && v < sc->n_vehicles ? sc->vehicles[v].kind : BK_VK_ROAD_TANKER;
}

/* Contract in scenario.h. */
void bki_corridor_words(const struct bk_scenario *sc, int c, const char **one, const char **many)
{
    int k = c >= 0 && c < sc->n_corridors ? corridor_kind(sc, c) : BK_VK_ROAD_TANKER;
    *one = kind_one[k];
    *many = kind_many[k];
}

/* Contract in scenario.h. */
bool bki_scenario_words(const struct bk_scenario *sc, const char **one, const char **many)
{
    int kind = sc->n_corridors > 0 ? corridor_kind(sc, 0) : BK_VK_ROAD_TANKER;
    bool road = true;
    for (int c = 0; c < sc->n_corridors; c++) {
        int k = corridor_kind(sc, c);
        if (k != kind)
            kind = -1;
        road = road && (k == BK_VK_ROAD_TANKER || k == BK_VK_TRUCK);
    }
    *one = kind >= 0 ? kind_one[kind] : "vehicle";
    *many = kind >= 0 ? kind_many[kind] : "vehicles";
    return road;
}
