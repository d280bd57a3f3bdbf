# Findcnats: the NATS C client (Debian's libnats-dev) as the IMPORTED target cnats::nats.
# The package's own cnats-config.cmake imports a static libnats_static.a that is not shipped and
# names protobuf-c/ssl libraries that are not installed, so we find the header and the shared
# library ourselves (docs/toolchain-notes.md).
find_path(CNATS_INCLUDE_DIR nats/nats.h)
find_library(CNATS_LIBRARY NAMES nats)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(cnats REQUIRED_VARS CNATS_LIBRARY CNATS_INCLUDE_DIR)
mark_as_advanced(CNATS_INCLUDE_DIR CNATS_LIBRARY)

if(cnats_FOUND AND NOT TARGET cnats::nats)
  add_library(cnats::nats SHARED IMPORTED)
  set_target_properties(cnats::nats PROPERTIES
    IMPORTED_LOCATION "${CNATS_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CNATS_INCLUDE_DIR}")
endif()
