# Warning flags every faas target compiles with (style.md: set on faas_core, exported).
set(FAAS_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual
    # g++ 12 reports Asio's coroutine frame allocator as mismatched new/delete (false positive).
    -Wno-mismatched-new-delete)
if(FAAS_WERROR)
  list(APPEND FAAS_WARNINGS -Werror)
endif()

# faas_component(name SOURCES ...): a library faas_<name> with alias faas::<name> linked to core.
function(faas_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(faas_${name} STATIC ${ARG_SOURCES})
  add_library(faas::${name} ALIAS faas_${name})
  target_link_libraries(faas_${name} PUBLIC faas::core ${ARG_LIBS})
endfunction()
