# sstop_add_plugin(<id> SOURCES <files...> [LIBRARIES <targets...>] [PLATFORMS Linux Darwin])
#
# Builds plugin <id> as a MODULE library named exactly <id>.so (no "lib" prefix; the id is
# the file stem) into the build tree's plugin directory and installs it as the install
# component plugin-<id> (`cmake --install <dir> --component plugin-<id>`). Hidden visibility
# keeps the only exported symbol the descriptor entry point; -z defs makes a missing symbol
# a link error instead of a load-time surprise on a user's machine. A plugin whose PLATFORMS
# do not include the target system is skipped, so platform choice is made here, not by #ifdef.
function(sstop_add_plugin id)
  cmake_parse_arguments(P "" "" "SOURCES;LIBRARIES;PLATFORMS" ${ARGN})
  if(P_PLATFORMS AND NOT CMAKE_SYSTEM_NAME IN_LIST P_PLATFORMS)
    message(STATUS "sstop: plugin ${id} skipped (platforms: ${P_PLATFORMS})")
    return()
  endif()
  set(target sstop_plugin_${id})
  string(REPLACE "-" "_" target "${target}")
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE sstop::sdk ${P_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${id}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${SSTOP_PLUGIN_OUTPUT_DIR})
  if(NOT APPLE)
    target_link_options(${target} PRIVATE -Wl,-z,defs)
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${SSTOP_PLUGIN_INSTALL_DIR}
          COMPONENT plugin-${id})
  set_property(GLOBAL APPEND PROPERTY SSTOP_PLUGIN_TARGETS ${target})
  set_property(GLOBAL APPEND PROPERTY SSTOP_PLUGIN_IDS ${id})
endfunction()

# sstop_add_view_plugin(<id> CORE <files...>)
#
# A built-in table view: its view class (CORE) is the static library sstop_view_<id>_core,
# which the view's tests link too, on top of view-common; plugin.cpp registers it as plugin
# <id>. Builds view-common first if no other view did.
function(sstop_add_view_plugin id)
  cmake_parse_arguments(V "" "" "CORE" ${ARGN})
  if(NOT TARGET sstop_view_common)
    add_subdirectory(${PROJECT_SOURCE_DIR}/plugins/view-common
                     ${PROJECT_BINARY_DIR}/plugins/view-common)
  endif()
  set(core sstop_view_${id}_core)
  add_library(${core} STATIC ${V_CORE})
  target_include_directories(${core} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${core} PUBLIC sstop::sdk sstop_view_common)
  set_target_properties(${core} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  sstop_add_plugin(${id} SOURCES plugin.cpp LIBRARIES ${core})
endfunction()

# sstop_add_test(<name> SOURCES <files...> [LIBRARIES <targets...>] [LABELS <label>]
#                [RUN_SERIAL])
# RUN_SERIAL: a load test that must not share the machine with timing-sensitive tests.
# A GoogleTest executable in build/tests/, registered with CTest test by test.
function(sstop_add_test name)
  cmake_parse_arguments(T "RUN_SERIAL" "" "SOURCES;LIBRARIES;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBRARIES} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    SSTOP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" SSTOP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # Every sstop a test starts records history under $XDG_STATE_HOME: never the user's own
  # (tests/support gives each test process a fresh one on top of this).
  set(serial "")
  if(T_RUN_SERIAL)
    set(serial RUN_SERIAL TRUE)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "XDG_STATE_HOME=${PROJECT_BINARY_DIR}/test-state/${name}" ${serial})
endfunction()
