# Fails when a file of src/core or src/protocol reaches Asio or Beast, directly or through
# another header. Run as: cmake -DCXX=<compiler> -DSRC=<source dir> -P check_layering.cmake
file(GLOB_RECURSE files ${SRC}/src/core/*.cpp ${SRC}/src/core/*.hpp
                        ${SRC}/src/protocol/*.cpp ${SRC}/src/protocol/*.hpp)
set(bad "")
foreach(f ${files})
  execute_process(COMMAND ${CXX} -std=c++20 -M -x c++ -I${SRC}/src ${f}
                  OUTPUT_VARIABLE deps RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "cannot scan ${f}: ${err}")
  elseif(deps MATCHES "boost/(asio|beast)")
    list(APPEND bad ${f})
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "core/ and protocol/ must not include Asio or Beast: ${bad}")
endif()
list(LENGTH files n)
message(STATUS "layering ok: ${n} files of core/ and protocol/ free of Asio and Beast")
