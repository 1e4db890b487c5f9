// supervise/version.hpp — the version of these headers.
//
// Semantic versioning: a new minor version may add to the API; before 1.0
// it may also change it, listed in CHANGELOG.md. The installed CMake package
// accepts a request for the same major.minor (`find_package(supervise 0.2)`),
// and pkg-config reports the same number (`pkg-config --modversion
// supervise`). The build reads the numbers from this file: it is their one
// source.
#pragma once

#define SUPERVISE_VERSION_MAJOR 0
#define SUPERVISE_VERSION_MINOR 2
#define SUPERVISE_VERSION_PATCH 0

/// One number for preprocessor checks: major * 10000 + minor * 100 + patch.
#define SUPERVISE_VERSION                                                                     \
  (SUPERVISE_VERSION_MAJOR * 10000 + SUPERVISE_VERSION_MINOR * 100 + SUPERVISE_VERSION_PATCH)

namespace supervise {

/// "0.2.0": the version of the headers a program was compiled with.
constexpr const char* version_string = "0.2.0";

} // namespace supervise
