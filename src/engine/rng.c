/* rng.c: Philox4x64-10 streams behind the gsl_rng interface. The counter's first word holds the
 * entity, the second counts blocks of four outputs; the key holds the seed and the replication
 * with the purpose. */
#include "engine/rng.h"

#include <Random123/philox.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

void bki_rng_refill(struct bk_rng_state *s)
{
    philox4x64_ctr_t c = {{s->ctr[0], s->ctr[1], s->ctr[2], s->ctr[3]}};
    philox4x64_key_t k = {{s->key[0], s->key[1]}};
    philox4x64_ctr_t x = philox4x64(c, k);
    memcpy(s->out, x.v, sizeof s->out);
    s->ctr[1]++; /* 2^64 blocks per stream: never wraps in practice */
    s->used = 0;
}

static inline uint64_t next64(struct bk_rng_state *s)
{
    if (s->used == 4)
        bki_rng_refill(s);
    return s->out[s->used++];
}

static void state_key(struct bk_rng_state *s, uint64_t seed, uint32_t replication,
                      uint32_t purpose, uint32_t entity)
{
    memset(s, 0, sizeof *s);
    s->key[0] = seed;
    s->key[1] = (uint64_t)replication << 32 | purpose;
    s->ctr[0] = entity;
    s->used = 4; /* refill on first draw */
}

static void gsl_set(void *state, unsigned long seed)
{
    state_key(state, seed, 0, 0, 0);
}

static unsigned long gsl_get(void *state)
{
    return (unsigned long)(next64(state) >> 32);
}

static double gsl_get_double(void *state)
{
    return (double)(next64(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type philox_type = {
    "bk-philox4x64", 0xFFFFFFFFUL, 0, sizeof(struct bk_rng_state), gsl_set, gsl_get,
    gsl_get_double};

const gsl_rng_type *bki_rng_philox = &philox_type;

void bki_rng_init(bk_rng *r, uint64_t seed, uint32_t replication, uint32_t purpose,
                  uint32_t entity)
{
    r->gsl.type = &philox_type;
    r->gsl.state = &r->st;
    state_key(&r->st, seed, replication, purpose, entity);
}

/* The layers of the normal ziggurat (see rng.h), printed exactly (hexadecimal) from the
 * recurrence evaluated in long double. */
const double bki_zig_x[129] = {
    0x1.db4668fe7e49dp+1, 0x1.b8a7c476d2be8p+1, 0x1.9c8e0c7c8098fp+1,
    0x1.8aa73e440ffbbp+1, 0x1.7d45eb36eb841p+1, 0x1.7279dd4ac3f9dp+1,
    0x1.695c2be68edc9p+1, 0x1.616dff7c8f54ap+1, 0x1.5a61edf7e8f32p+1,
    0x1.54052012a04a4p+1, 0x1.4e3456b0e3a1bp+1, 0x1.48d61806d600fp+1,
    0x1.43d75b60bca1dp+1, 0x1.3f29848d3b416p+1, 0x1.3ac11b8e206d6p+1,
    0x1.3694f3a3740d9p+1, 0x1.329d9725e32f7p+1, 0x1.2ed4df8099571p+1,
    0x1.2b35aa5ebee3ep+1, 0x1.27bba2b5dbc92p+1, 0x1.246317a6b53cp+1,
    0x1.2128dd36bdf08p+1, 0x1.1e0a342cf08f5p+1, 0x1.1b04b731f6bcbp+1,
    0x1.18164be0c1c37p+1, 0x1.153d16d45743cp+1, 0x1.12777201834f2p+1,
    0x1.0fc3e4d95f277p+1, 0x1.0d211dd28b00dp+1, 0x1.0a8ded0ec3719p+1,
    0x1.08093fe3e40ep+1, 0x1.05921d1c4d768p+1, 0x1.0327a1cc4cf5cp+1,
    0x1.00c8fea1720d2p+1, 0x1.fceaeb2ca5f12p+0, 0x1.f858aff31cbebp+0,
    0x1.f3da09746081ep+0, 0x1.ef6dcddc7d38dp+0, 0x1.eb12e91486bb7p+0,
    0x1.e6c85a849b011p+0, 0x1.e28d331c67237p+0, 0x1.de609397e09b4p+0,
    0x1.da41aaf79a33ep+0, 0x1.d62fb52580b8p+0, 0x1.d229f9bfeefd5p+0,
    0x1.ce2fcb05f8c2ep+0, 0x1.ca4084e091e2ep+0, 0x1.c65b8c04dbabcp+0,
    0x1.c2804d2c6b16ap+0, 0x1.beae3c60cd0dep+0, 0x1.bae4d457ee113p+0,
    0x1.b72395df5b735p+0, 0x1.b36a075498d5ep+0, 0x1.afb7b428fe79bp+0,
    0x1.ac0c2c6fc637dp+0, 0x1.a867047516e4ap+0, 0x1.a4c7d45d01a2cp+0,
    0x1.a12e37c983364p+0, 0x1.9d99cd86b58aep+0, 0x1.9a0a373c73f1ap+0,
    0x1.967f1924c7affp+0, 0x1.92f819c682beep+0, 0x1.8f74e1b37c6b1p+0,
    0x1.8bf51b49ef33p+0, 0x1.887872788109fp+0, 0x1.84fe9484873b1p+0,
    0x1.81872fd21db6cp+0, 0x1.7e11f3adaeb8bp+0, 0x1.7a9e90168b8e7p+0,
    0x1.772cb58a39dcdp+0, 0x1.73bc14d01a2cp+0, 0x1.704c5ec50cb78p+0,
    0x1.6cdd4426b889cp+0, 0x1.696e755e16b7bp+0, 0x1.65ffa248e0164p+0,
    0x1.62907a0176eb6p+0, 0x1.5f20aaa4dfc11p+0, 0x1.5bafe1165480dp+0,
    0x1.583dc8bff320fp+0, 0x1.54ca0b4ffd33fp+0, 0x1.515450720f44bp+0,
    0x1.4ddc3d83a5b7ap+0, 0x1.4a617543306c3p+0, 0x1.46e39778de059p+0,
    0x1.436240982ad93p+0, 0x1.3fdd09591d29bp+0, 0x1.3c538647ef788p+0,
    0x1.38c54749b9029p+0, 0x1.3531d7146a433p+0, 0x1.3198ba982d906p+0,
    0x1.2df97057e7efp+0, 0x1.2a536fae30e28p+0, 0x1.26a627fb9d115p+0,
    0x1.22f0ffbaa1e4ap+0, 0x1.1f335374a10edp+0, 0x1.1b6c7492c972bp+0,
    0x1.179ba80463fe2p+0, 0x1.13c024b2c7ebbp+0, 0x1.0fd911b97f22ap+0,
    0x1.0be58456ff4a1p+0, 0x1.07e47d87a40e9p+0, 0x1.03d4e7391c5a9p+0,
    0x1.ff6b21fffe2fdp-1, 0x1.f70a5866c8f29p-1, 0x1.ee848e9568251p-1,
    0x1.e5d6909f51b4bp-1, 0x1.dcfccc51c59dp-1, 0x1.d3f340dda60fcp-1,
    0x1.cab56ac6a38b2p-1, 0x1.c13e2b014e83ap-1, 0x1.b787a7c516f17p-1,
    0x1.ad8b2506a1358p-1, 0x1.a340d1baf5af2p-1, 0x1.989f85c753b05p-1,
    0x1.8d9c6a9d35e15p-1, 0x1.822a858af0e54p-1, 0x1.763a1600eec49p-1,
    0x1.69b7b213f3f3cp-1, 0x1.5c8afdbf0214cp-1, 0x1.4e94c08c0ba86p-1,
    0x1.3fabee1911ca1p-1, 0x1.2f98d6bb4f3e5p-1, 0x1.1e0ce6b596975p-1,
    0x1.0a936da5e5567p-1, 0x1.e8e576e43fb4ep-2, 0x1.b4c8fece48dc1p-2,
    0x1.73949184db8e3p-2, 0x1.16db47e193c8ep-2, 0x0p+0,
};

const double bki_zig_r[128] = {
    0x1.dab48848d3c1cp-1, 0x1.df5993967d2a6p-1, 0x1.e9c885d9a666bp-1,
    0x1.eea42f70ceeacp-1, 0x1.f1803c6a0781cp-1, 0x1.f366d2afaee48p-1,
    0x1.f4c3825de9f38p-1, 0x1.f5ca83ef26e1fp-1, 0x1.f69868793c53p-1,
    0x1.f73e31c89895dp-1, 0x1.f7c6a977e305fp-1, 0x1.f838ffd4ec0eap-1,
    0x1.f89a30bcaa7bbp-1, 0x1.f8edcde8cde13p-1, 0x1.f93677b627e76p-1,
    0x1.f97628687c107p-1, 0x1.f9ae64ccb1f64p-1, 0x1.f9e05ca2efdc4p-1,
    0x1.fa0d00cfbb6ccp-1, 0x1.fa3512e9cb952p-1, 0x1.fa59305b35721p-1,
    0x1.fa79da7e004a5p-1, 0x1.fa977c9ec13d6p-1, 0x1.fab27081a26dcp-1,
    0x1.facb01d4366f9p-1, 0x1.fae170d5cadc4p-1, 0x1.faf5f46a249p-1,
    0x1.fb08bbbbc73bbp-1, 0x1.fb19ef88b640ap-1, 0x1.fb29b32d77103p-1,
    0x1.fb38257d095ffp-1, 0x1.fb456170e2018p-1, 0x1.fb517eb94bd57p-1,
    0x1.fb5c92349c858p-1, 0x1.fb66ae52354dbp-1, 0x1.fb6fe3652f8b4p-1,
    0x1.fb783fe9c00dp-1, 0x1.fb7fd0bfb9735p-1, 0x1.fb86a15c1886fp-1,
    0x1.fb8cbbf324033p-1, 0x1.fb92299c5d1dfp-1, 0x1.fb96f271420e8p-1,
    0x1.fb9b1da7b43fcp-1, 0x1.fb9eb1a8ade0cp-1, 0x1.fba1b423d4106p-1,
    0x1.fba42a205a48bp-1, 0x1.fba6180b97b6p-1, 0x1.fba781c59edc5p-1,
    0x1.fba86aac1a8c1p-1, 0x1.fba8d5a3a81cap-1, 0x1.fba8c51fddb9cp-1,
    0x1.fba83b2a23e8ep-1, 0x1.fba7396782fc8p-1, 0x1.fba5c11d7fba4p-1,
    0x1.fba3d3361dd1cp-1, 0x1.fba170431ac58p-1, 0x1.fb9e9880706abp-1,
    0x1.fb9b4bd62b197p-1, 0x1.fb9789d99cec8p-1, 0x1.fb9351cdf4f98p-1,
    0x1.fb8ea2a43f27ap-1, 0x1.fb897afacf29cp-1, 0x1.fb83d91c1719ap-1,
    0x1.fb7dbafce8335p-1, 0x1.fb771e3a1a365p-1, 0x1.fb70001593e7ap-1,
    0x1.fb685d72ad163p-1, 0x1.fb6032d1e043p-1, 0x1.fb577c4bbfa38p-1,
    0x1.fb4e358b1e8cfp-1, 0x1.fb4459c65d654p-1, 0x1.fb39e3b7c2e56p-1,
    0x1.fb2ecd94c9ba2p-1, 0x1.fb23110445454p-1, 0x1.fb16a7133b4f5p-1,
    0x1.fb0988284ac3dp-1, 0x1.fafbabf570e42p-1, 0x1.faed0967f6925p-1,
    0x1.fadd96964622dp-1, 0x1.facd48ab5f4e1p-1, 0x1.fabc13cf91f8ep-1,
    0x1.faa9eb0e19352p-1, 0x1.fa96c0371d81ap-1, 0x1.fa8283bd8f44dp-1,
    0x1.fa6d24902fe33p-1, 0x1.fa568fecff9b8p-1, 0x1.fa3eb12e1f177p-1,
    0x1.fa25718f03b33p-1, 0x1.fa0ab7e8a2981p-1, 0x1.f9ee6862ee1b5p-1,
    0x1.f9d06419a6a63p-1, 0x1.f9b088b20ff66p-1, 0x1.f98eafde8e73cp-1,
    0x1.f96aaecc7e5e7p-1, 0x1.f9445577b49f4p-1, 0x1.f91b6dddf8427p-1,
    0x1.f8efbb0b5013ep-1, 0x1.f8c0f7f61e36dp-1, 0x1.f88ed61f8e777p-1,
    0x1.f858fbe99f8acp-1, 0x1.f81f028fc2aep-1, 0x1.f7e073a948fep-1,
    0x1.f79cc61506b24p-1, 0x1.f7535a22e3d3ep-1, 0x1.f70374c1451a9p-1,
    0x1.f6ac395f78bd4p-1, 0x1.f64ca218dbb21p-1, 0x1.f5e37591f6ccdp-1,
    0x1.f56f39b2b0506p-1, 0x1.f4ee220c3043cp-1, 0x1.f45df82cd25b7p-1,
    0x1.f3bbfb4b67d5fp-1, 0x1.f304b35b5d58fp-1, 0x1.f233b16d764d7p-1,
    0x1.f143339d7d785p-1, 0x1.f02b9c88c734fp-1, 0x1.eee2a3186b51p-1,
    0x1.ed5a0a98bc7c7p-1, 0x1.eb7d8a7ccd9e7p-1, 0x1.e92f39746c21ep-1,
    0x1.e641170f50ca5p-1, 0x1.e26896f5fbf3ap-1, 0x1.dd2487adcb4cfp-1,
    0x1.d58014742e525p-1, 0x1.c96d1a883d2d1p-1, 0x1.b3911e9b804d8p-1,
    0x1.803c6d4f93a2cp-1, 0x0p+0,
};

#define ZIG_R 3.442619855899 /* where the tail begins */

/* A normal variate beyond ZIG_R (Marsaglia 1964): x = -log(U1) / r, y = -log(U2), accepted when
 * 2y > x^2; the variate is r + x. U1, U2 in (0, 1]. */
static double zig_tail(bk_rng *r)
{
    for (;;) {
        double x = -log(1.0 - bki_rng_uniform(r)) / ZIG_R;
        double y = -log(1.0 - bki_rng_uniform(r));
        if (y + y > x * x)
            return ZIG_R + x;
    }
}

double bki_rng_gaussian_rare(bk_rng *r, unsigned layer, double u)
{
    for (;;) {
        if (fabs(u) < bki_zig_r[layer])
            return u * bki_zig_x[layer];
        if (layer == 0) /* the base layer beyond its rectangle: the tail */
            return u < 0 ? -zig_tail(r) : zig_tail(r);
        /* the wedge between the layer's rectangle and the curve: accept x when a uniform height
         * between f(x_layer) and f(x_layer+1), relative to f(x), falls under the curve */
        double x = u * bki_zig_x[layer];
        double f0 = exp(-0.5 * (bki_zig_x[layer] * bki_zig_x[layer] - x * x));
        double f1 = exp(-0.5 * (bki_zig_x[layer + 1] * bki_zig_x[layer + 1] - x * x));
        if (f1 + bki_rng_uniform(r) * (f0 - f1) < 1.0)
            return x;
        uint64_t b = bki_rng_next(r);
        layer = (unsigned)(b & 0x7F);
        u = ((double)(int64_t)(b >> 11) - 0x1.0p52 + 0.5) * 0x1.0p-52;
    }
}

/* The layers of the exponential ziggurat (see rng.h), printed exactly from the recurrence
 * evaluated in long double. */
const double bki_zig_exp_x[257] = {
    0x1.164ec94bf5dd4p+3, 0x1.ec9d9297ebb83p+2, 0x1.bc39e51da71fap+2,
    0x1.9e9dc0d487b82p+2, 0x1.8939fe6f2ed16p+2, 0x1.78750d6eac62bp+2,
    0x1.6aa676d4bbf6ep+2, 0x1.5ee7ae17313cep+2, 0x1.54ad83ccf73f1p+2,
    0x1.4b9d7cd4751cdp+2, 0x1.4379766e4135dp+2, 0x1.3c14ec7c8b85dp+2,
    0x1.354ee27ccf759p+2, 0x1.2f0e38a4411ecp+2, 0x1.293f5ae49aaa1p+2,
    0x1.23d2bb659919ap+2, 0x1.1ebbca0c9fa78p+2, 0x1.19f03bcb3c2d1p+2,
    0x1.1567867754425p+2, 0x1.111a8034392a1p+2, 0x1.0d031785d489bp+2,
    0x1.091c1cdcba549p+2, 0x1.056118bf58eeap+2, 0x1.01ce2b362ec29p+2,
    0x1.fcbfe43f6c6dbp+1, 0x1.f626e9791f79dp+1, 0x1.efcc26750ea4p+1,
    0x1.e9aaf2af383b7p+1, 0x1.e3bf26e190956p+1, 0x1.de050af4ef195p+1,
    0x1.d87946fec3be2p+1, 0x1.d318d6b2738bbp+1, 0x1.cde0fecf2a975p+1,
    0x1.c8cf442c8c8e9p+1, 0x1.c3e1641c2e09dp+1, 0x1.bf154de4bef6dp+1,
    0x1.ba691d276da54p+1, 0x1.b5db15091ea05p+1, 0x1.b1699c003b5ffp+1,
    0x1.ad13382d845bap+1, 0x1.a8d68c2ad86dfp+1, 0x1.a4b2543e84c31p+1,
    0x1.a0a563e49f16dp+1, 0x1.9caea3a24d9dfp+1, 0x1.98cd0f18d1acdp+1,
    0x1.94ffb34fc2a04p+1, 0x1.9145ad2f37539p+1, 0x1.8d9e2823b368bp+1,
    0x1.8a085ce695bap+1, 0x1.8683906687337p+1, 0x1.830f12cc0beb8p+1,
    0x1.7faa3e96e1407p+1, 0x1.7c5477d1476c8p+1, 0x1.790d2b56b71eep+1,
    0x1.75d3ce2bd71b8p+1, 0x1.72a7dce5cd20dp+1, 0x1.6f88db1f424fcp+1,
    0x1.6c7652f9a7b13p+1, 0x1.696fd4a9748e3p+1, 0x1.6674f60c3f427p+1,
    0x1.63855247b2e89p+1, 0x1.60a089708186dp+1, 0x1.5dc640388bd92p+1,
    0x1.5af61fa38e0fcp+1, 0x1.582fd4c1b4456p+1, 0x1.5573106f8a74fp+1,
    0x1.52bf871acaaa6p+1, 0x1.5014f08b994fdp+1, 0x1.4d7307b1cb11cp+1,
    0x1.4ad98a75da14p+1, 0x1.4848398d39427p+1, 0x1.45bed851bc921p+1,
    0x1.433d2c9bd42ecp+1, 0x1.40c2fe9f5eea1p+1, 0x1.3e5018caddec4p+1,
    0x1.3be447a8d8b78p+1, 0x1.397f59c345138p+1, 0x1.37211f88ca84bp+1,
    0x1.34c96b33bc95ap+1, 0x1.327810b2aa7c4p+1, 0x1.302ce59265959p+1,
    0x1.2de7c0e962d65p+1, 0x1.2ba87b445db45p+1, 0x1.296eee942531fp+1,
    0x1.273af61c7da9ap+1, 0x1.250c6e6403baep+1, 0x1.22e33524fe544p+1,
    0x1.20bf293f0f496p+1, 0x1.1ea02aa9b3364p+1, 0x1.1c861a6782a4ep+1,
    0x1.1a70da7a27814p+1, 0x1.18604dd6fae92p+1, 0x1.1654585c404b4p+1,
    0x1.144cdec6f3a1fp+1, 0x1.1249c6a92153ep+1, 0x1.104af660befc2p+1,
    0x1.0e50550efcfabp+1, 0x1.0c59ca9009463p+1, 0x1.0a673f733c80dp+1,
    0x1.08789cf3aad03p+1, 0x1.068dccf1126cfp+1, 0x1.04a6b9e922497p+1,
    0x1.02c34ef11390ep+1, 0x1.00e377af911c8p+1, 0x1.fe0e40add09bfp+0,
    0x1.fa5c6b3efe1ccp+0, 0x1.f6b1498515eb7p+0, 0x1.f30cb6ea0bc66p+0,
    0x1.ef6e8fc5b914fp+0, 0x1.ebd6b154a765fp+0, 0x1.e844f9af42366p+0,
    0x1.e4b947c16a438p+0, 0x1.e1337b4265082p+0, 0x1.ddb374ad23566p+0,
    0x1.da391538da4f1p+0, 0x1.d6c43ed1ea3e5p+0, 0x1.d354d4130f294p+0,
    0x1.cfeab83ed7166p+0, 0x1.cc85cf395a552p+0, 0x1.c925fd82323e1p+0,
    0x1.c5cb282eab18ap+0, 0x1.c27534e42e013p+0, 0x1.bf2409d2dfd6bp+0,
    0x1.bbd78db0725f6p+0, 0x1.b88fa7b324f9cp+0, 0x1.b54c3f8cf2528p+0,
    0x1.b20d3d66e8b9bp+0, 0x1.aed289dcaace5p+0, 0x1.ab9c0df81655fp+0,
    0x1.a869b32d0f2f4p+0, 0x1.a53b63556c675p+0, 0x1.a21108ad05913p+0,
    0x1.9eea8dcdde936p+0, 0x1.9bc7ddac70342p+0, 0x1.98a8e3940bbd9p+0,
    0x1.958d8b235826fp+0, 0x1.9275c048e73c6p+0, 0x1.8f616f3fe14f8p+0,
    0x1.8c50848cc6079p+0, 0x1.8942ecfa40f39p+0, 0x1.86389596108cbp+0,
    0x1.83316badfe60ep+0, 0x1.802d5ccce725bp+0, 0x1.7d2c56b7d17dbp+0,
    0x1.7a2e476b123eep+0, 0x1.77331d177d114p+0, 0x1.743ac61fa04p+0,
    0x1.714531150a9dep+0, 0x1.6e524cb59a5ecp+0, 0x1.6b6207e8d3cc3p+0,
    0x1.687451bd3ebd2p+0, 0x1.65891965c9b6fp+0, 0x1.62a04e3731a11p+0,
    0x1.5fb9dfa56cf0ap+0, 0x1.5cd5bd4119318p+0, 0x1.59f3d6b4e9cdcp+0,
    0x1.57141bc316f0ap+0, 0x1.54367c42cb5dbp+0, 0x1.515ae81d900dep+0,
    0x1.4e814f4cb45cdp+0, 0x1.4ba9a1d6b1886p+0, 0x1.48d3cfcc883a6p+0,
    0x1.45ffc94716c89p+0, 0x1.432d7e6466cb2p+0, 0x1.405cdf44f09a6p+0,
    0x1.3d8ddc08d334fp+0, 0x1.3ac064ccfefdep+0, 0x1.37f469a851ad1p+0,
    0x1.3529daa8a1b82p+0, 0x1.3260a7cfb75f3p+0, 0x1.2f98c11031702p+0,
    0x1.2cd2164a53b3fp+0, 0x1.2a0c9748bcd8bp+0, 0x1.274833bd0188p+0,
    0x1.2484db3c2a30ap+0, 0x1.21c27d3b10de5p+0, 0x1.1f01090a9c4c2p+0,
    0x1.1c406dd3d5263p+0, 0x1.19809a93d2376p+0, 0x1.16c17e1777fdbp+0,
    0x1.140306f707d9ep+0, 0x1.114523917abf5p+0, 0x1.0e87c207a2f45p+0,
    0x1.0bcad03710116p+0, 0x1.090e3bb4b0051p+0, 0x1.0651f1c7276d7p+0,
    0x1.0395df60db141p+0, 0x1.00d9f119a3cb8p+0, 0x1.fc3c26504a95ep-1,
    0x1.f6c462b57fe72p-1, 0x1.f14c6e202945cp-1, 0x1.ebd41e5e21b1ep-1,
    0x1.e65b483cf0fffp-1, 0x1.e0e1bf77c31b9p-1, 0x1.db6756a429012p-1,
    0x1.d5ebdf1d86b47p-1, 0x1.d06f28ef0e6b5p-1, 0x1.caf102bc25a94p-1,
    0x1.c57139a70d258p-1, 0x1.bfef99359fe52p-1, 0x1.ba6beb33f8f42p-1,
    0x1.b4e5f794c9753p-1, 0x1.af5d844f2248p-1, 0x1.a9d255396d218p-1,
    0x1.a4442be148801p-1, 0x1.9eb2c75ff0375p-1, 0x1.991de42ad12edp-1,
    0x1.93853bdfda1f9p-1, 0x1.8de8850d0c4ddp-1, 0x1.884772f2be19fp-1,
    0x1.82a1b53fed54bp-1, 0x1.7cf6f7c7e8124p-1, 0x1.7746e23077924p-1,
    0x1.719117979906cp-1, 0x1.6bd5362faa8f4p-1, 0x1.6612d6d0c689p-1,
    0x1.60498c7dd2e7dp-1, 0x1.5a78e3db8beabp-1, 0x1.54a0629786ef9p-1,
    0x1.4ebf86bcd0b3fp-1, 0x1.48d5c5f35e6bdp-1, 0x1.42e28ca7066f3p-1,
    0x1.3ce53d1216249p-1, 0x1.36dd2e26d81aap-1, 0x1.30c9aa526d9f2p-1,
    0x1.2aa9ee12367b1p-1, 0x1.247d26538fed3p-1, 0x1.1e426e93e498ap-1,
    0x1.17f8ceb4bdf42p-1, 0x1.119f38749f55p-1, 0x1.0b348479b809cp-1,
    0x1.04b76ed6a74f6p-1, 0x1.fc4d25d683141p-2, 0x1.ef00ccf5f4edfp-2,
    0x1.e186678f1728bp-2, 0x1.d3da24df17b63p-2, 0x1.c5f7bd78c3eb2p-2,
    0x1.b7da5dddda2e8p-2, 0x1.a97c8be5d5123p-2, 0x1.9ad80552236ecp-2,
    0x1.8be5954d35f82p-2, 0x1.7c9cdda17cf27p-2, 0x1.6cf40f0a72ac3p-2,
    0x1.5cdf89d0249c1p-2, 0x1.4c515c60bfd16p-2, 0x1.3b388fe3d6db4p-2,
    0x1.2980290da2511p-2, 0x1.170db24d6f541p-2, 0x1.03bf049c65afcp-2,
    0x1.decd8b76dbaf1p-3, 0x1.b38d1ef79b4f4p-3, 0x1.85090fbc27768p-3,
    0x1.522e6e54a2706p-3, 0x1.19335a95b89cfp-3, 0x1.ad6b2495b43bap-4,
    0x1.0589d8b5d346p-4, 0x0p+0,
};

const double bki_zig_exp_r[256] = {
    0x1.c5214272497aap-1, 0x1.cdb4dd9e4e8bep-1, 0x1.dddf62bac0bb1p-1,
    0x1.e5961c78b267cp-1, 0x1.ea2a61e122db1p-1, 0x1.ed38ca188151ep-1,
    0x1.ef6aefa57cbe7p-1, 0x1.f113e047b0414p-1, 0x1.f26143450340ap-1,
    0x1.f36e5a38a59a3p-1, 0x1.f44c7665c6fdbp-1, 0x1.f50724ece1172p-1,
    0x1.f5a66904fe3c5p-1, 0x1.f630000a8e267p-1, 0x1.f6a8234b7352bp-1,
    0x1.f71200f1a241dp-1, 0x1.f7700a3582acdp-1, 0x1.f7c427839e926p-1,
    0x1.f80fdc336039bp-1, 0x1.f8545f904db8fp-1, 0x1.f892aec479607p-1,
    0x1.f8cb99e7385f8p-1, 0x1.f8ffcda9ae41dp-1, 0x1.f92fda9cef1f3p-1,
    0x1.f95c3abd03f7ap-1, 0x1.f98555b782fb9p-1, 0x1.f9ab84415abc5p-1,
    0x1.f9cf12b79f9bdp-1, 0x1.f9f04336bbe0bp-1, 0x1.fa0f4f47df316p-1,
    0x1.fa2c693c5c095p-1, 0x1.fa47bd48beap-1, 0x1.fa61726d1f214p-1,
    0x1.fa79ab3508d3dp-1, 0x1.fa908656f66a2p-1, 0x1.faa61f399ff28p-1,
    0x1.faba8e640060bp-1, 0x1.facde9dbf2d74p-1, 0x1.fae045767e105p-1,
    0x1.faf1b31c479a7p-1, 0x1.fb0243042e1c2p-1, 0x1.fb1203e5a9604p-1,
    0x1.fb21032442854p-1, 0x1.fb2f4cf539c4p-1, 0x1.fb3cec803e747p-1,
    0x1.fb49ebfbf69d2p-1, 0x1.fb5654c6f37e2p-1, 0x1.fb622f7d96943p-1,
    0x1.fb6d840d55594p-1, 0x1.fb7859c5b895dp-1, 0x1.fb82b76765b54p-1,
    0x1.fb8ca33174a17p-1, 0x1.fb9622ed4abfcp-1, 0x1.fb9f3bf92b619p-1,
    0x1.fba7f351a70adp-1, 0x1.fbb04d9a0d18dp-1, 0x1.fbb84f23fe6a3p-1,
    0x1.fbbffbf63b7aap-1, 0x1.fbc757d2c4de6p-1, 0x1.fbce663c6201bp-1,
    0x1.fbd52a7b9f827p-1, 0x1.fbdba7a354408p-1, 0x1.fbe1e094ba614p-1,
    0x1.fbe7d80327ddbp-1, 0x1.fbed907770cc6p-1, 0x1.fbf30c52fc60cp-1,
    0x1.fbf84dd29488fp-1, 0x1.fbfd5710f72b9p-1, 0x1.fc022a092f365p-1,
    0x1.fc06c898baff1p-1, 0x1.fc0b348184da4p-1, 0x1.fc0f6f6bb2415p-1,
    0x1.fc137ae74d6b8p-1, 0x1.fc17586dccd1p-1, 0x1.fc1b09637bb3dp-1,
    0x1.fc1e8f18c6756p-1, 0x1.fc21eacb6d39ep-1, 0x1.fc251da79f164p-1,
    0x1.fc2828c8ffcfp-1, 0x1.fc2b0d3b99f9fp-1, 0x1.fc2dcbfcbf263p-1,
    0x1.fc3065fbd7888p-1, 0x1.fc32dc1b2281ap-1, 0x1.fc352f3069372p-1,
    0x1.fc376005a4593p-1, 0x1.fc396f599614cp-1, 0x1.fc3b5de0591b5p-1,
    0x1.fc3d2c43e593dp-1, 0x1.fc3edb248cb62p-1, 0x1.fc406b196bbf8p-1,
    0x1.fc41dcb0d6e0fp-1, 0x1.fc433070bcb99p-1, 0x1.fc4466d702e22p-1,
    0x1.fc458059dc037p-1, 0x1.fc467d6817e83p-1, 0x1.fc475e696dee7p-1,
    0x1.fc4823bec237ap-1, 0x1.fc48cdc265ec1p-1, 0x1.fc495cc852df5p-1,
    0x1.fc49d11e62de4p-1, 0x1.fc4a2b0c82e75p-1, 0x1.fc4a6ad4e28ap-1,
    0x1.fc4a90b41fa35p-1, 0x1.fc4a9ce16ea9fp-1, 0x1.fc4a8f8ebfb8cp-1,
    0x1.fc4a68e8e07fcp-1, 0x1.fc4a29179b434p-1, 0x1.fc49d03dd30b1p-1,
    0x1.fc495e799d21bp-1, 0x1.fc48d3e457ff7p-1, 0x1.fc483092bfbbap-1,
    0x1.fc477495001b2p-1, 0x1.fc469ff6c4504p-1, 0x1.fc45b2bf447e8p-1,
    0x1.fc44acf15112ap-1, 0x1.fc438e8b5bfc7p-1, 0x1.fc4257877fd68p-1,
    0x1.fc4107db85061p-1, 0x1.fc3f9f78e4da8p-1, 0x1.fc3e1e4ccab4p-1,
    0x1.fc3c844013349p-1, 0x1.fc3ad137497fap-1, 0x1.fc390512a2887p-1,
    0x1.fc371fadf66f8p-1, 0x1.fc3520e0b7ec7p-1, 0x1.fc33087de9c0fp-1,
    0x1.fc30d654122eep-1, 0x1.fc2e8a2d2c6b4p-1, 0x1.fc2c23ce98046p-1,
    0x1.fc29a2f90630fp-1, 0x1.fc27076864fc2p-1, 0x1.fc2450d3c83ffp-1,
    0x1.fc217eed505dep-1, 0x1.fc1e91620ea43p-1, 0x1.fc1b87d9e74b4p-1,
    0x1.fc1861f770f4bp-1, 0x1.fc151f57d1943p-1, 0x1.fc11bf9298a65p-1,
    0x1.fc0e42399698ap-1, 0x1.fc0aa6d8b1427p-1, 0x1.fc06ecf5b54b3p-1,
    0x1.fc03141024589p-1, 0x1.fbff1ba0ffdbp-1, 0x1.fbfb031a904c4p-1,
    0x1.fbf6c9e828ae3p-1, 0x1.fbf26f6de6175p-1, 0x1.fbedf3086b128p-1,
    0x1.fbe9540c9695fp-1, 0x1.fbe491c7364dep-1, 0x1.fbdfab7cb3f42p-1,
    0x1.fbdaa068bd66bp-1, 0x1.fbd56fbde729cp-1, 0x1.fbd018a548f9fp-1,
    0x1.fbca9a3e140d5p-1, 0x1.fbc4f39d22995p-1, 0x1.fbbf23cc8029ep-1,
    0x1.fbb929caea4e2p-1, 0x1.fbb3048b49145p-1, 0x1.fbacb2f41ec17p-1,
    0x1.fba633deee286p-1, 0x1.fb9f861796f27p-1, 0x1.fb98a85ba7203p-1,
    0x1.fb919959a0f74p-1, 0x1.fb8a57b0347f6p-1, 0x1.fb82e1ed6ba09p-1,
    0x1.fb7b368dc7da8p-1, 0x1.fb7353fb50799p-1, 0x1.fb6b388c9010ap-1,
    0x1.fb62e2837fe59p-1, 0x1.fb5a500c5fdaap-1, 0x1.fb517f3c793fcp-1,
    0x1.fb486e10cacd6p-1, 0x1.fb3f1a6c9be0bp-1, 0x1.fb358217f4e18p-1,
    0x1.fb2ba2bdfa84bp-1, 0x1.fb2179eb2963ap-1, 0x1.fb17050b6f1fbp-1,
    0x1.fb0c41681dff3p-1, 0x1.fb012c25b7a13p-1, 0x1.faf5c2418b07ep-1,
    0x1.faea008f21d6cp-1, 0x1.fadde3b5782c1p-1, 0x1.fad1682bf9fe9p-1,
    0x1.fac48a3740585p-1, 0x1.fab745e588231p-1, 0x1.faa9970adb858p-1,
    0x1.fa9b793ce5fefp-1, 0x1.fa8ce7ce6a875p-1, 0x1.fa7dddca51ec4p-1,
    0x1.fa6e55ee46782p-1, 0x1.fa5e4aa4d097cp-1, 0x1.fa4db5fee6aa2p-1,
    0x1.fa3c91ace0682p-1, 0x1.fa2ad6f6bc4fcp-1, 0x1.fa187eb3a3339p-1,
    0x1.fa058140936cp-1, 0x1.f9f1d6761a1cdp-1, 0x1.f9dd759cfd802p-1,
    0x1.f9c85561b7179p-1, 0x1.f9b26bc697effp-1, 0x1.f99bae146ba8p-1,
    0x1.f98410c968891p-1, 0x1.f96b878633891p-1, 0x1.f95204f8b64d9p-1,
    0x1.f9377ac47afd6p-1, 0x1.f91bd968358dfp-1, 0x1.f8ff102013e15p-1,
    0x1.f8e10cc45d048p-1, 0x1.f8c1bba3d39abp-1, 0x1.f8a10759374f9p-1,
    0x1.f87ed89b24261p-1, 0x1.f85b16056b911p-1, 0x1.f835a3dad916p-1,
    0x1.f80e63be21136p-1, 0x1.f7e5346079f88p-1, 0x1.f7b9f12413ff3p-1,
    0x1.f78c71b045cbep-1, 0x1.f75c8974d09d4p-1, 0x1.f72a07190f137p-1,
    0x1.f6f4b3d32e4fp-1, 0x1.f6bc52a2b02e3p-1, 0x1.f6809f6859676p-1,
    0x1.f6414dd44576ep-1, 0x1.f5fe08210d088p-1, 0x1.f5b66d9099992p-1,
    0x1.f56a109c3ecbbp-1, 0x1.f51874c5c331dp-1, 0x1.f4c10bf1d3a0ap-1,
    0x1.f463332d788f5p-1, 0x1.f3fe2eb6e6946p-1, 0x1.f39125157c0ffp-1,
    0x1.f31b18fb9552ap-1, 0x1.f29ae1951a86cp-1, 0x1.f20f20c452568p-1,
    0x1.f176369f1f77p-1, 0x1.f0ce313a796acp-1, 0x1.f014b76ddd497p-1,
    0x1.ef46eca361cc2p-1, 0x1.ee614ae6e5679p-1, 0x1.ed5f6f08799bdp-1,
    0x1.ec3bd07b46543p-1, 0x1.eaef5b14ef088p-1, 0x1.e970daf08ae23p-1,
    0x1.e7b42096f044dp-1, 0x1.e5a8b177cb77ep-1, 0x1.e337b71d4780bp-1,
    0x1.e0409dfac9d93p-1, 0x1.dc934dd172c2dp-1, 0x1.d7e5bd56b185bp-1,
    0x1.d1bfe2d5c38fep-1, 0x1.c951d0f886475p-1, 0x1.bd127f7194383p-1,
    0x1.a9bb7320eaf1p-1, 0x1.86ef58e3f38eap-1, 0x1.37d5bd79c293p-1,
    0x0p+0,
};

#define ZIG_EXP_R 7.69711747013104972 /* where the tail begins */

double bki_rng_exponential_rare(bk_rng *r, unsigned layer, double u)
{
    double shift = 0; /* the tail: r plus an exponential variate, drawn afresh */
    for (;;) {
        if (u < bki_zig_exp_r[layer])
            return shift + u * bki_zig_exp_x[layer];
        if (layer == 0)
            shift += ZIG_EXP_R;
        else {
            /* the wedge: accept x when a uniform height between f(x_layer) and f(x_layer+1),
             * relative to f(x), falls under the curve */
            double x = u * bki_zig_exp_x[layer];
            double f0 = exp(x - bki_zig_exp_x[layer]), f1 = exp(x - bki_zig_exp_x[layer + 1]);
            if (f1 + bki_rng_uniform(r) * (f0 - f1) < 1.0)
                return shift + x;
        }
        uint64_t b = bki_rng_next(r);
        layer = (unsigned)(b & 0xFF);
        u = ((double)(b >> 11) + 0.5) * 0x1.0p-53;
    }
}
