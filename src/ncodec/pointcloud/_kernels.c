/* Fused kernels of the lidar-octree context network (issue 18).
 *
 * The same functions as `first_layer.FirstLayer.preactivation` and
 * `integer_mlp.IntegerMLP.split_coder_weights` (numpy/torch), computed node by node with no
 * temporary arrays. Values are integers (times a layer's power of two) stored in float32, and the
 * exported weights bound every partial sum below 2**24 units (checked at load), so float32 sums
 * are exact in any order, with or without fused multiply-add; floors of exact values and the
 * integer count arithmetic are exact too. The results are therefore bit-identical to the numpy
 * path on every machine; the tests compare the two.
 *
 * Every index read from an array is checked against the array it indexes, so a corrupt input
 * can only raise ValueError, never read out of bounds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_WIDTH 256 /* widest layer */
#define MAX_LAYERS 8
#define MAX_SYMBOLS 256 /* output layer */
#define OWNERS 27
#define PARENTS 26
#define FIXED 4
#define FAR 24

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

/* A C-contiguous buffer of `count` items of `itemsize` bytes (count < 0: any count). */
static int get(PyObject *obj, Buffer *buf, Py_ssize_t itemsize, Py_ssize_t count, int writable,
               const char *name) {
    buf->held = 0;
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &buf->view, flags) < 0) return -1;
    buf->held = 1;
    if (buf->view.len % itemsize ||
        (count >= 0 && buf->view.len != count * itemsize)) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes, got %zd bytes",
                     name, count, itemsize, buf->view.len);
        return -1;
    }
    return 0;
}

static Py_ssize_t items(Buffer *buf, Py_ssize_t itemsize) { return buf->view.len / itemsize; }

static void release(Buffer *buffers, int count) {
    for (int i = 0; i < count; i++)
        if (buffers[i].held) PyBuffer_Release(&buffers[i].view);
}

#define INLINE static inline __attribute__((always_inline))

/* x86-64 with GCC or Clang: the loops are also compiled for AVX2 with FMA (see the end). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define HAVE_AVX2_VARIANT 1
#include <immintrin.h>
#else
#define HAVE_AVX2_VARIANT 0
#endif
#if defined(_MSC_VER)
#define RESTRICT __restrict
#else
#define RESTRICT __restrict__
#endif

/* Eight floats (GCC / Clang vector extension; unaligned loads and stores through memcpy). The
 * helpers are always inlined, so GCC's note on the ABI of passing vectors by value (silenced by
 * -Wno-psabi in setup.py) does not apply. */
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

INLINE v8 load8(const float *p) {
    v8 v;
    memcpy(&v, p, sizeof(v));
    return v;
}

INLINE void store8(float *p, v8 v) { memcpy(p, &v, sizeof(v)); }

typedef struct {
    const int64_t *index, *parent, *above_child, *known, *known_offset;
    const float *table, *far_weight;
    const int32_t *owner_keys, *near_keys, *fixed_keys, *neighbours, *owners, *slots;
    const uint8_t *owner_bytes, *above_bytes, *level_bytes, *known_mask;
    const int16_t *fixed;
    const uint16_t *far_table;
    float *out;
    Py_ssize_t n, nodes, known_count, above, slot_count, far_rows;
    int has_owners, has_above, width, bias_key, parent_base, count_max;
} FirstLayerArgs;

/* The rows to sum for node i: keys of its nonzero bytes and values (the rows of zero bytes
 * and values are zero), collected without branches; the count, or -1 if an index is out of
 * range. */
INLINE int node_keys(const FirstLayerArgs *a, Py_ssize_t i, int32_t *RESTRICT keys) {
    int64_t v = a->index[i];
    if (v < 0 || v >= a->nodes) return -1;
    int m = 0;
    keys[m++] = a->bias_key;
    if (a->has_owners) {
        const uint8_t *bytes = a->owner_bytes + v * OWNERS;
        for (int j = 0; j < OWNERS; j++) {
            keys[m] = a->owner_keys[j] + bytes[j];
            m += bytes[j] != 0;
        }
    }
    if (a->has_above) {
        int64_t p = a->parent[v];
        if (p < 0 || p >= a->above) return -1;
        int64_t c = a->above_child[p];
        if (c < 0 || c >= 8) return -1;
        const uint8_t *bytes = a->above_bytes + p * OWNERS;
        int32_t base = a->parent_base + (int32_t)c * PARENTS * 257;
        for (int j = 0; j < PARENTS; j++) {
            keys[m] = base + j * 257 + bytes[j];
            m += bytes[j] != 0;
        }
    }
    const int32_t *row = a->neighbours + v * 26;
    for (Py_ssize_t j = 0; j < a->known_count; j++) {
        int32_t u = row[a->known[j]];
        if (u < -1 || u >= a->nodes) return -1;
        uint8_t byte = a->level_bytes[u < 0 ? a->nodes : u];
        keys[m] = a->near_keys[a->known[j]] + byte;
        m += byte != 0;
    }
    const int16_t *values = a->fixed + v * FIXED;
    for (int j = 0; j < FIXED; j++) {
        if (values[j] < 0 || values[j] > 128) return -1;
        keys[m] = a->fixed_keys[j] + values[j];
        m += values[j] != 0;
    }
    return m;
}

/* `far.FarContext.sparse_counts` of node i (the known occupied next-level cells of its 5x5x5
 * block at Chebyshev distance >= 2 from each child, by |dz| class, clipped to count_max), times
 * the far-count weights, added to out; -1 if an index is out of range. */
INLINE int far_counts(const FirstLayerArgs *a, Py_ssize_t i, float *RESTRICT out, int width) {
    int64_t v = a->index[i];
    const uint8_t *bytes = a->owner_bytes + v * OWNERS;
    const int32_t *owners = a->owners + v * OWNERS;
    uint32_t sums[FAR] = {0};
    int any = 0;
    for (int j = 0; j < OWNERS; j++) {
        unsigned bits = bytes[j] & a->known_mask[j];
        while (bits) {
            int slot = __builtin_ctz(bits);
            bits &= bits - 1;
            int64_t owner = owners[j];
            if (owner < 0 || 8 * owner + slot >= a->slot_count) return -1;
            int32_t cell = a->slots[8 * owner + slot];
            if (cell < 0 || cell >= a->nodes) return -1;
            int64_t row = a->known_offset[8 * j + slot] * 256 + a->level_bytes[cell];
            if (row < 0 || row >= a->far_rows) return -1;
            const uint16_t *counts = a->far_table + row * FAR;
            for (int k = 0; k < FAR; k++) sums[k] += counts[k];
            any = 1;
        }
    }
    if (!any) return 0;
    for (int k = 0; k < FAR; k++) {
        if (!sums[k]) continue;
        float c = (float)(sums[k] < (uint32_t)a->count_max ? sums[k] : (uint32_t)a->count_max);
        const float *RESTRICT w = a->far_weight + k * width;
        for (int t = 0; t < width; t++) out[t] += c * w[t];
    }
    return 0;
}

/* Prefetch what node_keys and far_counts will read for node i (its bytes, neighbours and
 * owners rows; the parent's bytes): the loop is bound by these scattered reads. */
INLINE void prefetch_node(const FirstLayerArgs *a, Py_ssize_t i) {
    int64_t v = a->index[i];
    if (v < 0 || v >= a->nodes) return;
    const char *neighbours = (const char *)(a->neighbours + v * 26);
    __builtin_prefetch(neighbours);
    __builtin_prefetch(neighbours + 64);
    if (a->has_owners) {
        __builtin_prefetch(a->owner_bytes + v * OWNERS);
        const char *owners = (const char *)(a->owners + v * OWNERS);
        __builtin_prefetch(owners);
        __builtin_prefetch(owners + 64);
    }
    if (a->has_above) {
        int64_t p = a->parent[v];
        if (p >= 0 && p < a->above) __builtin_prefetch(a->above_bytes + p * OWNERS);
    }
}

/* The node loop of `first_layer`; -1 if an index is out of range. The keys of node i + 1 are
 * found (and their table rows prefetched) before node i's rows are summed, and node i + 3's
 * scattered inputs are prefetched. */
INLINE int first_layer_body(const FirstLayerArgs *a, int width) {
    int32_t keys[2][1 + OWNERS + PARENTS + 26 + FIXED];
    const float *table = a->table;
    if (a->n == 0) return 0;
    for (Py_ssize_t k = 1; k < 3 && k < a->n; k++) prefetch_node(a, k);
    int m_next = node_keys(a, 0, keys[0]);
    for (Py_ssize_t i = 0; i < a->n; i++) {
        int m = m_next;
        if (m < 0) return -1;
        const int32_t *cur = keys[i & 1];
        if (i + 3 < a->n) prefetch_node(a, i + 3);
        if (i + 1 < a->n) {
            int32_t *next = keys[(i + 1) & 1];
            m_next = node_keys(a, i + 1, next);
            for (int r = 0; r < m_next; r++) {
                const char *row = (const char *)(table + (Py_ssize_t)next[r] * width);
                for (int line = 0; line < width * 4; line += 64) __builtin_prefetch(row + line);
            }
        }
        float *RESTRICT out = a->out + i * width;
        if (width == 64) {
            v8 acc[8];
            for (int t = 0; t < 8; t++) acc[t] = load8(table + (Py_ssize_t)cur[0] * 64 + 8 * t);
            for (int r = 1; r < m; r++) {
                const float *row = table + (Py_ssize_t)cur[r] * 64;
                for (int t = 0; t < 8; t++) acc[t] += load8(row + 8 * t);
            }
            for (int t = 0; t < 8; t++) store8(out + 8 * t, acc[t]);
        } else {
            memcpy(out, table + (Py_ssize_t)cur[0] * width, sizeof(float) * width);
            for (int r = 1; r < m; r++) {
                const float *RESTRICT row = table + (Py_ssize_t)cur[r] * width;
                for (int k = 0; k < width; k++) out[k] += row[k];
            }
        }
        if (a->has_owners && far_counts(a, i, out, width) < 0) return -1;
    }
    return 0;
}

typedef struct {
    int count;
    int cin[MAX_LAYERS + 1];
    const float *weight[MAX_LAYERS], *bias[MAX_LAYERS];
    Buffer buffers[2 * MAX_LAYERS];
} Layers;

typedef struct {
    const float *pre;
    const Layers *body, *head, *last;
    const uint64_t *exp_int;
    float *hidden_out;
    double *weights_out;
    Py_ssize_t n;
    int width, weight_bits;
    const float *last_rows; /* the output layer's weight transposed (K, in), or NULL */
    /* the body's and the head's layers in integer form (AVX2 only; NULL: floats) */
    const struct PairLayer *body_pairs, *head_pairs;
} SplitArgs;

/* The positions of the nonzero inputs (after a ReLU a third are zero, and a zero input adds an
 * exact zero): a bit mask built without a loop-carried dependency, then listed; their count. */
INLINE int nonzero_inputs(const float *RESTRICT x, int cin, int32_t *RESTRICT used) {
    int m = 0;
    for (int base = 0; base < cin; base += 64) {
        int end = cin - base < 64 ? cin - base : 64;
        uint64_t mask = 0;
        for (int j = 0; j < end; j++) mask |= (uint64_t)(x[base + j] != 0.0f) << j;
        while (mask) {
            used[m++] = base + __builtin_ctzll(mask);
            mask &= mask - 1;
        }
    }
    return m;
}

/* 64 outputs y = x @ weight[:, 0:64] + bias over the inputs `used` (count m), the weight rows
 * `stride` floats apart. */
INLINE void dense64(const float *RESTRICT x, const int32_t *RESTRICT used, int m,
                    const float *RESTRICT weight, int stride, const float *RESTRICT bias,
                    float *RESTRICT y) {
    v8 a0 = load8(bias), a1 = load8(bias + 8), a2 = load8(bias + 16), a3 = load8(bias + 24);
    v8 a4 = load8(bias + 32), a5 = load8(bias + 40), a6 = load8(bias + 48);
    v8 a7 = load8(bias + 56);
    for (int r = 0; r < m; r++) {
        int j = used[r];
        v8 s = {x[j], x[j], x[j], x[j], x[j], x[j], x[j], x[j]};
        const float *w = weight + (Py_ssize_t)j * stride;
        a0 += s * load8(w);
        a1 += s * load8(w + 8);
        a2 += s * load8(w + 16);
        a3 += s * load8(w + 24);
        a4 += s * load8(w + 32);
        a5 += s * load8(w + 40);
        a6 += s * load8(w + 48);
        a7 += s * load8(w + 56);
    }
    store8(y, a0);
    store8(y + 8, a1);
    store8(y + 16, a2);
    store8(y + 24, a3);
    store8(y + 32, a4);
    store8(y + 40, a5);
    store8(y + 48, a6);
    store8(y + 56, a7);
}

/* y (cout) = x (cin) @ weight + bias, exact in float32 in any order. */
INLINE void dense(const float *RESTRICT x, int cin, const float *RESTRICT weight,
                  const float *RESTRICT bias, int cout, float *RESTRICT y) {
    if (cout == 64 && cin <= MAX_WIDTH) {
        int32_t used[MAX_WIDTH];
        int m = nonzero_inputs(x, cin, used);
        dense64(x, used, m, weight, 64, bias, y);
        return;
    }
    memcpy(y, bias, sizeof(float) * cout);
    for (int j = 0; j < cin; j++) {
        float s = x[j];
        const float *RESTRICT w = weight + (Py_ssize_t)j * cout;
        for (int k = 0; k < cout; k++) y[k] += s * w[k];
    }
}

/* Few outputs (cout <= 16, cin a multiple of 8, at most 64): each a dot product of x with a
 * row of the transposed weight, all outputs' vector sums interleaved. */
INLINE void dense_dot(const float *RESTRICT x, int cin, const float *RESTRICT weight_rows,
                      const float *RESTRICT bias, int cout, float *RESTRICT y) {
    v8 acc[16];
    for (int k = 0; k < cout; k++) acc[k] = (v8){0, 0, 0, 0, 0, 0, 0, 0};
    for (int j = 0; j < cin; j += 8) {
        v8 xs = load8(x + j);
        for (int k = 0; k < cout; k++) acc[k] += xs * load8(weight_rows + k * cin + j);
    }
    for (int k = 0; k < cout; k++) {
        v8 v = acc[k];
        y[k] = bias[k] + (((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7])));
    }
}

/* floor(x) clipped to 0..255, for values below 2**24 in magnitude (all of ours): truncation to
 * int32 is then exact, and one is taken off where it rounded up (negative non-integers). */
INLINE v8 floor_clip8(v8 x) {
    v8 t = __builtin_convertvector(__builtin_convertvector(x, v8i), v8);
    t += __builtin_convertvector(t > x, v8); /* the mask is -1 where t > x */
    v8i positive = t > 0.0f, big = t > 255.0f;
    v8i bits = (v8i)t & positive;
    v8 top = {255.0f, 255.0f, 255.0f, 255.0f, 255.0f, 255.0f, 255.0f, 255.0f};
    return (v8)((bits & ~big) | ((v8i)top & big));
}

INLINE void floor_clip(float *RESTRICT x, int width) {
    int k = 0;
    for (; k + 8 <= width; k += 8) store8(x + k, floor_clip8(load8(x + k)));
    for (; k < width; k++) {
        float v = floorf(x[k]);
        v = v < 0.0f ? 0.0f : v;
        x[k] = v > 255.0f ? 255.0f : v;
    }
}

/* The exp-table index of a gap best - z: the gap clipped to 0..255 (NaN, from non-finite
 * inputs, reads index 0: never out of range). */
INLINE int gap_index(float gap) { return gap > 0.0f ? (gap < 255.0f ? (int)gap : 255) : 0; }

/* `integer_mlp.weights_from_gaps` of one node's logits y (K symbols, floored here): gap =
 * min(best - z, 255), e = exp[gap], R = ((2**20 - K) << 32) // sum e, f = (e R) >> 32 (e <= 2**16
 * and R <= 2**36, so the product fits), weight = f 2**b + 2**b - 1, plus what the floors left
 * times 2**b on the first most likely symbol; every value an integer below 2**53, so the float64
 * results equal numpy's. */
INLINE void logits_to_weights(float *RESTRICT y, int symbols, const uint64_t *RESTRICT exp_int,
                              int weight_bits, double *RESTRICT out) {
    const uint64_t free_count = ((uint64_t)1 << 20) - (uint64_t)symbols;
    const double scale = (double)(1u << weight_bits);
    float best = floorf(y[0]);
    int top = 0;
    for (int k = 0; k < symbols; k++) {
        y[k] = floorf(y[k]);
        if (y[k] > best) {
            best = y[k];
            top = k;
        }
    }
    uint64_t e[MAX_SYMBOLS], total = 0;
    for (int k = 0; k < symbols; k++) {
        e[k] = exp_int[gap_index(best - y[k])];
        total += e[k];
    }
    uint64_t ratio = (free_count << 32) / total, used = 0;
    for (int k = 0; k < symbols; k++) {
        uint64_t f = (e[k] * ratio) >> 32;
        used += f;
        out[k] = (double)f * scale + (scale - 1.0);
    }
    out[top] += (double)(free_count - used) * scale;
}

#if HAVE_AVX2_VARIANT
/* `logits_to_weights` in AVX2 vectors, for the wide (247-symbol) head: the same integers. The
 * exp values (<= 2**16) as floats and their sum (< 2**24) are exact in float32, e R (< 2**53)
 * and the floor of e R 2**-32 in float64; the first most likely symbol is found as before. */
__attribute__((target("avx2,fma"))) static void logits_to_weights_avx2(
    float *RESTRICT y, int symbols, const float *RESTRICT exp_float, int weight_bits,
    double *RESTRICT out) {
    const uint64_t free_count = ((uint64_t)1 << 20) - (uint64_t)symbols;
    const double scale = (double)(1u << weight_bits);
    const int whole = symbols & ~7;
    float best = floorf(y[0]);
    __m256 best8 = _mm256_set1_ps(best);
    for (int k = 0; k < whole; k += 8) {
        __m256 v = _mm256_floor_ps(_mm256_loadu_ps(y + k));
        _mm256_storeu_ps(y + k, v);
        best8 = _mm256_max_ps(v, best8); /* NaN: keeps best8 */
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, best8);
    for (int t = 0; t < 8; t++) best = lanes[t] > best ? lanes[t] : best;
    for (int k = whole; k < symbols; k++) {
        y[k] = floorf(y[k]);
        best = y[k] > best ? y[k] : best;
    }
    int top = 0;
    while (top < symbols && !(y[top] == best)) top++;
    if (top == symbols) top = 0; /* only with non-finite logits */
    float e[MAX_SYMBOLS];
    const __m256 best_all = _mm256_set1_ps(best), zero = _mm256_setzero_ps();
    const __m256 last = _mm256_set1_ps(255.0f);
    __m256 sum8 = _mm256_setzero_ps();
    for (int k = 0; k < whole; k += 8) {
        __m256 gap = _mm256_sub_ps(best_all, _mm256_loadu_ps(y + k));
        gap = _mm256_min_ps(_mm256_max_ps(gap, zero), last); /* NaN -> 0, as gap_index */
        __m256 v = _mm256_i32gather_ps(exp_float, _mm256_cvttps_epi32(gap), 4);
        _mm256_storeu_ps(e + k, v);
        sum8 = _mm256_add_ps(sum8, v);
    }
    _mm256_storeu_ps(lanes, sum8);
    float total = 0.0f;
    for (int t = 0; t < 8; t++) total += lanes[t];
    for (int k = whole; k < symbols; k++) {
        e[k] = exp_float[gap_index(best - y[k])];
        total += e[k];
    }
    const uint64_t ratio = (free_count << 32) / (uint64_t)total;
    const __m256d ratio4 = _mm256_set1_pd((double)ratio * 0x1p-32);
    const __m256d scale4 = _mm256_set1_pd(scale), offset4 = _mm256_set1_pd(scale - 1.0);
    __m256d used4 = _mm256_setzero_pd();
    const int quads = symbols & ~3;
    for (int k = 0; k < quads; k += 4) {
        __m256d f = _mm256_floor_pd(_mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(e + k)), ratio4));
        used4 = _mm256_add_pd(used4, f);
        _mm256_storeu_pd(out + k, _mm256_add_pd(_mm256_mul_pd(f, scale4), offset4));
    }
    double sums[4];
    _mm256_storeu_pd(sums, used4);
    double used = (sums[0] + sums[1]) + (sums[2] + sums[3]);
    for (int k = quads; k < symbols; k++) {
        double f = floor((double)e[k] * ((double)ratio * 0x1p-32));
        used += f;
        out[k] = f * scale + (scale - 1.0);
    }
    out[top] += ((double)free_count - used) * scale;
}
#endif

/* A layer in 16-bit integers for AVX2's pair multiply-add (vpmaddwd: 16 products of 16-bit
 * integers, summed in pairs into 32-bit integers, per instruction: twice the products of a
 * float32 FMA). The exported layers are integers times 2**-shift (integer_mlp), so where those
 * integers fit 16 bits, every sum fits 31 bits and the inputs are integers 0..255, the integer
 * sums are the float path's exact sums times 2**shift, and an arithmetic shift right is the
 * same floor: the same outputs, bit for bit (the tests compare the two instruction sets). */
typedef struct PairLayer {
    int shift, pairs, chunks; /* chunks of 64 outputs, zero-padded */
    int16_t *weight;          /* (chunks, pairs, 64, 2): inputs 2p and 2p + 1 of each output */
    int32_t *bias;            /* (chunks * 64) */
} PairLayer;

static void free_pair_layer(PairLayer *layer) {
    PyMem_Free(layer->weight);
    PyMem_Free(layer->bias);
    layer->weight = NULL;
    layer->bias = NULL;
}

/* The smallest s <= 24 such that weight (cin, cout) and bias times 2**s are integers (from the
 * lowest set bit of each value's significand, read from its IEEE bits); -1 if there is none. */
static int integer_shift(const float *weight, const float *bias, int cin, int cout) {
    int shift = 0;
    Py_ssize_t weights = (Py_ssize_t)cin * cout;
    for (Py_ssize_t k = 0; k < weights + cout; k++) {
        float v = k < weights ? weight[k] : bias[k - weights];
        uint32_t bits;
        memcpy(&bits, &v, sizeof(bits));
        int field = (int)((bits >> 23) & 0xff);
        uint32_t significand = bits & 0x7fffff;
        if (field == 0xff) return -1; /* infinite or NaN */
        if (field == 0 && significand == 0) continue; /* zero */
        if (field) significand |= 0x800000;
        /* v = significand * 2**(field - 150) (subnormals: 2**-149) */
        int lowest = (field ? field - 150 : -149) + __builtin_ctz(significand);
        if (-lowest > shift) shift = -lowest;
    }
    return shift <= 24 ? shift : -1;
}

/* The integer form of a layer (weight (cin, cout), bias) in `out`: 1, or 0 if it has none (then
 * the float path runs; out->weight is NULL), -1 (MemoryError set) if an allocation failed. */
static int pair_layer(const float *weight, const float *bias, int cin, int cout, PairLayer *out) {
    memset(out, 0, sizeof(*out));
    if (cin % 2 || cin > MAX_WIDTH || cout > MAX_WIDTH) return 0;
    int shift = integer_shift(weight, bias, cin, cout);
    if (shift < 0) return 0;
    float scale = ldexpf(1.0f, shift);
    for (int o = 0; o < cout; o++) {
        double bound = fabs((double)bias[o] * scale);
        for (int j = 0; j < cin; j++) {
            double w = fabs((double)weight[(Py_ssize_t)j * cout + o] * scale);
            if (w >= 32768.0) return 0;
            bound += 255.0 * w;
        }
        if (bound >= 2147483648.0) return 0;
    }
    int chunks = (cout + 63) / 64, pairs = cin / 2;
    out->weight = PyMem_Calloc((size_t)chunks * pairs * 128, sizeof(int16_t));
    out->bias = PyMem_Calloc((size_t)chunks * 64, sizeof(int32_t));
    if (!out->weight || !out->bias) {
        free_pair_layer(out);
        PyErr_NoMemory();
        return -1;
    }
    out->shift = shift;
    out->pairs = pairs;
    out->chunks = chunks;
    for (int o = 0; o < cout; o++) {
        int16_t *column = out->weight + ((Py_ssize_t)(o / 64) * pairs * 64 + o % 64) * 2;
        for (int j = 0; j < cin; j++)
            column[(j / 2) * 128 + j % 2] = (int16_t)(weight[(Py_ssize_t)j * cout + o] * scale);
        out->bias[o] = (int32_t)(bias[o] * scale);
    }
    return 1;
}

#if HAVE_AVX2_VARIANT
/* y (chunks * 64) = floor(x @ weight + bias) clipped to 0..255, for inputs x (cin)
 * that are integers 0..255 (the caller's guarantee); pairs of zero inputs are skipped. */
__attribute__((target("avx2,fma"))) static void pair_dense(const PairLayer *layer,
                                                           const float *RESTRICT x,
                                                           float *RESTRICT y) {
    const __m128i shift = _mm_cvtsi32_si128(layer->shift);
    const __m256i zero = _mm256_setzero_si256(), top = _mm256_set1_epi32(255);
    for (int c = 0; c < layer->chunks; c++) {
        const int16_t *weight = layer->weight + (Py_ssize_t)c * layer->pairs * 128;
        __m256i acc[8];
        for (int t = 0; t < 8; t++)
            acc[t] = _mm256_loadu_si256((const __m256i *)(layer->bias + 64 * c + 8 * t));
        for (int p = 0; p < layer->pairs; p++) {
            int32_t pair = (int32_t)x[2 * p] | ((int32_t)x[2 * p + 1] << 16);
            if (!pair) continue;
            __m256i v = _mm256_set1_epi32(pair);
            const __m256i *w = (const __m256i *)(weight + p * 128);
            for (int t = 0; t < 8; t++)
                acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(v, _mm256_loadu_si256(w + t)));
        }
        for (int t = 0; t < 8; t++) {
            __m256i z = _mm256_sra_epi32(acc[t], shift);
            z = _mm256_min_epi32(_mm256_max_epi32(z, zero), top);
            _mm256_storeu_ps(y + 64 * c + 8 * t, _mm256_cvtepi32_ps(z));
        }
    }
}
#else
static void pair_dense(const PairLayer *layer, const float *x, float *y) {}
#endif

typedef struct {
    const float *hidden;
    const Layers *layer;
    const uint64_t *exp_int;
    double *weights_out;
    Py_ssize_t n;
    int weight_bits;
    const float *padded, *padded_bias; /* weight (in, stride) and bias, zero-padded */
    int stride;
    const float *exp_float; /* the exp table as floats (exact), for the AVX2 count path */
    int vector_counts;      /* set by the AVX2 variant */
} WideArgs;

/* The node loop of `wide_weights`. */
INLINE void wide_body(const WideArgs *a) {
    float y[MAX_SYMBOLS];
    const int cin = a->layer->cin[0], symbols = a->layer->cin[1];
    for (Py_ssize_t i = 0; i < a->n; i++) {
        const float *x = a->hidden + i * cin;
        int32_t used[MAX_WIDTH];
        int m = nonzero_inputs(x, cin, used);
        for (int k = 0; k < a->stride; k += 64)
            dense64(x, used, m, a->padded + k, a->stride, a->padded_bias + k, y + k);
#if HAVE_AVX2_VARIANT
        if (a->vector_counts) {
            logits_to_weights_avx2(y, symbols, a->exp_float, a->weight_bits,
                                   a->weights_out + i * symbols);
            continue;
        }
#endif
        logits_to_weights(y, symbols, a->exp_int, a->weight_bits, a->weights_out + i * symbols);
    }
}

/* Nodes per block of `split_body`: each layer runs over a block's nodes in turn, so its weights
 * stay in the L1 cache (a 64x64 layer is 16 KB) instead of every layer's weights passing
 * through it for each node. */
#define SPLIT_BLOCK 16

/* Layers (each followed by floor and a clip to 0..255) applied to each of `count` rows of xs
 * (MAX_WIDTH apart) in place, layer by layer; returns the width. */
INLINE int hidden_layers_block(const Layers *layers, const PairLayer *pairs,
                               float (*RESTRICT xs)[MAX_WIDTH], int count, int w) {
    float y[MAX_WIDTH];
    for (int k = 0; k < layers->count; k++) {
        int cout = layers->cin[k + 1];
        for (int b = 0; b < count; b++) {
            if (pairs && pairs[k].weight) {
                pair_dense(&pairs[k], xs[b], y); /* xs: floor_clip's or a layer's */
            } else if (w == 64 && cout == 64) {
                dense(xs[b], 64, layers->weight[k], layers->bias[k], 64, y);
                floor_clip(y, 64);
            } else {
                dense(xs[b], w, layers->weight[k], layers->bias[k], cout, y);
                floor_clip(y, cout);
            }
            memcpy(xs[b], y, sizeof(float) * cout);
        }
        w = cout;
    }
    return w;
}

/* The node loop of `split_weights`, SPLIT_BLOCK nodes at a time. */
INLINE void split_body(const SplitArgs *a) {
    float xs[SPLIT_BLOCK][MAX_WIDTH], y[MAX_WIDTH];
    const int symbols = a->last->cin[1];
    const int hidden_width = a->body->cin[a->body->count];
    for (Py_ssize_t start = 0; start < a->n; start += SPLIT_BLOCK) {
        int count = a->n - start < SPLIT_BLOCK ? (int)(a->n - start) : SPLIT_BLOCK;
        for (int b = 0; b < count; b++) {
            memcpy(xs[b], a->pre + (start + b) * a->width, sizeof(float) * a->width);
            floor_clip(xs[b], a->width);
        }
        int w = hidden_layers_block(a->body, a->body_pairs, xs, count, a->width);
        for (int b = 0; b < count; b++)
            memcpy(a->hidden_out + (start + b) * hidden_width, xs[b],
                   sizeof(float) * hidden_width);
        w = hidden_layers_block(a->head, a->head_pairs, xs, count, w);
        for (int b = 0; b < count; b++) {
            if (a->last_rows)
                dense_dot(xs[b], w, a->last_rows, a->last->bias[0], symbols, y);
            else
                dense(xs[b], w, a->last->weight[0], a->last->bias[0], symbols, y);
            logits_to_weights(y, symbols, a->exp_int, a->weight_bits,
                              a->weights_out + (start + b) * symbols);
        }
    }
}

/* Each loop compiled for the baseline instruction set and, on x86-64 with GCC or Clang, for
 * AVX2 with FMA (picked at import by what the CPU supports); the results are the same either
 * way (exact integer arithmetic). The first layer's common width 64 gets its own constant-width
 * copy; the dense layers have a 64-output vector path of their own. */
static void wide_nodes_base(const WideArgs *a) { wide_body(a); }
static int first_layer_nodes_base(const FirstLayerArgs *a) {
    return a->width == 64 ? first_layer_body(a, 64) : first_layer_body(a, a->width);
}
static void split_nodes_base(const SplitArgs *a) {
    SplitArgs floats = *a;
    floats.body_pairs = floats.head_pairs = NULL;
    split_body(&floats);
}
#if HAVE_AVX2_VARIANT
__attribute__((target("avx2,fma"))) static void wide_nodes_avx2(const WideArgs *a) {
    WideArgs vectors = *a;
    vectors.vector_counts = 1;
    wide_body(&vectors);
}
__attribute__((target("avx2,fma"))) static int first_layer_nodes_avx2(const FirstLayerArgs *a) {
    return a->width == 64 ? first_layer_body(a, 64) : first_layer_body(a, a->width);
}
__attribute__((target("avx2,fma"))) static void split_nodes_avx2(const SplitArgs *a) {
    split_body(a);
}
#endif

#include "../_instruction_sets.h"

#if HAVE_AVX2_VARIANT
#define DISPATCH(fn, ...) (use_avx2 ? fn##_avx2(__VA_ARGS__) : fn##_base(__VA_ARGS__))
#else
#define DISPATCH(fn, ...) fn##_base(__VA_ARGS__)
#endif

/* first_layer(index, table, width, owner_keys, owner_bytes, parent, above_child, above_bytes,
 *             parent_base, neighbours, known, near_keys, level_bytes, fixed, fixed_keys,
 *             bias_key, owners, slots, known_mask, known_offset, far_table, count_max,
 *             far_weight, out)
 *
 * For each node v = index[i]: out[i] = the sum of the table rows that `preactivation` sums by
 * embedding_bag, skipping the rows of zero bytes and zero values (all-zero rows, which the
 * caller has checked), plus the node's clipped far counts @ far_weight.
 *   table (rows, width) float32; owner_keys (27) int32: row of byte 0 of each owner column;
 *   owner_bytes (N, 27) uint8 or empty (no owners: every byte 0, no far counts);
 *   parent (N) int64, above_child (P) int64, above_bytes (P, 27) uint8, all empty when the
 *   parent level has no owners; parent_base: row of the parent rows of group 0;
 *   neighbours (N, 26) int32 (-1: none), known (k) int64 columns, near_keys (26) int32,
 *   level_bytes (N + 1) uint8; fixed (N, 4) int16 in 0..128, fixed_keys (4) int32;
 *   owners (N, 27) int32 (empty with owner_bytes), slots (S) int32, known_mask (27) uint8,
 *   known_offset (27, 8) int64, far_table (R, 24) uint16, far_weight (24, width) float32.
 */
static PyObject *first_layer(PyObject *self, PyObject *args) {
    PyObject *o[22];
    int width, bias_key, parent_base, count_max;
    if (!PyArg_ParseTuple(args, "OOiOOOOOiOOOOOOiOOOOOiOO", &o[0], &o[1], &width, &o[2],
                          &o[3], &o[4], &o[5], &o[6], &parent_base, &o[7], &o[8], &o[9],
                          &o[10], &o[11], &o[12], &bias_key, &o[13], &o[14], &o[15], &o[16],
                          &o[17], &count_max, &o[18], &o[19]))
        return NULL;
    enum { INDEX, TABLE, OKEYS, OBYTES, PARENT, ACHILD, ABYTES, NEIGH, KNOWN, NKEYS, LBYTES,
           FIXV, FKEYS, OWNIDX, SLOTS, KMASK, KOFFSET, FTABLE, FWEIGHT, OUT, COUNT };
    Buffer b[COUNT];
    memset(b, 0, sizeof(b));
    PyObject *result = NULL;
    if (width < 1 || width > MAX_WIDTH) {
        PyErr_SetString(PyExc_ValueError, "first_layer: bad width");
        return NULL;
    }
    if (get(o[0], &b[INDEX], 8, -1, 0, "index") < 0) goto done;
    Py_ssize_t n = items(&b[INDEX], 8);
    if (get(o[1], &b[TABLE], 4 * (Py_ssize_t)width, -1, 0, "table") < 0) goto done;
    if (get(o[2], &b[OKEYS], 4, OWNERS, 0, "owner_keys") < 0) goto done;
    if (get(o[3], &b[OBYTES], OWNERS, -1, 0, "owner_bytes") < 0) goto done;
    if (get(o[4], &b[PARENT], 8, -1, 0, "parent") < 0) goto done;
    if (get(o[5], &b[ACHILD], 8, -1, 0, "above_child") < 0) goto done;
    if (get(o[6], &b[ABYTES], OWNERS, -1, 0, "above_bytes") < 0) goto done;
    if (get(o[7], &b[NEIGH], 4 * 26, -1, 0, "neighbours") < 0) goto done;
    if (get(o[8], &b[KNOWN], 8, -1, 0, "known") < 0) goto done;
    if (get(o[9], &b[NKEYS], 4, 26, 0, "near_keys") < 0) goto done;
    if (get(o[10], &b[LBYTES], 1, -1, 0, "level_bytes") < 0) goto done;
    if (get(o[11], &b[FIXV], 2 * FIXED, -1, 0, "fixed") < 0) goto done;
    if (get(o[12], &b[FKEYS], 4, FIXED, 0, "fixed_keys") < 0) goto done;
    if (get(o[13], &b[OWNIDX], 4 * OWNERS, -1, 0, "owners") < 0) goto done;
    if (get(o[14], &b[SLOTS], 4, -1, 0, "slots") < 0) goto done;
    if (get(o[15], &b[KMASK], 1, OWNERS, 0, "known_mask") < 0) goto done;
    if (get(o[16], &b[KOFFSET], 8, OWNERS * 8, 0, "known_offset") < 0) goto done;
    if (get(o[17], &b[FTABLE], 2 * FAR, -1, 0, "far_table") < 0) goto done;
    if (get(o[18], &b[FWEIGHT], 4 * (Py_ssize_t)width, FAR, 0, "far_weight") < 0) goto done;
    if (get(o[19], &b[OUT], 4 * (Py_ssize_t)width, n, 1, "out") < 0) goto done;

    const int64_t *index = b[INDEX].view.buf, *parent = b[PARENT].view.buf,
                  *above_child = b[ACHILD].view.buf, *known = b[KNOWN].view.buf,
                  *known_offset = b[KOFFSET].view.buf;
    const float *table = b[TABLE].view.buf, *far_weight = b[FWEIGHT].view.buf;
    const int32_t *owner_keys = b[OKEYS].view.buf, *near_keys = b[NKEYS].view.buf,
                  *fixed_keys = b[FKEYS].view.buf, *neighbours = b[NEIGH].view.buf,
                  *owners = b[OWNIDX].view.buf, *slots = b[SLOTS].view.buf;
    const uint8_t *owner_bytes = b[OBYTES].view.buf, *above_bytes = b[ABYTES].view.buf,
                  *level_bytes = b[LBYTES].view.buf, *known_mask = b[KMASK].view.buf;
    const int16_t *fixed = b[FIXV].view.buf;
    const uint16_t *far_table = b[FTABLE].view.buf;
    float *out = b[OUT].view.buf;
    Py_ssize_t rows = items(&b[TABLE], 4 * (Py_ssize_t)width);
    Py_ssize_t nodes = items(&b[NEIGH], 4 * 26), known_count = items(&b[KNOWN], 8);
    Py_ssize_t owner_nodes = items(&b[OBYTES], OWNERS);
    Py_ssize_t parents = items(&b[PARENT], 8), above = items(&b[ABYTES], OWNERS);
    Py_ssize_t level_count = items(&b[LBYTES], 1), far_rows = items(&b[FTABLE], 2 * FAR);
    Py_ssize_t slot_count = items(&b[SLOTS], 4);
    int has_owners = owner_nodes > 0, has_above = above > 0;

    /* Every row the loop can read must lie in the table. */
    int bad = bias_key < 0 || bias_key >= rows || parent_base < 0 || count_max < 0;
    for (int j = 0; j < OWNERS; j++) bad |= owner_keys[j] < 0 || owner_keys[j] + 255 >= rows;
    for (int j = 0; j < 26; j++) bad |= near_keys[j] < 0 || near_keys[j] + 255 >= rows;
    for (int j = 0; j < FIXED; j++) bad |= fixed_keys[j] < 0 || fixed_keys[j] + 128 >= rows;
    bad |= known_count > 26;
    for (Py_ssize_t j = 0; j < known_count && j < 26; j++) bad |= known[j] < 0 || known[j] >= 26;
    if (has_above)
        bad |= (int64_t)parent_base + 8 * PARENTS * 257 > rows || parents != nodes ||
               items(&b[ACHILD], 8) != above;
    if (has_owners) bad |= owner_nodes != nodes || items(&b[OWNIDX], 4 * OWNERS) != nodes;
    bad |= items(&b[FIXV], 2 * FIXED) != nodes || level_count != nodes + 1;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "first_layer: inconsistent tables or shapes");
        goto done;
    }
    FirstLayerArgs a = {index, parent, above_child, known, known_offset, table, far_weight,
                        owner_keys, near_keys, fixed_keys, neighbours, owners, slots,
                        owner_bytes, above_bytes, level_bytes, known_mask, fixed, far_table,
                        out, n, nodes, known_count, above, slot_count, far_rows, has_owners,
                        has_above, width, bias_key, parent_base, count_max};
    if (DISPATCH(first_layer_nodes, &a) < 0) goto out_of_range;
    result = Py_None;
    Py_INCREF(result);
    goto done;
out_of_range:
    PyErr_SetString(PyExc_ValueError, "first_layer: index out of range");
done:
    release(b, COUNT);
    return result;
}

/* Parse a sequence of (weight_t (in, out) float32, bias (out) float32) starting at width cin. */
static int get_layers(PyObject *seq, int cin, Layers *layers, int max_width) {
    layers->count = 0;
    memset(layers->buffers, 0, sizeof(layers->buffers));
    PyObject *fast = PySequence_Fast(seq, "layers must be a sequence");
    if (!fast) return -1;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(fast);
    int status = -1;
    if (count > MAX_LAYERS) {
        PyErr_SetString(PyExc_ValueError, "too many layers");
        goto done;
    }
    layers->cin[0] = cin;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(fast, k);
        PyObject *w, *bias;
        if (!PyArg_ParseTuple(pair, "OO", &w, &bias)) goto done;
        Buffer *wb = &layers->buffers[2 * k], *bb = &layers->buffers[2 * k + 1];
        layers->count = (int)k + 1;
        if (get(bias, bb, 4, -1, 0, "bias") < 0) goto done;
        Py_ssize_t cout = items(bb, 4);
        if (cout < 1 || cout > max_width) {
            PyErr_SetString(PyExc_ValueError, "layer too wide");
            goto done;
        }
        if (get(w, wb, 4 * cout, layers->cin[k], 0, "weight") < 0) goto done;
        layers->cin[k + 1] = (int)cout;
        layers->weight[k] = wb->view.buf;
        layers->bias[k] = bb->view.buf;
    }
    status = 0;
done:
    Py_DECREF(fast);
    return status;
}

static void release_layers(Layers *layers) { release(layers->buffers, 2 * MAX_LAYERS); }

/* The stored exp table (float64 integers, exp[0] = 2**16, none above) as integers; -1 if bad. */
static int read_exp(const double *table, uint64_t *out) {
    for (int k = 0; k < 256; k++) {
        double e = table[k];
        if (!(e >= 0.0 && e <= 65536.0) || e != floor(e)) {
            PyErr_SetString(PyExc_ValueError, "bad exp table");
            return -1;
        }
        out[k] = (uint64_t)e;
    }
    if (out[0] != 65536) {
        PyErr_SetString(PyExc_ValueError, "bad exp table");
        return -1;
    }
    return 0;
}

/* wide_weights(hidden, layer, exp, weight_bits, weights_out)
 *
 * `IntegerMLP.coder_weights(hidden, weight_bits, layer)`: the output `layer` (a one-element
 * sequence of (weight_t (in, K), bias (K))) on hidden activations (n, in), floored logits, and
 * their coder weights (n, K) float64 (`logits_to_weights`).
 */
static PyObject *wide_weights(PyObject *self, PyObject *args) {
    PyObject *hidden_obj, *layer_obj, *exp_obj, *weights_obj;
    int weight_bits;
    if (!PyArg_ParseTuple(args, "OOOiO", &hidden_obj, &layer_obj, &exp_obj, &weight_bits,
                          &weights_obj))
        return NULL;
    if (weight_bits < 0 || weight_bits > 8) {
        PyErr_SetString(PyExc_ValueError, "wide_weights: bad weight_bits");
        return NULL;
    }
    Layers layer;
    memset(&layer, 0, sizeof(layer));
    Buffer b[3];
    memset(b, 0, sizeof(b));
    PyObject *result = NULL;
    if (get(hidden_obj, &b[0], 4, -1, 0, "hidden") < 0) goto done;
    PyObject *fast = PySequence_Fast(layer_obj, "layer must be a sequence");
    if (!fast) goto done;
    Py_ssize_t given = PySequence_Fast_GET_SIZE(fast);
    if (given != 1) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "wide_weights: one output layer");
        goto done;
    }
    PyObject *first = PySequence_Fast_GET_ITEM(fast, 0);
    PyObject *weight_obj = PyTuple_Check(first) && PyTuple_GET_SIZE(first) == 2
                               ? PyTuple_GET_ITEM(first, 0) : NULL;
    Py_DECREF(fast);
    if (!weight_obj) {
        PyErr_SetString(PyExc_ValueError, "wide_weights: layer must be (weight_t, bias)");
        goto done;
    }
    Py_buffer probe;
    if (PyObject_GetBuffer(weight_obj, &probe, PyBUF_ND) < 0) goto done;
    int cin = probe.ndim == 2 ? (int)probe.shape[0] : -1;
    PyBuffer_Release(&probe);
    if (cin < 1 || cin > MAX_WIDTH) {
        PyErr_SetString(PyExc_ValueError, "wide_weights: weight_t must be (in, K)");
        goto done;
    }
    if (get_layers(layer_obj, cin, &layer, MAX_SYMBOLS) < 0) goto done;
    int symbols = layer.cin[1];
    Py_ssize_t n = items(&b[0], 4) / cin;
    if (items(&b[0], 4) != n * cin) {
        PyErr_SetString(PyExc_ValueError, "wide_weights: hidden must be (n, in)");
        goto done;
    }
    if (get(exp_obj, &b[1], 8, 256, 0, "exp") < 0) goto done;
    if (get(weights_obj, &b[2], 8 * (Py_ssize_t)symbols, n, 1, "weights") < 0) goto done;
    uint64_t exp_int[256];
    if (read_exp(b[1].view.buf, exp_int) < 0) goto done;
    /* The weight and bias zero-padded to a multiple of 64 columns (at most MAX_SYMBOLS). */
    int stride = (symbols + 63) / 64 * 64;
    float *padded = PyMem_Calloc((size_t)(cin + 1) * stride, sizeof(float));
    if (!padded) {
        PyErr_NoMemory();
        goto done;
    }
    for (int j = 0; j < cin; j++)
        memcpy(padded + (Py_ssize_t)j * stride, layer.weight[0] + (Py_ssize_t)j * symbols,
               sizeof(float) * symbols);
    memcpy(padded + (Py_ssize_t)cin * stride, layer.bias[0], sizeof(float) * symbols);
    float exp_float[256];
    for (int k = 0; k < 256; k++) exp_float[k] = (float)exp_int[k]; /* <= 2**16: exact */
    WideArgs args_ = {b[0].view.buf, &layer, exp_int, b[2].view.buf, n, weight_bits, padded,
                      padded + (Py_ssize_t)cin * stride, stride, exp_float, 0};
    DISPATCH(wide_nodes, &args_);
    PyMem_Free(padded);
    result = Py_None;
    Py_INCREF(result);
done:
    release(b, 3);
    release_layers(&layer);
    return result;
}

/* split_weights(pre, width, body, head, last, exp, weight_bits, hidden_out, weights_out)
 *
 * `IntegerMLP.split_coder_weights(pre, weight_bits, preactivated=True)`: per node, the hidden
 * activations clip(floor(pre)) through the `body` layers (each followed by floor and a clip to
 * 0..255) into hidden_out (n, width'), then the split head's hidden layers `head`, then the
 * narrow output layer `last` (in, K) to floored logits, and the coder weights of K symbols
 * (float64 integers, `weights_from_gaps`): gap = min(best - z, 255), e = exp[gap] (int),
 * R = ((2**20 - K) << 32) // sum e, f = (e R) >> 32, weight = f 2**b + 2**b - 1, plus what the
 * floors left times 2**b on the first most likely symbol.
 */
static PyObject *split_weights(PyObject *self, PyObject *args) {
    PyObject *pre_obj, *body_obj, *head_obj, *last_obj, *exp_obj, *hidden_obj, *weights_obj;
    int width, weight_bits;
    if (!PyArg_ParseTuple(args, "OiOOOOiOO", &pre_obj, &width, &body_obj, &head_obj, &last_obj,
                          &exp_obj, &weight_bits, &hidden_obj, &weights_obj))
        return NULL;
    if (width < 1 || width > MAX_WIDTH || weight_bits < 0 || weight_bits > 8) {
        PyErr_SetString(PyExc_ValueError, "split_weights: bad width or weight_bits");
        return NULL;
    }
    Layers body, head, last;
    memset(&body, 0, sizeof(body));
    memset(&head, 0, sizeof(head));
    memset(&last, 0, sizeof(last));
    Buffer b[4];
    memset(b, 0, sizeof(b));
    PyObject *result = NULL;
    if (get_layers(body_obj, width, &body, MAX_WIDTH) < 0) goto done;
    int hidden_width = body.cin[body.count];
    if (get_layers(head_obj, hidden_width, &head, MAX_WIDTH) < 0) goto done;
    if (get_layers(last_obj, head.cin[head.count], &last, MAX_SYMBOLS) < 0) goto done;
    if (last.count != 1) {
        PyErr_SetString(PyExc_ValueError, "split_weights: one output layer");
        goto done;
    }
    int symbols = last.cin[1];
    if (get(pre_obj, &b[0], 4 * (Py_ssize_t)width, -1, 0, "pre") < 0) goto done;
    Py_ssize_t n = items(&b[0], 4 * (Py_ssize_t)width);
    if (get(exp_obj, &b[1], 8, 256, 0, "exp") < 0) goto done;
    if (get(hidden_obj, &b[2], 4 * (Py_ssize_t)hidden_width, n, 1, "hidden") < 0) goto done;
    if (get(weights_obj, &b[3], 8 * (Py_ssize_t)symbols, n, 1, "weights") < 0) goto done;
    const float *pre = b[0].view.buf;
    const double *exp_table = b[1].view.buf;
    float *hidden_out = b[2].view.buf;
    double *weights_out = b[3].view.buf;
    uint64_t exp_int[256];
    if (read_exp(exp_table, exp_int) < 0) goto done;
    int last_in = last.cin[0];
    float *last_rows = NULL;
    if (symbols <= 16 && last_in % 8 == 0 && last_in <= 64) {
        last_rows = PyMem_Malloc(sizeof(float) * symbols * last_in);
        if (!last_rows) {
            PyErr_NoMemory();
            goto done;
        }
        for (int j = 0; j < last_in; j++)
            for (int k = 0; k < symbols; k++)
                last_rows[k * last_in + j] = last.weight[0][j * symbols + k];
    }
    PairLayer pairs[2][MAX_LAYERS];
    memset(pairs, 0, sizeof(pairs));
    int failed = 0;
    for (int k = 0; k < body.count && !failed; k++)
        failed = pair_layer(body.weight[k], body.bias[k], body.cin[k], body.cin[k + 1],
                            &pairs[0][k]) < 0;
    for (int k = 0; k < head.count && !failed; k++)
        failed = pair_layer(head.weight[k], head.bias[k], head.cin[k], head.cin[k + 1],
                            &pairs[1][k]) < 0;
    if (!failed) {
        SplitArgs args_ = {pre, &body, &head, &last, exp_int, hidden_out, weights_out, n, width,
                           weight_bits, last_rows, pairs[0], pairs[1]};
        DISPATCH(split_nodes, &args_);
        result = Py_None;
        Py_INCREF(result);
    }
    for (int k = 0; k < MAX_LAYERS; k++) {
        free_pair_layer(&pairs[0][k]);
        free_pair_layer(&pairs[1][k]);
    }
    PyMem_Free(last_rows);
done:
    release(b, 4);
    release_layers(&body);
    release_layers(&head);
    release_layers(&last);
    return result;
}

/* next_level(neighbours, parent, child, slots, level_bytes, parent_slot, child_slot, owners_out,
 *            owner_bytes_out, neighbours_out)
 *
 * The next level's tables from this level's, for each child node i (parent p, position c):
 * owners[i] = (the parent's 26 neighbours, p) (-1: none), owner_bytes[i] = their bytes (0 for
 * none), and its 26 neighbours: child child_slot[c, o] of owner column parent_slot[c, o], found
 * in `slots` (8 per parent-level node, -1: absent). `neighbours` (N, 26) int32, parent and child
 * (M) int64, slots (8 N + 8) int32, level_bytes (N + 1) uint8, parent_slot and child_slot
 * (8, 26) int32; outputs (M, 27) int32, (M, 27) uint8, (M, 26) int32. The same integers as
 * `neighbours.child_neighbours` and the gathers of `geometry.walk`, in one pass.
 */
static PyObject *next_level(PyObject *self, PyObject *args) {
    PyObject *o[10];
    if (!PyArg_ParseTuple(args, "OOOOOOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &o[8], &o[9]))
        return NULL;
    Buffer b[10];
    memset(b, 0, sizeof(b));
    PyObject *result = NULL;
    if (get(o[0], &b[0], 4 * 26, -1, 0, "neighbours") < 0) goto done;
    Py_ssize_t count = items(&b[0], 4 * 26);
    if (get(o[1], &b[1], 8, -1, 0, "parent") < 0) goto done;
    Py_ssize_t m = items(&b[1], 8);
    if (get(o[2], &b[2], 8, m, 0, "child") < 0) goto done;
    if (get(o[3], &b[3], 4, 8 * count + 8, 0, "slots") < 0) goto done;
    if (get(o[4], &b[4], 1, count + 1, 0, "level_bytes") < 0) goto done;
    if (get(o[5], &b[5], 4, 8 * 26, 0, "parent_slot") < 0) goto done;
    if (get(o[6], &b[6], 4, 8 * 26, 0, "child_slot") < 0) goto done;
    if (get(o[7], &b[7], 4 * OWNERS, m, 1, "owners") < 0) goto done;
    if (get(o[8], &b[8], OWNERS, m, 1, "owner_bytes") < 0) goto done;
    if (get(o[9], &b[9], 4 * 26, m, 1, "neighbours_out") < 0) goto done;
    const int32_t *neighbours = b[0].view.buf, *slots = b[3].view.buf;
    const int64_t *parent = b[1].view.buf, *child = b[2].view.buf;
    const uint8_t *level_bytes = b[4].view.buf;
    const int32_t *parent_slot = b[5].view.buf, *child_slot = b[6].view.buf;
    int32_t *owners = b[7].view.buf, *out = b[9].view.buf;
    uint8_t *owner_bytes = b[8].view.buf;
    for (int k = 0; k < 8 * 26; k++)
        if (parent_slot[k] < 0 || parent_slot[k] > 26 || child_slot[k] < 0 || child_slot[k] > 7) {
            PyErr_SetString(PyExc_ValueError, "next_level: bad slot tables");
            goto done;
        }
    for (Py_ssize_t i = 0; i < m; i++) {
        int64_t p = parent[i], c = child[i];
        if (p < 0 || p >= count || c < 0 || c > 7) {
            PyErr_SetString(PyExc_ValueError, "next_level: index out of range");
            goto done;
        }
        int32_t *row = owners + i * OWNERS;
        uint8_t *bytes = owner_bytes + i * OWNERS;
        for (int j = 0; j < 26; j++) {
            int32_t u = neighbours[p * 26 + j];
            if (u < -1 || u >= count) {
                PyErr_SetString(PyExc_ValueError, "next_level: index out of range");
                goto done;
            }
            row[j] = u;
            bytes[j] = level_bytes[u < 0 ? count : u];
        }
        row[26] = (int32_t)p;
        bytes[26] = level_bytes[p];
        int32_t *next = out + i * 26;
        for (int j = 0; j < 26; j++) {
            int32_t owner = row[parent_slot[c * 26 + j]];
            next[j] = owner < 0 ? -1 : slots[8 * (int64_t)owner + child_slot[c * 26 + j]];
        }
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release(b, 10);
    return result;
}

static PyMethodDef methods[] = {
    {"instruction_set", instruction_set, METH_NOARGS, "The instruction set in use."},
    {"set_instruction_set", set_instruction_set, METH_VARARGS, "Switch (for tests)."},
    {"first_layer", first_layer, METH_VARARGS, "The first layer's outputs of a group's nodes."},
    {"split_weights", split_weights, METH_VARARGS, "Hidden activations and split coder weights."},
    {"wide_weights", wide_weights, METH_VARARGS, "Coder weights of an output layer."},
    {"next_level", next_level, METH_VARARGS, "The next octree level's neighbour tables."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels",
                                    "Fused lidar-octree context kernels.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__kernels(void) {
    use_avx2 = cpu_has_avx2();
    return PyModule_Create(&module);
}
