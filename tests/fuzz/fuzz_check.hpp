#pragma once
// Shared by the fuzz targets: a failed property is a crash, so libFuzzer saves the input and
// the replay executable exits non-zero. Works without assert() (RelWithDebInfo has NDEBUG).

#include <cstdio>
#include <cstdlib>

#define SSTOP_FUZZ_CHECK(cond)                                                                    \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            std::fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                         \
        }                                                                                         \
    } while (false)
