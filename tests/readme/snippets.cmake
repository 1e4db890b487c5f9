# cmake -DREADME=<README.md> -DOUT=<file.cpp> -P snippets.cmake
#
# Writes every ```cpp block of the README into one C++ file that the build
# compiles (never runs), so a snippet that no longer compiles fails CI. A
# block with its own main() is a whole program and is left out (the first
# program is examples/first.cpp, built and run, and checked against the
# README by readme_shows.cmake). Every other block becomes the body of a
# function of its own, after a prelude (prelude.hpp) that declares what the
# snippets take for granted: `sys`, a tree `t`, `opts`, a `root` and two
# runnables `db_runnable` and `cache_runnable`. Its #include lines move to the
# top of the file. Text is handled as strings, never as CMake lists: C++ has
# semicolons.
cmake_minimum_required(VERSION 3.18) # policies of our time (while(TRUE) included)
file(READ "${README}" text)
set(includes "")
set(bodies "")
set(n 0)
set(open "```cpp\n")
while(TRUE)
  string(FIND "${text}" "${open}" at)
  if(at EQUAL -1)
    break()
  endif()
  string(LENGTH "${open}" len)
  math(EXPR from "${at} + ${len}")
  string(SUBSTRING "${text}" ${from} -1 text)
  string(FIND "${text}" "```" end)
  string(SUBSTRING "${text}" 0 ${end} block)
  math(EXPR after "${end} + 3")
  string(SUBSTRING "${text}" ${after} -1 text)
  math(EXPR n "${n} + 1")
  if(block MATCHES "int main\\(")
    continue()
  endif()
  # A block using supervise::actors compiles only where that library is
  # built (SUPERVISE_README_ACTORS: not in the TSan build).
  set(guard_open "")
  set(guard_close "")
  if(block MATCHES "supervise/actors/")
    set(guard_open "#if SUPERVISE_README_ACTORS\n")
    set(guard_close "#endif\n")
  endif()
  string(REGEX MATCHALL "#include [^\n]*" incs "${block}")
  string(APPEND includes "${guard_open}")
  foreach(inc IN LISTS incs)
    string(APPEND includes "${inc}\n")
  endforeach()
  string(APPEND includes "${guard_close}")
  string(REGEX REPLACE "#include [^\n]*\n" "" block "${block}")
  string(APPEND bodies
    "// README.md, cpp block ${n}\n"
    "${guard_open}"
    "[[maybe_unused]] int snippet_${n}([[maybe_unused]] caf::actor_system& sys,\n"
    "                                  [[maybe_unused]] supervise::tree& t,\n"
    "                                  [[maybe_unused]] supervise::tree_options& opts) {\n"
    "  { // a scope of its own: a snippet may declare its own `t`\n"
    "${block}"
    "  }\n  return 0;\n}\n${guard_close}\n")
endwhile()
file(WRITE "${OUT}.tmp"
  "// Generated from README.md by tests/readme/snippets.cmake: do not edit.\n"
  "${includes}"
  "#include \"prelude.hpp\"\n\n"
  "namespace readme {\n\n"
  "${bodies}"
  "} // namespace readme\n")
# Unchanged content keeps the file's time: no rebuild after every configure.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
