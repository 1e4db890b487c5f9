# cmake -DREADME=... -DEXAMPLE=... -P readme_shows.cmake
# Fails unless README contains EXAMPLE verbatim as a ```cpp block: the
# program a newcomer copies from the README is the one CI builds and runs.
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "```cpp\n${example}```" at)
if(at EQUAL -1)
  get_filename_component(name "${EXAMPLE}" NAME)
  message(FATAL_ERROR "README.md does not show examples/${name} as it is: copy the file into its ```cpp block")
endif()
