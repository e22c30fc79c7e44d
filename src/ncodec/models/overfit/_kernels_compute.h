/* The compute kernels of _kernels.c, included once per instruction set: the includer defines
 * NAME(x) (a suffixed name) and LANES (floats per vector), and sets the target. */

/* LANES floats in a vector (GCC/Clang vector extension). */
typedef float NAME(vec) __attribute__((vector_size(LANES * 4)));
#define v8 NAME(vec)

INLINE v8 NAME(load8)(const float *p) {
    v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

INLINE void NAME(store8)(float *p, v8 v) { memcpy(p, &v, sizeof v); }

/* floor(acc / 2**shift) (a left shift when shift < 0) of an integer-valued float, clamped. */
INLINE float NAME(rescale_clamp)(float acc, int shift, float lo, float hi) {
    int32_t a = (int32_t)acc;
    a = shift >= 0 ? (a >> shift) : (int32_t)((uint32_t)a << -shift);
    float v = (float)a;
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

/* y[o][:] = bias[o] + sum_i w[i * w_stride_i + o * w_stride_o] * x[i][:] for a whole block
 * (BLOCK lanes per row), four outputs and sixteen lanes at a time in registers. */
INLINE void NAME(dense_block)(const float *restrict x, int cin, const float *restrict w,
                              int w_stride_i,
                        int w_stride_o, const float *restrict bias, int cout, float *restrict y) {
    int o = 0;
    for (; o + 4 <= cout; o += 4) {
        const float *w0 = w + o * w_stride_o, *w1 = w0 + w_stride_o;
        const float *w2 = w1 + w_stride_o, *w3 = w2 + w_stride_o;
        for (int j = 0; j < BLOCK; j += 2 * LANES) {
            v8 a0 = (v8){} + bias[o], b0 = a0, a1 = (v8){} + bias[o + 1], b1 = a1;
            v8 a2 = (v8){} + bias[o + 2], b2 = a2, a3 = (v8){} + bias[o + 3], b3 = a3;
            for (int i = 0; i < cin; i++) {
                const v8 xl = NAME(load8)(x + i * BLOCK + j);
                const v8 xh = NAME(load8)(x + i * BLOCK + j + LANES);
                const float c0 = w0[i * w_stride_i], c1 = w1[i * w_stride_i];
                const float c2 = w2[i * w_stride_i], c3 = w3[i * w_stride_i];
                a0 += c0 * xl;
                b0 += c0 * xh;
                a1 += c1 * xl;
                b1 += c1 * xh;
                a2 += c2 * xl;
                b2 += c2 * xh;
                a3 += c3 * xl;
                b3 += c3 * xh;
            }
            NAME(store8)(y + o * BLOCK + j, a0);
            NAME(store8)(y + o * BLOCK + j + LANES, b0);
            NAME(store8)(y + (o + 1) * BLOCK + j, a1);
            NAME(store8)(y + (o + 1) * BLOCK + j + LANES, b1);
            NAME(store8)(y + (o + 2) * BLOCK + j, a2);
            NAME(store8)(y + (o + 2) * BLOCK + j + LANES, b2);
            NAME(store8)(y + (o + 3) * BLOCK + j, a3);
            NAME(store8)(y + (o + 3) * BLOCK + j + LANES, b3);
        }
    }
    for (; o < cout; o++) { /* the rest one at a time, all lanes in flight */
        const float *wo = w + o * w_stride_o;
        v8 acc[BLOCK / LANES];
        for (int v = 0; v < BLOCK / LANES; v++) acc[v] = (v8){} + bias[o];
        for (int i = 0; i < cin; i++) {
            const float c = wo[i * w_stride_i];
            for (int v = 0; v < BLOCK / LANES; v++)
                acc[v] += c * NAME(load8)(x + i * BLOCK + v * LANES);
        }
        for (int v = 0; v < BLOCK / LANES; v++) NAME(store8)(y + o * BLOCK + v * LANES, acc[v]);
    }
}

/* floor(v / 2**shift) clamped to [lo, hi] for shift >= 0 (vectorizes: convert, shift, convert). */
INLINE float NAME(shift_clamp)(float v, int shift, float lo, float hi) {
    float r = (float)((int32_t)v >> shift);
    r = r < lo ? lo : r;
    return r > hi ? hi : r;
}

INLINE void NAME(rescale_block)(float *restrict y, int rows, int shift, float lo, float hi) {
    if (shift >= 0) {
        for (int k = 0; k < rows * BLOCK; k++) y[k] = NAME(shift_clamp)(y[k], shift, lo, hi);
    } else { /* a left shift: an exact multiplication */
        const float scale = (float)(1 << -shift);
        for (int k = 0; k < rows * BLOCK; k++) {
            float v = y[k] * scale;
            v = v < lo ? lo : v;
            y[k] = v > hi ? hi : v;
        }
    }
}

/* round-half-up(v / 2**shift) for 1 <= shift <= 30 of |v| < 2**24. */
INLINE int32_t NAME(round_shift)(int32_t v, int shift) { return (v + (1 << (shift - 1))) >> shift; }

/* The entropy model over one block of gathered contexts; lanes start..start+n get their table
 * index and floor(mean). */
INLINE void NAME(arm_block)(const ArmPass *a, const float *restrict ctx, Py_ssize_t start,
                            int n) {
    float h1[MAX_WIDTH * BLOCK], h2[MAX_WIDTH * BLOCK], o2[2 * BLOCK];
    const int hidden = a->hidden;
    NAME(dense_block)(ctx, a->same + 9, a->w1, hidden, 1, a->b1, hidden, h1);
    NAME(rescale_block)(h1, hidden, a->shift1, 0.0f, a->top);
    NAME(dense_block)(h1, hidden, a->w2, hidden, 1, a->b2, hidden, h2);
    NAME(rescale_block)(h2, hidden, a->shift2, 0.0f, a->top);
    NAME(dense_block)(h2, hidden, a->w3, 2, 1, a->b3, 2, o2);
    const int32_t fraction_mask = (1 << a->mean_bits) - 1, mean_limit = a->mean_limit;
    const int32_t scale_offset = a->scale_offset, scale_top = a->scale_count - 1;
    int32_t *restrict index = a->index + start, *restrict floor_mean = a->floor_mean + start;
    for (int j = 0; j < n; j++) {
        int32_t mean = NAME(round_shift)((int32_t)o2[j], a->mean_shift);
        mean = mean < -mean_limit ? -mean_limit : (mean > mean_limit ? mean_limit : mean);
        int32_t scale = NAME(round_shift)((int32_t)o2[BLOCK + j], a->scale_shift) - scale_offset;
        scale = scale < 0 ? 0 : (scale > scale_top ? scale_top : scale);
        index[j] = (scale << a->mean_bits) + (mean & fraction_mask);
        floor_mean[j] = mean >> a->mean_bits;
    }
}

/* Gathers the context of every latent of the pass block by block. Rows outside the grid read
 * a row of zeros (`zeros`, at least max(w, w/2) + 2 floats); columns are checked only at the two
 * ends of a row. */
static void NAME(arm_compute)(const ArmPass *a, const float *zeros) {
    const int rows = (a->h - a->py + 1) / 2, cols = (a->w - a->px + 1) / 2;
    const int ch = a->h / 2, cw = a->w / 2, same = a->same, context = same + 9;
    float ctx[MAX_CONTEXT * BLOCK];
    const float *row_of[MAX_CONTEXT];
    int shift_of[MAX_CONTEXT];
    Py_ssize_t start = 0;
    int j = 0;
    for (int r = 0; r < rows; r++) {
        const int y = a->py + 2 * r;
        for (int k = 0; k < same; k++) {
            const int yy = y + a->dy[k];
            row_of[k] = (yy >= 0 && yy < a->h) ? a->grid + (Py_ssize_t)yy * a->w : zeros;
            shift_of[k] = a->px + a->dx[k];
        }
        for (int k = 0; k < 9; k++) {
            const int yy = r + k / 3 - 1;
            row_of[same + k] =
                (a->coarse && yy >= 0 && yy < ch) ? a->coarse + (Py_ssize_t)yy * cw : zeros;
            shift_of[same + k] = k % 3 - 1;
        }
        for (int c = 0; c < cols;) {
            if (c == 0 || c == cols - 1) { /* a neighbour may lie outside: check each one */
                for (int k = 0; k < context; k++) {
                    const int xx = (k < same ? 2 * c : c) + shift_of[k];
                    const int width = k < same ? a->w : cw;
                    ctx[k * BLOCK + j] = (unsigned)xx < (unsigned)width ? row_of[k][xx] : 0.0f;
                }
                c++;
                j++;
            } else { /* a run of interior latents: strided copies, no checks */
                const int run = cols - 1 - c < BLOCK - j ? cols - 1 - c : BLOCK - j;
                for (int k = 0; k < same; k++) {
                    const float *restrict src = row_of[k] + 2 * c + shift_of[k];
                    float *restrict dst = ctx + k * BLOCK + j;
                    for (int t = 0; t < run; t++) dst[t] = src[2 * t];
                }
                for (int k = same; k < context; k++)
                    memcpy(ctx + k * BLOCK + j, row_of[k] + c + shift_of[k], run * sizeof(float));
                c += run;
                j += run;
            }
            if (j == BLOCK) {
                NAME(arm_block)(a, ctx, start, BLOCK);
                start += BLOCK;
                j = 0;
            }
        }
    }
    if (j) {
        for (int k = 0; k < context; k++)
            for (int l = j; l < BLOCK; l++) ctx[k * BLOCK + l] = 0.0f;
        NAME(arm_block)(a, ctx, start, j);
    }
}

/* The 1x1 layers over `pixels` pixels of a channel-major stack (planes `in_stride` apart); the
 * last layer's planes go to out (`out_stride` apart). */
static void NAME(pointwise_compute)(const Pointwise *pw, const float *stack, Py_ssize_t in_stride,
                                    Py_ssize_t pixels, float *out, Py_ssize_t out_stride) {
    float buf_a[MAX_WIDTH * BLOCK], buf_b[MAX_WIDTH * BLOCK];
    for (Py_ssize_t start = 0; start < pixels; start += BLOCK) {
        const int n = (int)(pixels - start < BLOCK ? pixels - start : BLOCK);
        for (int i = 0; i < pw->cin[0]; i++) {
            memcpy(buf_a + i * BLOCK, stack + i * in_stride + start, n * sizeof(float));
            for (int l = n; l < BLOCK; l++) buf_a[i * BLOCK + l] = 0.0f;
        }
        float *x = buf_a, *y = buf_b;
        for (int l = 0; l < pw->count; l++) {
            /* weight (out, in): stride 1 along in, `in` along out */
            NAME(dense_block)(x, pw->cin[l], pw->weights[l], 1, pw->cin[l], pw->biases[l],
                              pw->cin[l + 1], y);
            NAME(rescale_block)(y, pw->cin[l + 1], pw->shift[l], pw->lo[l], pw->hi[l]);
            float *t = x;
            x = y;
            y = t;
        }
        for (int o = 0; o < pw->cin[pw->count]; o++)
            memcpy(out + o * out_stride + start, x + o * BLOCK, n * sizeof(float));
    }
}

/* One 3x3 layer over a whole (channels, h, w) image; `padded` holds channels x 3 rows of
 * w + 2 + 16 floats and `acc` w + 16 floats. */
static void NAME(conv3x3_compute)(const float *x, int channels, int h, int w,
                                   const float *weight, const float *bias, int shift, float lo,
                                   float hi, int residual, float *out, float *padded, float *acc) {
    const Py_ssize_t plane = (Py_ssize_t)h * w;
    const int stride = w + 2 + 16, lanes = (w + LANES - 1) / LANES * LANES;
    for (int y = 0; y < h; y++) {
        /* the three input rows of every channel, with replicated borders, zeros beyond */
        for (int i = 0; i < channels; i++)
            for (int k = 0; k < 3; k++) {
                int yy = y + k - 1;
                yy = yy < 0 ? 0 : (yy >= h ? h - 1 : yy);
                const float *src = x + i * plane + (Py_ssize_t)yy * w;
                float *dst = padded + (i * 3 + k) * stride;
                memcpy(dst + 1, src, (size_t)w * sizeof(float));
                dst[0] = src[0];
                dst[w + 1] = src[w - 1];
                for (int l = w + 2; l < stride; l++) dst[l] = 0.0f;
            }
        for (int o = 0; o < channels; o++) {
            for (int j = 0; j < lanes; j += LANES) {
                v8 sum = (v8){} + bias[o];
                for (int i = 0; i < channels; i++)
                    for (int k = 0; k < 3; k++) {
                        const float *row = padded + (i * 3 + k) * stride + j;
                        const float *wk = weight + ((o * channels + i) * 3 + k) * 3;
                        sum += wk[0] * NAME(load8)(row) + wk[1] * NAME(load8)(row + 1) +
                               wk[2] * NAME(load8)(row + 2);
                    }
                NAME(store8)(acc + j, sum);
            }
            float *dst = out + o * plane + (Py_ssize_t)y * w;
            const float *res = x + o * plane + (Py_ssize_t)y * w;
            for (int j = 0; j < w; j++) {
                float v = NAME(rescale_clamp)(acc[j], shift, -3.0e38f, 3.0e38f);
                if (residual) v += res[j];
                v = v < lo ? lo : v;
                dst[j] = v > hi ? hi : v;
            }
        }
    }
}

/* The column pass of one row: w values -> 2w (replicated borders), rounded and clamped.
 * `line` holds w + 4 floats, `even` and `odd` w each. */
INLINE void NAME(upsample_columns)(const float *row, int w, const float *q, float half, int shift,
                                   float limit, float *line, float *even, float *odd,
                                   float *restrict dst) {
    const float q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
    line[0] = line[1] = row[0];
    memcpy(line + 2, row, (size_t)w * sizeof(float));
    line[w + 2] = line[w + 3] = row[w - 1];
    const float *restrict t = line; /* t[j + 2] is input j */
    float *restrict ev = even, *restrict od = odd;
    for (int j = 0; j < w; j++) {
        ev[j] = NAME(shift_clamp)(q3 * t[j] + q1 * t[j + 1] + q0 * t[j + 2] + q2 * t[j + 3] + half,
                                  shift, -limit, limit);
        od[j] = NAME(shift_clamp)(q2 * t[j + 1] + q0 * t[j + 2] + q1 * t[j + 3] + q3 * t[j + 4] +
                                      half, shift, -limit, limit);
    }
    for (int j = 0; j < w; j++) {
        dst[2 * j] = ev[j];
        dst[2 * j + 1] = od[j];
    }
}

/* Row r of the row pass over a (h, w) plane (r < 2h), rounded and clamped. */
INLINE void NAME(upsample_row)(const float *src, int h, int w, int r, const float *q, float half,
                               int shift, float limit, float *restrict dst) {
    const float q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
    const int i = r >> 1;
    const float *restrict b = src + (Py_ssize_t)(i >= 1 ? i - 1 : 0) * w;
    const float *restrict c = src + (Py_ssize_t)i * w;
    const float *restrict d = src + (Py_ssize_t)(i + 1 < h ? i + 1 : h - 1) * w;
    if (r & 1) {
        const float *restrict e = src + (Py_ssize_t)(i + 2 < h ? i + 2 : h - 1) * w;
        for (int j = 0; j < w; j++)
            dst[j] = NAME(shift_clamp)(q2 * b[j] + q0 * c[j] + q1 * d[j] + q3 * e[j] + half, shift,
                                       -limit, limit);
    } else {
        const float *restrict a = src + (Py_ssize_t)(i >= 2 ? i - 2 : 0) * w;
        for (int j = 0; j < w; j++)
            dst[j] = NAME(shift_clamp)(q3 * a[j] + q1 * b[j] + q0 * c[j] + q2 * d[j] + half, shift,
                                       -limit, limit);
    }
}

/* Doubles rows, then columns, of every (h, w) plane, each pass followed by
 * floor((v + half) / 2**shift) clamped to +-limit; `scratch` holds 4w + 4 floats. */
static void NAME(upsample_compute)(const float *x, int channels, int h, int w, const float *q,
                                   int shift, float limit, float *out, float *scratch) {
    const float half = shift > 0 ? (float)(1 << (shift - 1)) : 0.0f;
    const Py_ssize_t plane = (Py_ssize_t)h * w;
    float *tall = scratch, *line = tall + w, *even = line + w + 4, *odd = even + w;
    for (int ch = 0; ch < channels; ch++)
        for (int r = 0; r < 2 * h; r++) {
            NAME(upsample_row)(x + ch * plane, h, w, r, q, half, shift, limit, tall);
            NAME(upsample_columns)(tall, w, q, half, shift, limit, line, even, odd,
                                   out + ch * plane * 4 + (Py_ssize_t)r * 2 * w);
        }
}

/* The last x2 upsampling fused with the 1x1 layers, row by row: each output row's stack (the
 * finest grid's row times `scale`, then the upsampled rows of the coarser stack) is built in
 * `scratch` and goes straight through the layers, so the full-resolution stack is never
 * stored. Same arithmetic as upsample_compute then pointwise_compute. `scratch` holds
 * (channels + 1) * 2w + 4w + 4 floats. */
static void NAME(upsampled_synthesis_compute)(const Pointwise *pw, const float *coarse,
                                              int channels, int h, int w, const float *finest,
                                              float scale, const float *q, int shift,
                                              float limit, float *out, float *scratch) {
    const float half = shift > 0 ? (float)(1 << (shift - 1)) : 0.0f;
    const int height = 2 * h, width = 2 * w;
    const Py_ssize_t plane = (Py_ssize_t)h * w, out_plane = (Py_ssize_t)height * width;
    float *rows = scratch, *tall = rows + (Py_ssize_t)(channels + 1) * width;
    float *line = tall + w, *even = line + w + 4, *odd = even + w;
    for (int r = 0; r < height; r++) {
        const float *top = finest + (Py_ssize_t)r * width;
        for (int j = 0; j < width; j++) rows[j] = top[j] * scale;
        for (int ch = 0; ch < channels; ch++) {
            NAME(upsample_row)(coarse + ch * plane, h, w, r, q, half, shift, limit, tall);
            NAME(upsample_columns)(tall, w, q, half, shift, limit, line, even, odd,
                                   rows + (Py_ssize_t)(ch + 1) * width);
        }
        NAME(pointwise_compute)(pw, rows, width, width, out + (Py_ssize_t)r * width, out_plane);
    }
}

/* 8-bit HWC pixels of the top-left (height, width) of a (3, h, w) image of integers in units of
 * `scale`: round-half-even(clamp(v * scale, 0, 1) * 255), the float32 operations of
 * `image_codec.to_pixels` in the same order (adding and removing 2**23 rounds half to even). */
static void NAME(rgb8_compute)(const float *x, int h, int w, float scale, int height, int width,
                               uint8_t *out) {
    const Py_ssize_t plane = (Py_ssize_t)h * w;
    float row[3][BLOCK];
    for (int y = 0; y < height; y++)
        for (int x0 = 0; x0 < width; x0 += BLOCK) {
            const int n = width - x0 < BLOCK ? width - x0 : BLOCK;
            for (int c = 0; c < 3; c++) {
                const float *restrict src = x + c * plane + (Py_ssize_t)y * w + x0;
                float *restrict dst = row[c];
                for (int j = 0; j < n; j++) {
                    float v = src[j] * scale;
                    v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
                    v = v * 255.0f;
                    dst[j] = (v + 8388608.0f) - 8388608.0f;
                }
            }
            uint8_t *restrict o = out + ((Py_ssize_t)y * width + x0) * 3;
            for (int j = 0; j < n; j++) {
                o[3 * j] = (uint8_t)(int32_t)row[0][j];
                o[3 * j + 1] = (uint8_t)(int32_t)row[1][j];
                o[3 * j + 2] = (uint8_t)(int32_t)row[2][j];
            }
        }
}

#undef v8
