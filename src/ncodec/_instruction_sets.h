/* The instruction-set choice shared by ncodec's compiled kernels.
 *
 * Each extension compiles its loops twice, for the baseline instruction set and (on x86-64 with
 * GCC or Clang, where it defines HAVE_AVX2_VARIANT to 1 before including this header) for AVX2
 * with FMA, and picks the second at import when the CPU has it. Both give the same results (the
 * kernels compute exact integer arithmetic); the tests switch between them to check that.
 */
#ifndef NCODEC_INSTRUCTION_SETS_H
#define NCODEC_INSTRUCTION_SETS_H

#include <Python.h>
#include <string.h>

static int use_avx2 = 0;

static int cpu_has_avx2(void) {
#if HAVE_AVX2_VARIANT
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* set_instruction_set("baseline" | "avx2") -> the previous one (for the tests: both must agree). */
static PyObject *set_instruction_set(PyObject *self, PyObject *args) {
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    PyObject *previous = PyUnicode_FromString(use_avx2 ? "avx2" : "baseline");
    if (!previous) return NULL;
    if (strcmp(name, "baseline") == 0) {
        use_avx2 = 0;
    } else if (strcmp(name, "avx2") == 0 && HAVE_AVX2_VARIANT && cpu_has_avx2()) {
        use_avx2 = 1;
    } else {
        Py_DECREF(previous);
        PyErr_Format(PyExc_ValueError, "instruction set %s is not available here", name);
        return NULL;
    }
    return previous;
}

static PyObject *instruction_set(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(use_avx2 ? "avx2" : "baseline");
}

#endif
