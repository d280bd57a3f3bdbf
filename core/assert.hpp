#pragma once
// FAAS_ASSERT: always on. For broken invariants only, never for what the network or the
// environment controls.
#include <cstdio>
#include <cstdlib>

#define FAAS_ASSERT(cond)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                   \
        }                                                                                   \
    } while (false)
