# cmake -DRUN=examples/distributed/run -DPROGRAM=<built distributed> -P check.cmake
# Runs the example (three nodes, n1 killed with SIGKILL after 3 s, 8 s in all)
# and fails unless: it ends with 0; before the kill some child ran on n1;
# after it a child moved off n1 ("cache-b: n1 -> n3") and none of n2 or n3
# moved (the other nodes' connections survive); in the last frame every
# child runs on n2 or n3; every ERROR line is the expected loss of n1.
execute_process(COMMAND "${RUN}" "${PROGRAM}" OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc TIMEOUT 50)
message("${out}${err}") # the whole run, for ctest --output-on-failure
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the run ended with ${rc}")
endif()
string(FIND "${out}" "*** kill -9 node n1" kill)
if(kill EQUAL -1)
  message(FATAL_ERROR "no line says n1 was killed")
endif()
string(SUBSTRING "${out}" 0 ${kill} before)
string(SUBSTRING "${out}" ${kill} -1 after)
if(NOT before MATCHES "cache-[a-d] [^\n]* at n1 epoch [0-9]+")
  message(FATAL_ERROR "no child ran on n1 before the kill")
endif()
if(NOT after MATCHES "cache-[a-d]: n1 -> n[23] \\(epoch [0-9]+\\)")
  message(FATAL_ERROR "no child moved from n1 to n2 or n3 after the kill")
endif()
if(after MATCHES "cache-[a-d]: n[23] -> ")
  message(FATAL_ERROR "a child of n2 or n3 moved: losing n1 disturbed the other nodes")
endif()
string(FIND "${after}" "--- t=" last REVERSE)
string(SUBSTRING "${after}" ${last} -1 last_frame)
foreach(child cache-a cache-b cache-c cache-d)
  if(NOT last_frame MATCHES "${child} [^\n]* at n[23] epoch [0-9]+")
    message(FATAL_ERROR "${child} does not run on n2 or n3 in the last frame:\n${last_frame}")
  endif()
endforeach()
string(REPLACE ";" "," all "${out}${err}") # a list of lines below: no ';' in them
string(REGEX MATCHALL "ERROR[^\n]*" errors "${all}")
foreach(line IN LISTS errors)
  if(NOT line MATCHES "node_lost\\(\"the connection to node n1 was lost\"\\)")
    message(FATAL_ERROR "an unexpected error: ${line}")
  endif()
endforeach()
