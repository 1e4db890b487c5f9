# cmake -DPROGRAM=<built simulation> -P check.cmake
# Runs the example, then each replay line it prints, as printed (through
# sh: the lines start with their SUPERVISE_SIM_* assignments). Fails unless
# the seed's line shows the same violation the run found, and the schedule's
# line the same violation its shrunk schedule broke.
execute_process(COMMAND "${PROGRAM}" OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc TIMEOUT 50)
message("${out}${err}") # the whole run, for ctest --output-on-failure
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the run ended with ${rc}")
endif()
if(NOT out MATCHES "found: seed [0-9]+ breaks ([^\n]*)\n")
  message(FATAL_ERROR "the run found no violation")
endif()
set(found "${CMAKE_MATCH_1}")
if(NOT out MATCHES "\n  -> ([^\n]*)\n")
  message(FATAL_ERROR "the run shows no violation of its shrunk schedule")
endif()
set(shrunk "${CMAKE_MATCH_1}")

# Runs the line after `label` and fails unless it finds `expected` again.
function(replay label expected)
  if(NOT out MATCHES "${label} +(SUPERVISE_SIM_SEED=[^\n]*)\n")
    message(FATAL_ERROR "no line starts with '${label}'")
  endif()
  set(line "${CMAKE_MATCH_1}")
  message("$ ${line}")
  execute_process(COMMAND sh -c "${line}" OUTPUT_VARIABLE again ERROR_VARIABLE again_err
                  RESULT_VARIABLE again_rc TIMEOUT 50)
  message("${again}${again_err}")
  if(NOT again_rc EQUAL 0)
    message(FATAL_ERROR "'${line}' ended with ${again_rc}")
  endif()
  if(NOT again MATCHES "found: seed [0-9]+ breaks ([^\n]*)\n")
    message(FATAL_ERROR "'${line}' found no violation")
  endif()
  if(NOT CMAKE_MATCH_1 STREQUAL expected)
    message(FATAL_ERROR "'${line}' broke '${CMAKE_MATCH_1}', not '${expected}'")
  endif()
endfunction()

replay("replay the seed:" "${found}")
replay("replay the schedule:" "${shrunk}")
