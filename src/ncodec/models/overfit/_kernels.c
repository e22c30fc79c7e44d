/* Fused integer kernels of the overfitted codec's decoder (issue 14).
 *
 * The same functions as the PyTorch reference in arm.py, decoder.py and upsampling.py, computed
 * in blocks of pixels (or latents) that stay in L1 cache, with no temporary tensors. Values are
 * integers stored in float32: every product and partial sum stays below 2**24 in magnitude (see
 * fixed_point.py), so float32 arithmetic is exact in any order and with or without fused
 * multiply-add; a rescale is a conversion to int32 (exact) and an arithmetic shift, i.e. a floor.
 * The results are therefore bit-identical to the reference on every machine; the tests compare
 * the two.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 64       /* pixels or latents per block (a multiple of 16) */
#define MAX_WIDTH 64   /* widest layer */
#define MAX_LAYERS 8   /* 1x1 layers of the synthesis */
#define MAX_CONTEXT 32 /* context values of a latent */

#define INLINE static inline __attribute__((always_inline))

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static int get_buffer(PyObject *obj, Buffer *buf, int writable, Py_ssize_t floats,
                      const char *name) {
    buf->held = 0;
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &buf->view, flags) < 0) return -1;
    buf->held = 1;
    if (buf->view.len != floats * (Py_ssize_t)sizeof(float)) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd float32 values, got %zd bytes", name,
                     floats, buf->view.len);
        return -1;
    }
    return 0;
}

static void release(Buffer *buffers, int count) {
    for (int i = 0; i < count; i++)
        if (buffers[i].held) PyBuffer_Release(&buffers[i].view);
}

typedef struct {
    const float *grid, *coarse;
    int h, w, py, px, same, hidden, shift1, shift2;
    int dy[MAX_CONTEXT], dx[MAX_CONTEXT];
    const float *w1, *b1, *w2, *b2, *w3, *b3;
    float top;
    int mean_shift, scale_shift, mean_bits;
    int64_t mean_limit, scale_offset, scale_count;
    int32_t *index, *floor_mean;
} ArmPass;

/* The chain of 1x1 synthesis layers: input widths cin[0..count], weights (out, in) row-major. */
typedef struct {
    int count;
    int cin[MAX_LAYERS + 1];
    const float *weights[MAX_LAYERS], *biases[MAX_LAYERS];
    int shift[MAX_LAYERS];
    float lo[MAX_LAYERS], hi[MAX_LAYERS];
} Pointwise;

/* The compute kernels, compiled for the baseline instruction set and, on x86-64 with GCC or
 * Clang, once more for AVX2 with FMA, picked at import by what the CPU supports. The results
 * are the same either way (exact integer arithmetic). */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define NAME(x) CAT(x, base)
#define LANES 4
#include "_kernels_compute.h"
#undef NAME
#undef LANES

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define HAVE_AVX2_VARIANT 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define NAME(x) CAT(x, avx2)
#define LANES 8
#include "_kernels_compute.h"
#undef NAME
#undef LANES
#pragma GCC pop_options
#else
#define HAVE_AVX2_VARIANT 0
#endif

#include "../../_instruction_sets.h"

#define DISPATCH(fn, ...) (use_avx2 ? CAT(fn, avx2)(__VA_ARGS__) : CAT(fn, base)(__VA_ARGS__))

/* arm_pass(grid, h, w, py, px, coarse | None, same_offsets, w1, b1, shift1, w2, b2, shift2,
 *          w3, b3, top, (mean_shift, scale_shift, mean_bits, mean_limit, scale_offset,
 *          scale_count), index_out, floor_mean_out)
 *
 * The entropy model over the latents of phase (py, px) of a grid: each latent's context (the
 * same-grid neighbours at `same_offsets`, a flat sequence dy0, dx0, dy1, dx1, ..., then the 3x3
 * coarse latents around its parent; zeros outside), two hidden layers clamped to [0, top], and
 * the output accumulators rounded to a table index and floor(mean) (int32, one per latent), as
 * `IntegerArm._indexes` does. Weights are (in, out) row-major; biases already hold the rounding
 * offset of their layer's rescale.
 */
static PyObject *arm_pass(PyObject *self, PyObject *args) {
    PyObject *grid_obj, *coarse_obj, *offsets_obj, *w1_obj, *b1_obj, *w2_obj, *b2_obj, *w3_obj,
        *b3_obj, *index_obj, *mean_obj;
    ArmPass a;
    long long mean_limit, scale_offset, scale_count;
    if (!PyArg_ParseTuple(args, "OiiiiOOOOiOOiOOf(iiiLLL)OO", &grid_obj, &a.h, &a.w, &a.py, &a.px,
                          &coarse_obj, &offsets_obj, &w1_obj, &b1_obj, &a.shift1, &w2_obj,
                          &b2_obj, &a.shift2, &w3_obj, &b3_obj, &a.top, &a.mean_shift,
                          &a.scale_shift, &a.mean_bits, &mean_limit, &scale_offset, &scale_count,
                          &index_obj, &mean_obj))
        return NULL;
    a.mean_limit = mean_limit;
    a.scale_offset = scale_offset;
    a.scale_count = scale_count;
    if (a.h <= 0 || a.w <= 0 || (a.py != 0 && a.py != 1) || (a.px != 0 && a.px != 1) ||
        (coarse_obj != Py_None && (a.h % 2 || a.w % 2)) || a.shift1 < -8 || a.shift1 > 30 ||
        a.shift2 < -8 || a.shift2 > 30 || a.mean_shift < 1 || a.mean_shift > 30 ||
        a.scale_shift < 1 || a.scale_shift > 30 || a.mean_bits < 0 || a.mean_bits > 16 ||
        scale_count < 1 || scale_count > (1LL << 20) || mean_limit < 0 ||
        mean_limit > (1LL << 20) ||
        scale_offset < -(1LL << 20) || scale_offset > (1LL << 20)) {
        PyErr_SetString(PyExc_ValueError, "arm_pass: bad grid shape, phase, shift or rounding");
        return NULL;
    }
    PyObject *offsets = PySequence_Fast(offsets_obj, "arm_pass: offsets must be a sequence");
    if (!offsets) return NULL;
    Py_ssize_t offset_values = PySequence_Fast_GET_SIZE(offsets);
    a.same = (int)(offset_values / 2);
    const int context = a.same + 9;
    if (offset_values % 2 || context > MAX_CONTEXT) {
        Py_DECREF(offsets);
        PyErr_SetString(PyExc_ValueError, "arm_pass: bad offsets");
        return NULL;
    }
    for (int k = 0; k < a.same; k++) {
        a.dy[k] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(offsets, 2 * k));
        a.dx[k] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(offsets, 2 * k + 1));
        if (a.dy[k] < -1 || a.dy[k] > 1 || a.dx[k] < -1 || a.dx[k] > 1) {
            Py_DECREF(offsets);
            PyErr_SetString(PyExc_ValueError, "arm_pass: offsets must lie in -1..1");
            return NULL;
        }
    }
    Py_DECREF(offsets);
    if (PyErr_Occurred()) return NULL;

    const Py_ssize_t n_total = (Py_ssize_t)((a.h - a.py + 1) / 2) * ((a.w - a.px + 1) / 2);
    Buffer b[10];
    memset(b, 0, sizeof b);
    float *zeros = NULL;
    if (get_buffer(grid_obj, &b[0], 0, (Py_ssize_t)a.h * a.w, "grid") < 0) goto fail;
    if (coarse_obj != Py_None &&
        get_buffer(coarse_obj, &b[1], 0, (Py_ssize_t)(a.h / 2) * (a.w / 2), "coarse") < 0)
        goto fail;
    if (PyObject_GetBuffer(w1_obj, &b[2].view, PyBUF_C_CONTIGUOUS) < 0) goto fail;
    b[2].held = 1;
    a.hidden = (int)(b[2].view.len / (Py_ssize_t)sizeof(float) / context);
    if (a.hidden <= 0 || a.hidden > MAX_WIDTH ||
        b[2].view.len != (Py_ssize_t)context * a.hidden * (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "arm_pass: w1 does not match the context");
        goto fail;
    }
    if (get_buffer(b1_obj, &b[3], 0, a.hidden, "b1") < 0) goto fail;
    if (get_buffer(w2_obj, &b[4], 0, (Py_ssize_t)a.hidden * a.hidden, "w2") < 0) goto fail;
    if (get_buffer(b2_obj, &b[5], 0, a.hidden, "b2") < 0) goto fail;
    if (get_buffer(w3_obj, &b[6], 0, (Py_ssize_t)a.hidden * 2, "w3") < 0) goto fail;
    if (get_buffer(b3_obj, &b[7], 0, 2, "b3") < 0) goto fail;
    /* int32 outputs: 4 bytes per latent, as float32 */
    if (get_buffer(index_obj, &b[8], 1, n_total, "index_out") < 0) goto fail;
    if (get_buffer(mean_obj, &b[9], 1, n_total, "floor_mean_out") < 0) goto fail;
    zeros = calloc((size_t)a.w + 2, sizeof(float));
    if (!zeros) {
        PyErr_NoMemory();
        goto fail;
    }
    a.grid = b[0].view.buf;
    a.coarse = coarse_obj != Py_None ? b[1].view.buf : NULL;
    a.w1 = b[2].view.buf;
    a.b1 = b[3].view.buf;
    a.w2 = b[4].view.buf;
    a.b2 = b[5].view.buf;
    a.w3 = b[6].view.buf;
    a.b3 = b[7].view.buf;
    a.index = b[8].view.buf;
    a.floor_mean = b[9].view.buf;
    Py_BEGIN_ALLOW_THREADS;
    DISPATCH(arm_compute, &a, zeros);
    Py_END_ALLOW_THREADS;
    free(zeros);
    release(b, 10);
    Py_RETURN_NONE;
fail:
    free(zeros);
    release(b, 10);
    return NULL;
}

/* Reads a sequence of (weight (out, in), bias, shift, lo, hi) into `pw`, holding the buffers
 * in `held` (2 * MAX_LAYERS entries, to release). */
static int parse_pointwise(PyObject *layers_obj, Pointwise *pw, Buffer *held) {
    PyObject *layers = PySequence_Fast(layers_obj, "layers must be a sequence");
    if (!layers) return -1;
    pw->count = (int)PySequence_Fast_GET_SIZE(layers);
    if (pw->count < 1 || pw->count > MAX_LAYERS) {
        PyErr_SetString(PyExc_ValueError, "synthesis: bad layer count");
        goto fail;
    }
    for (int l = 0; l < pw->count; l++) {
        PyObject *wobj, *bobj;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(layers, l), "OOiff", &wobj, &bobj,
                              &pw->shift[l], &pw->lo[l], &pw->hi[l]))
            goto fail;
        if (pw->shift[l] < -8 || pw->shift[l] > 30) {
            PyErr_SetString(PyExc_ValueError, "synthesis: bad shift");
            goto fail;
        }
        if (PyObject_GetBuffer(bobj, &held[2 * l + 1].view, PyBUF_C_CONTIGUOUS) < 0) goto fail;
        held[2 * l + 1].held = 1;
        int cout = (int)(held[2 * l + 1].view.len / (Py_ssize_t)sizeof(float));
        if (PyObject_GetBuffer(wobj, &held[2 * l].view, PyBUF_C_CONTIGUOUS) < 0) goto fail;
        held[2 * l].held = 1;
        int in = cout ? (int)(held[2 * l].view.len / (Py_ssize_t)sizeof(float) / cout) : 0;
        if (cout < 1 || cout > MAX_WIDTH || in < 1 || in > MAX_WIDTH ||
            held[2 * l].view.len != (Py_ssize_t)in * cout * (Py_ssize_t)sizeof(float) ||
            (l > 0 && in != pw->cin[l])) {
            PyErr_SetString(PyExc_ValueError, "synthesis: layer shapes do not chain");
            goto fail;
        }
        pw->cin[l] = in;
        pw->cin[l + 1] = cout;
        pw->weights[l] = held[2 * l].view.buf;
        pw->biases[l] = held[2 * l + 1].view.buf;
    }
    Py_DECREF(layers);
    return 0;
fail:
    Py_DECREF(layers);
    return -1;
}

/* synthesis_pointwise(stack, pixels, layers, out)
 *
 * The chain of 1x1 layers over `pixels` pixels of a channel-major (C, pixels) stack; `layers` is
 * a sequence of (weight (out, in), bias, shift, lo, hi); the last layer's output goes to out
 * (C_last, pixels), which may be the stack's first planes (each block is read before written).
 */
static PyObject *synthesis_pointwise(PyObject *self, PyObject *args) {
    PyObject *stack_obj, *layers_obj, *out_obj;
    Py_ssize_t pixels;
    if (!PyArg_ParseTuple(args, "OnOO", &stack_obj, &pixels, &layers_obj, &out_obj)) return NULL;
    Buffer b[2 * MAX_LAYERS + 2];
    memset(b, 0, sizeof b);
    Pointwise pw;
    if (pixels <= 0) {
        PyErr_SetString(PyExc_ValueError, "synthesis_pointwise: bad size");
        return NULL;
    }
    if (parse_pointwise(layers_obj, &pw, b) < 0) goto fail;
    if (get_buffer(stack_obj, &b[2 * MAX_LAYERS], 0, (Py_ssize_t)pw.cin[0] * pixels, "stack") < 0)
        goto fail;
    if (get_buffer(out_obj, &b[2 * MAX_LAYERS + 1], 1, (Py_ssize_t)pw.cin[pw.count] * pixels,
                   "out") < 0)
        goto fail;
    {
        const float *stack = b[2 * MAX_LAYERS].view.buf;
        float *out = b[2 * MAX_LAYERS + 1].view.buf;
        Py_BEGIN_ALLOW_THREADS;
        DISPATCH(pointwise_compute, &pw, stack, pixels, pixels, out, pixels);
        Py_END_ALLOW_THREADS;
    }
    release(b, 2 * MAX_LAYERS + 2);
    Py_RETURN_NONE;
fail:
    release(b, 2 * MAX_LAYERS + 2);
    return NULL;
}

/* upsampled_synthesis(coarse, channels, h, w, finest, scale, taps, shift, limit, layers, out)
 *
 * The last x2 upsampling of a (channels, h, w) stack, prepended with the finest grid (2h, 2w)
 * times `scale`, through the 1x1 layers, row by row (see upsampled_synthesis_compute); out is
 * (C_last, 2h, 2w). Equal to upsample2x, the concatenation, then synthesis_pointwise.
 */
static PyObject *upsampled_synthesis(PyObject *self, PyObject *args) {
    PyObject *coarse_obj, *finest_obj, *layers_obj, *out_obj;
    int channels, h, w, shift;
    float scale, q[4], limit;
    if (!PyArg_ParseTuple(args, "OiiiOf(ffff)ifOO", &coarse_obj, &channels, &h, &w, &finest_obj,
                          &scale, &q[0], &q[1], &q[2], &q[3], &shift, &limit, &layers_obj,
                          &out_obj))
        return NULL;
    if (channels < 1 || h < 1 || w < 1 || shift < 0 || shift > 30) {
        PyErr_SetString(PyExc_ValueError, "upsampled_synthesis: bad shape or shift");
        return NULL;
    }
    const Py_ssize_t plane = (Py_ssize_t)h * w;
    Buffer b[2 * MAX_LAYERS + 3];
    memset(b, 0, sizeof b);
    Pointwise pw;
    float *scratch = NULL;
    if (parse_pointwise(layers_obj, &pw, b) < 0) goto fail;
    if (pw.cin[0] != channels + 1) {
        PyErr_SetString(PyExc_ValueError, "upsampled_synthesis: first layer width != channels + 1");
        goto fail;
    }
    if (get_buffer(coarse_obj, &b[2 * MAX_LAYERS], 0, channels * plane, "coarse") < 0) goto fail;
    if (get_buffer(finest_obj, &b[2 * MAX_LAYERS + 1], 0, 4 * plane, "finest") < 0) goto fail;
    if (get_buffer(out_obj, &b[2 * MAX_LAYERS + 2], 1, pw.cin[pw.count] * 4 * plane, "out") < 0)
        goto fail;
    scratch = malloc(sizeof(float) * ((size_t)(channels + 1) * 2 * w + 4 * (size_t)w + 4));
    if (!scratch) {
        PyErr_NoMemory();
        goto fail;
    }
    {
        const float *coarse = b[2 * MAX_LAYERS].view.buf, *finest = b[2 * MAX_LAYERS + 1].view.buf;
        float *out = b[2 * MAX_LAYERS + 2].view.buf;
        Py_BEGIN_ALLOW_THREADS;
        DISPATCH(upsampled_synthesis_compute, &pw, coarse, channels, h, w, finest, scale, q, shift,
                 limit, out, scratch);
        Py_END_ALLOW_THREADS;
    }
    free(scratch);
    release(b, 2 * MAX_LAYERS + 3);
    Py_RETURN_NONE;
fail:
    free(scratch);
    release(b, 2 * MAX_LAYERS + 3);
    return NULL;
}

/* conv3x3(x, channels, h, w, weight, bias, shift, lo, hi, residual, out)
 *
 * A channels -> channels 3x3 convolution with replicated borders; the accumulator is rescaled,
 * then x is added when `residual`, then the result is clamped to [lo, hi].
 */
static PyObject *conv3x3(PyObject *self, PyObject *args) {
    PyObject *x_obj, *w_obj, *b_obj, *out_obj;
    int channels, h, w, shift, residual;
    float lo, hi;
    if (!PyArg_ParseTuple(args, "OiiiOOiffpO", &x_obj, &channels, &h, &w, &w_obj, &b_obj,
                          &shift, &lo, &hi, &residual, &out_obj))
        return NULL;
    if (channels < 1 || channels > MAX_WIDTH || h < 1 || w < 1 || shift < -8 || shift > 30) {
        PyErr_SetString(PyExc_ValueError, "conv3x3: bad shape or shift");
        return NULL;
    }
    Py_ssize_t plane = (Py_ssize_t)h * w;
    Buffer b[4];
    memset(b, 0, sizeof b);
    if (get_buffer(x_obj, &b[0], 0, channels * plane, "x") < 0) goto fail;
    if (get_buffer(w_obj, &b[1], 0, (Py_ssize_t)channels * channels * 9, "weight") < 0) goto fail;
    if (get_buffer(b_obj, &b[2], 0, channels, "bias") < 0) goto fail;
    if (get_buffer(out_obj, &b[3], 1, channels * plane, "out") < 0) goto fail;
    if (b[0].view.buf == b[3].view.buf) {
        PyErr_SetString(PyExc_ValueError, "conv3x3: out must not be x");
        goto fail;
    }
    {
        float *padded = malloc(sizeof(float) * (size_t)channels * 3 * (size_t)(w + 2 + 16));
        float *acc = malloc(sizeof(float) * (size_t)(w + 16));
        if (!padded || !acc) {
            free(padded);
            free(acc);
            PyErr_NoMemory();
            goto fail;
        }
        Py_BEGIN_ALLOW_THREADS;
        DISPATCH(conv3x3_compute, b[0].view.buf, channels, h, w, b[1].view.buf, b[2].view.buf,
                 shift, lo, hi, residual, b[3].view.buf, padded, acc);
        Py_END_ALLOW_THREADS;
        free(padded);
        free(acc);
    }
    release(b, 4);
    Py_RETURN_NONE;
fail:
    release(b, 4);
    return NULL;
}

/* upsample2x(x, channels, h, w, taps (q0, q1, q2, q3), shift, limit, out)
 *
 * Doubles rows then columns of (channels, h, w) with the symmetric 8-tap kernel (replicated
 * borders), each pass followed by floor((v + half) / 2**shift) clamped to +-limit.
 */
static PyObject *upsample2x(PyObject *self, PyObject *args) {
    PyObject *x_obj, *out_obj;
    int channels, h, w, shift;
    float q[4], limit;
    if (!PyArg_ParseTuple(args, "Oiii(ffff)ifO", &x_obj, &channels, &h, &w, &q[0], &q[1], &q[2],
                          &q[3], &shift, &limit, &out_obj))
        return NULL;
    if (channels < 1 || h < 1 || w < 1 || shift < 0 || shift > 30) {
        PyErr_SetString(PyExc_ValueError, "upsample2x: bad shape or shift");
        return NULL;
    }
    Py_ssize_t plane = (Py_ssize_t)h * w;
    Buffer b[2];
    memset(b, 0, sizeof b);
    if (get_buffer(x_obj, &b[0], 0, channels * plane, "x") < 0) goto fail;
    if (get_buffer(out_obj, &b[1], 1, channels * plane * 4, "out") < 0) goto fail;
    {
        float *scratch = malloc(sizeof(float) * (4 * (size_t)w + 4));
        if (!scratch) {
            PyErr_NoMemory();
            goto fail;
        }
        Py_BEGIN_ALLOW_THREADS;
        DISPATCH(upsample_compute, b[0].view.buf, channels, h, w, q, shift, limit,
                 b[1].view.buf, scratch);
        Py_END_ALLOW_THREADS;
        free(scratch);
    }
    release(b, 2);
    Py_RETURN_NONE;
fail:
    release(b, 2);
    return NULL;
}

/* rgb8(x, h, w, scale, height, width, out)
 *
 * 8-bit HWC pixels (out: height x width x 3 bytes) of the top-left of a (3, h, w) float32 image
 * of integers in units of `scale`, rounded as image_codec.to_pixels rounds.
 */
static PyObject *rgb8(PyObject *self, PyObject *args) {
    PyObject *x_obj, *out_obj;
    int h, w, height, width;
    float scale;
    if (!PyArg_ParseTuple(args, "OiifiiO", &x_obj, &h, &w, &scale, &height, &width, &out_obj))
        return NULL;
    if (h < 1 || w < 1 || height < 1 || width < 1 || height > h || width > w) {
        PyErr_SetString(PyExc_ValueError, "rgb8: bad shape");
        return NULL;
    }
    Buffer b[2];
    memset(b, 0, sizeof b);
    if (get_buffer(x_obj, &b[0], 0, 3 * (Py_ssize_t)h * w, "x") < 0) goto fail;
    if (PyObject_GetBuffer(out_obj, &b[1].view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0)
        goto fail;
    b[1].held = 1;
    if (b[1].view.len != 3 * (Py_ssize_t)height * width) {
        PyErr_SetString(PyExc_ValueError, "rgb8: out must hold height x width x 3 bytes");
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS;
    DISPATCH(rgb8_compute, b[0].view.buf, h, w, scale, height, width, b[1].view.buf);
    Py_END_ALLOW_THREADS;
    release(b, 2);
    Py_RETURN_NONE;
fail:
    release(b, 2);
    return NULL;
}

static PyMethodDef methods[] = {
    {"instruction_set", instruction_set, METH_NOARGS, "The kernels in use: baseline or avx2."},
    {"rgb8", rgb8, METH_VARARGS, "8-bit HWC pixels of a fixed-point RGB image."},
    {"set_instruction_set", set_instruction_set, METH_VARARGS,
     "Pick the baseline or AVX2 kernels; returns the previous choice."},
    {"arm_pass", arm_pass, METH_VARARGS, "Entropy-model accumulators of one pass of a grid."},
    {"synthesis_pointwise", synthesis_pointwise, METH_VARARGS, "The 1x1 synthesis layers."},
    {"conv3x3", conv3x3, METH_VARARGS, "A 3x3 synthesis layer with replicated borders."},
    {"upsample2x", upsample2x, METH_VARARGS, "x2 upsampling with rounding after each axis."},
    {"upsampled_synthesis", upsampled_synthesis, METH_VARARGS,
     "The last x2 upsampling fused with the 1x1 layers, row by row."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "Fused integer kernels of the overfitted codec's decoder (bit-identical to the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) {
    use_avx2 = cpu_has_avx2();
    return PyModule_Create(&module);
}
