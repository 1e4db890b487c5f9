# CAF 0.17.6 (Debian 12) ships no CMake config and no pkg-config file:
# locate headers and libraries by hand and declare imported targets.
find_path(CAF_INCLUDE_DIR NAMES caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY NAMES caf_core REQUIRED)
find_library(CAF_IO_LIBRARY NAMES caf_io REQUIRED)
find_library(CAF_OPENSSL_LIBRARY NAMES caf_openssl REQUIRED)
file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_ver REGEX "^#define CAF_VERSION [0-9]+")
string(REGEX REPLACE "^#define CAF_VERSION ([0-9]+).*" "\\1" CAF_VERSION_NUM "${_caf_ver}")
if(CAF_VERSION_NUM LESS 1700 OR CAF_VERSION_NUM GREATER_EQUAL 1800)
  message(FATAL_ERROR "need CAF 0.17.x, found CAF_VERSION=${CAF_VERSION_NUM}")
endif()
if(NOT TARGET CAF::core)
  # UNKNOWN: CAF_CORE_LIBRARY may also be a static libcaf_core (scripts/caf-tsan).
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES
    IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  add_library(CAF::io SHARED IMPORTED)
  set_target_properties(CAF::io PROPERTIES
    IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
    INTERFACE_LINK_LIBRARIES CAF::core)
  add_library(CAF::openssl SHARED IMPORTED)
  set_target_properties(CAF::openssl PROPERTIES
    IMPORTED_LOCATION "${CAF_OPENSSL_LIBRARY}"
    INTERFACE_LINK_LIBRARIES CAF::io)
endif()
