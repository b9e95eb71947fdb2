#ifndef EQUILINK_COMMON_STATUS_CHECK_H_
#define EQUILINK_COMMON_STATUS_CHECK_H_

// EQ_CHECK aborts with file and line in every build. It is for invariants that
// cannot fail unless the code is wrong; untrusted input (requests, CSV, config
// files) always gets a Status instead.

#include <cstdio>
#include <cstdlib>

#define EQ_CHECK(cond)                                                      \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (0)

#endif  // EQUILINK_COMMON_STATUS_CHECK_H_
